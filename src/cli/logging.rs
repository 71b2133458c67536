//! `-v`, `-vv`, `-q` and `RUST_LOG`: what disclose says about its work besides its output.
//! Logs go to standard error through `tracing-subscriber`, never into standard output (so never
//! into `--json` or an export); `-q` also silences notes and progress, leaving only errors.
//! Every value a stranger controls (a URL, a redirect target, a server's text) is escaped for a
//! terminal where the event is made (`escape::for_terminal`), so a log line cannot carry an
//! escape sequence.

use clap::Args;
use tracing_subscriber::EnvFilter;

#[derive(Args, Clone, Copy, Debug, Default)]
pub struct Verbosity {
    /// Say more on standard error: -v each domain's attempts, redirects, keys and outcome;
    /// -vv also politeness waits and retries. RUST_LOG (e.g. `disclose=debug`) overrides it.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Say nothing on standard error but errors: no progress bar, no notes.
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

impl Verbosity {
    /// Installs the log subscriber (once, at start).
    pub fn install(self) {
        if self.quiet {
            disclose::crawl::progress::set_quiet();
        }
        let default = match (self.quiet, self.verbose) {
            (true, _) => "off",
            (false, 0) => "disclose=warn",
            (false, 1) => "disclose=debug",
            (false, _) => "disclose=trace",
        };
        let filter = match std::env::var("RUST_LOG") {
            Ok(spec) if !spec.trim().is_empty() && !self.quiet => EnvFilter::try_new(&spec)
                .unwrap_or_else(|e| {
                    disclose::crawl::progress::say(&format!(
                        "disclose: RUST_LOG=`{spec}` is not a log filter ({e}); using {default}"
                    ));
                    EnvFilter::new(default)
                }),
            _ => EnvFilter::new(default),
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_target(false)
            .compact()
            .try_init();
    }

    /// Whether a progress bar may be drawn: not when quiet, and not under logs, which it would
    /// tear.
    pub fn progress(self) -> bool {
        !self.quiet && self.verbose == 0 && std::env::var_os("RUST_LOG").is_none()
    }
}
