//! The `disclose` command line: parses flags, calls the library, prints. Exit status: 0 when every
//! checked file is valid, 1 when some file is invalid, 2 on a usage or I/O error.

use clap::{Args, Parser, Subcommand};
use disclose::check::{JsonReport, Styles, write_human};
use disclose::format::{self, Code, Context, Timestamp, catalogue};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Finds who to tell: validates security.txt files (RFC 9116) and reports every problem at once.
#[derive(Parser)]
#[command(name = "disclose", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check security.txt files: every finding with its line, the rule it enforces and a fix.
    Check(CheckArgs),
    /// Explain a diagnostic code, or list them all.
    Explain(ExplainArgs),
}

#[derive(Args)]
struct CheckArgs {
    /// Files to check; `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,

    /// Print one JSON object per file (JSON Lines) instead of human-readable findings.
    #[arg(long)]
    json: bool,

    /// Check as if the time were this RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z, for
    /// reproducible results. Default: the current time.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    now: Option<Timestamp>,

    /// The URL the file is (or will be) served from; Canonical is checked against it.
    #[arg(long, value_name = "URL")]
    url: Option<String>,

    /// When to colour the human output.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
}

#[derive(Args)]
struct ExplainArgs {
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

fn parse_now(value: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(value).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(args),
        Command::Explain(args) => explain(args),
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let now = args.now.unwrap_or_else(system_now);
    let mut ctx = Context::at(now);
    ctx.requested_url = args.url.clone();
    let styles = match args.color.as_str() {
        "always" => Styles::colored(),
        "never" => Styles::plain(),
        _ if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() => {
            Styles::colored()
        }
        _ => Styles::plain(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut valid, mut invalid, mut failed) = (0, 0, 0);
    for path in &args.paths {
        let input = match read_input(path) {
            Ok(bytes) => bytes,
            Err(message) => {
                eprintln!("disclose: {message}");
                failed += 1;
                continue;
            }
        };
        let checked = format::check(&input, &ctx);
        let written = if args.json {
            serde_json::to_writer(&mut out, &JsonReport::new(path, &checked))
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        } else {
            write_human(&mut out, path, &checked, styles)
        };
        if written.is_err() {
            // Standard output is gone (a closed pipe): nothing more can be reported.
            return ExitCode::from(2);
        }
        if checked.report.is_valid() {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    if !args.json && args.paths.len() > 1 {
        let _ = writeln!(
            out,
            "checked {} files: {valid} valid, {invalid} invalid{}",
            valid + invalid,
            if failed > 0 {
                format!(", {failed} unreadable")
            } else {
                String::new()
            }
        );
    }
    match (failed, invalid) {
        (0, 0) => ExitCode::SUCCESS,
        (0, _) => ExitCode::from(1),
        _ => ExitCode::from(2),
    }
}

/// Reads a file, or standard input for `-`. A domain or URL gets an error that says what
/// `check` can do today.
fn read_input(path: &str) -> Result<Vec<u8>, String> {
    if path == "-" {
        let mut buf = Vec::new();
        return std::io::stdin()
            .read_to_end(&mut buf)
            .map(|_| buf)
            .map_err(|e| format!("cannot read standard input: {e}"));
    }
    std::fs::read(path).map_err(|e| {
        let shown = disclose::escape::for_terminal(path);
        if e.kind() == std::io::ErrorKind::NotFound && looks_like_network_target(path) {
            format!(
                "`{shown}` is not a file. `disclose check` reads local files; checking a domain or \
                 URL over the network comes with the crawler and is not available yet"
            )
        } else {
            format!("cannot read `{shown}`: {e}")
        }
    })
}

fn looks_like_network_target(path: &str) -> bool {
    path.contains("://")
        || (!Path::new(path).is_absolute()
            && !path.contains('/')
            && path.contains('.')
            && !path.ends_with(".txt")
            && !path.ends_with(".asc"))
}

fn system_now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_unix(secs)
}

fn explain(args: ExplainArgs) -> ExitCode {
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
    let Some(code) = Code::from_name(&name) else {
        let closest = Code::ALL
            .iter()
            .min_by_key(|c| disclose::format::validate::edit_distance(&name, c.as_str()))
            .map(|c| c.as_str())
            .unwrap_or_default();
        eprintln!(
            "disclose: `{}` is not a diagnostic code; did you mean `{closest}`? \
             (`disclose explain --list` lists them all)",
            disclose::escape::for_terminal(&name)
        );
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
