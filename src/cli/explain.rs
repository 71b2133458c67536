//! `disclose explain CODE`: one entry of the diagnostic catalogue, the list of codes, or the
//! catalogue as Markdown.

use clap::Args;
use disclose::format::{Code, catalogue};
use std::io::Write;
use std::process::ExitCode;

#[derive(Args)]
pub struct ExplainArgs {
    /// The code to explain, e.g. `no_expire`.
    #[arg(required_unless_present_any = ["list", "markdown"])]
    code: Option<String>,

    /// List every code with its level and message.
    #[arg(long, conflicts_with_all = ["code", "markdown"])]
    list: bool,

    /// Print the whole catalogue as Markdown (the source of docs/diagnostics.md).
    #[arg(long, conflicts_with = "code")]
    markdown: bool,
}

pub fn run(args: ExplainArgs) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.markdown {
        let _ = out.write_all(catalogue::render_markdown().as_bytes());
        return ExitCode::SUCCESS;
    }
    if args.list {
        let width = Code::ALL
            .iter()
            .map(|c| c.as_str().len())
            .max()
            .unwrap_or(0);
        for code in Code::ALL {
            let e = code.entry();
            let _ = writeln!(out, "{:<width$}  {:<14}  {}", e.code, e.level, e.message);
        }
        return ExitCode::SUCCESS;
    }
    let name = args.code.unwrap_or_default();
    let Some(code) = Code::from_name_loose(&name) else {
        let suggestions: Vec<String> = Code::search(&name, 3)
            .iter()
            .map(|c| format!("`{c}` ({})", c.entry().message))
            .collect();
        let say = disclose::crawl::progress::say;
        if suggestions.is_empty() {
            say(&format!(
                "disclose: `{name}` is not a diagnostic code (`disclose explain --list` lists them all)"
            ));
        } else {
            say(&format!(
                "disclose: `{name}` is not a diagnostic code; did you mean {}? \
                 (`disclose explain --list` lists them all)",
                suggestions.join(", or ")
            ));
        }
        return ExitCode::from(2);
    };
    let e = code.entry();
    let _ = writeln!(out, "{} ({})", e.code, e.level);
    let _ = writeln!(out, "  {}\n", e.message);
    let _ = writeln!(out, "  {}\n", e.explanation);
    let _ = writeln!(out, "  fix:      {}", e.hint);
    let _ = writeln!(out, "  enforces: {}", e.reference);
    let _ = writeln!(
        out,
        "  sectxt:   {}",
        if e.sectxt {
            "same code and meaning in sectxt 0.9.8 and internet.nl"
        } else {
            "not reported by sectxt 0.9.8"
        }
    );
    ExitCode::SUCCESS
}
