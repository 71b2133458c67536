//! The `disclose` command line: parses flags, calls the library, prints. Each subcommand's exit
//! status is documented in the README.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use disclose::check::{JsonReport, Styles, write_human, write_record_human};
use disclose::crawl::settings::Settings;
use disclose::crawl::{self, RunConfig, Stop};
use disclose::format::{self, Code, Context as CheckContext, Timestamp, catalogue};
use disclose::lab::run::RunOptions;
use disclose::lab::scenario::Mix;
use disclose::lab::{Lab, LabConfig};
use disclose::net::client::Roots;
use disclose::net::guard::AddressPolicy;
use disclose::signature::{
    self,
    keys::{KeyFinder, Keyring},
};
use disclose::store::Store;
use disclose::target::{InputFormat, Target, TargetReader};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Finds who to tell: crawls, validates and verifies security.txt files (RFC 9116).
#[derive(Parser)]
#[command(name = "disclose", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check security.txt files, domains or URLs: every finding with its line, rule and fix.
    Check(CheckArgs),
    /// Crawl a list of domains into the store: resolve, fetch, validate, record.
    Crawl(CrawlArgs),
    /// Explain a diagnostic code, or list them all.
    Explain(ExplainArgs),
    /// A simulated internet on 127.0.0.0/8 to try the crawler on, offline.
    #[command(subcommand)]
    Lab(LabCommand),
}

/// How the crawler reaches the network; shared by `crawl` and `check DOMAIN`.
#[derive(Args, Clone)]
#[command(next_help_heading = "Network")]
struct NetArgs {
    /// Ask this DNS server (IP:PORT) instead of the system's resolvers.
    #[arg(long, value_name = "ADDR:PORT")]
    dns_server: Option<SocketAddr>,
    /// Trust only the CA certificates in this PEM file instead of the built-in Mozilla roots.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Connect to this port instead of 443 (for the lab).
    #[arg(long, value_name = "PORT")]
    https_port: Option<u16>,
    /// Also connect to private, loopback and link-local addresses.
    #[arg(long, conflicts_with = "allow_loopback")]
    allow_private: bool,
    /// Also connect to loopback addresses, and to no other non-public ones (for the lab).
    #[arg(long)]
    allow_loopback: bool,
    /// Requests in flight per IP address.
    #[arg(long, value_name = "N", default_value_t = 2)]
    per_ip_concurrency: usize,
    /// Requests per second per IP address (fractions allowed).
    #[arg(long, value_name = "RATE", default_value_t = 10.0)]
    per_ip_rate: f64,
    /// Requests in flight per registrable domain.
    #[arg(long, value_name = "N", default_value_t = 2)]
    per_site_concurrency: usize,
    /// DNS queries in flight.
    #[arg(long, value_name = "N", default_value_t = 32)]
    dns_concurrency: usize,
    /// Seconds one DNS query may take.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    dns_timeout: f64,
    /// Seconds a TCP and TLS connection may take to set up.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    connect_timeout: f64,
    /// Seconds of network time one attempt (with its redirects) may take.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Seconds of network time one domain may take, all attempts together.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    domain_timeout: f64,
    /// Retries of a transient failure (timeouts, resets, 429, 502–504) per location.
    #[arg(long, value_name = "N", default_value_t = 2)]
    retries: u32,
    /// The longest Retry-After honoured, in seconds; a server asking for more is not retried.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    max_retry_after: f64,
    /// Bytes of a file read at most; a larger one is `too_large`.
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024)]
    max_bytes: u64,
    /// Redirects followed at most.
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_redirects: usize,
    /// The User-Agent header.
    #[arg(long, value_name = "TEXT")]
    user_agent: Option<String>,
    /// How site owners can reach whoever runs the crawl (URL or e-mail), added to the User-Agent.
    #[arg(long, value_name = "URL")]
    contact: Option<String>,
    /// Trust the OpenPGP keys in this file (armoured or binary) and try them first.
    #[arg(long, value_name = "FILE")]
    keyring: Option<PathBuf>,
    /// Ask this keyserver (HKP, e.g. https://keys.openpgp.org) for `openpgp4fpr:` keys.
    #[arg(long, value_name = "URL")]
    keyserver: Option<url::Url>,
}

fn seconds(value: f64, flag: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .with_context(|| format!("--{flag} must be a number of seconds"))
}

impl NetArgs {
    fn settings(&self) -> Result<Settings> {
        let mut s = Settings::default();
        s.dns.server = self.dns_server;
        s.dns.timeout = seconds(self.dns_timeout, "dns-timeout")?;
        s.dns.concurrency = self.dns_concurrency.max(1);
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read the CA file `{}`", path.display()))?;
            s.http.roots = Roots::Pem(pem);
        }
        s.http.https_port = self.https_port;
        s.http.connect_timeout = seconds(self.connect_timeout, "connect-timeout")?;
        if let Some(ua) = &self.user_agent {
            s.http.user_agent = ua.clone();
        }
        if let Some(contact) = &self.contact {
            s.http.user_agent = format!("{} (+{contact})", s.http.user_agent);
        }
        s.fetch.policy = if self.allow_private {
            AddressPolicy::AllowPrivate
        } else if self.allow_loopback {
            AddressPolicy::AllowLoopback
        } else {
            AddressPolicy::PublicOnly
        };
        s.fetch.attempt_timeout = seconds(self.timeout, "timeout")?;
        s.fetch.max_bytes = self.max_bytes;
        s.fetch.max_redirects = self.max_redirects;
        s.politeness.per_ip_concurrency = self.per_ip_concurrency.max(1);
        s.politeness.per_ip_rate = self.per_ip_rate;
        s.politeness.per_site_concurrency = self.per_site_concurrency.max(1);
        s.retry.retries = self.retries;
        s.retry.max_retry_after = seconds(self.max_retry_after, "max-retry-after")?;
        s.domain_timeout = seconds(self.domain_timeout, "domain-timeout")?;
        s.keyring = self.keyring.clone();
        s.keyserver = self.keyserver.clone();
        Ok(s)
    }
}

#[derive(Args)]
struct CheckArgs {
    /// Files to check (`-` reads standard input), or domains and URLs to fetch the file of
    /// (a URL is reduced to its host, whose two standard locations are tried).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,

    /// Print one JSON object per target (JSON Lines): a file's findings, or a domain's Record.
    #[arg(long)]
    json: bool,

    /// Check local files as if the time were this RFC 3339 date-time, e.g.
    /// 2026-01-01T00:00:00Z, for reproducible results. Default: the current time.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    now: Option<Timestamp>,

    /// The URL a local file is (or will be) served from; Canonical is checked against it.
    #[arg(long, value_name = "URL")]
    url: Option<String>,

    /// When to colour the human output.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,

    #[command(flatten)]
    net: NetArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Auto,
    Lines,
    Csv,
}

#[derive(Args)]
struct CrawlArgs {
    /// The list of domains: one per line, or CSV with a `domain` column (`-` reads standard
    /// input).
    #[arg(value_name = "LIST")]
    list: String,

    /// The database to write Records to.
    #[arg(long, value_name = "PATH", default_value = "disclose.db")]
    db: PathBuf,

    /// The run's name; crawling under an existing name resumes it. Default: the list's name
    /// and today's date, e.g. `domains-2026-11-22`.
    #[arg(long, value_name = "NAME")]
    run: Option<String>,

    /// How the list is laid out.
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "auto")]
    input_format: FormatArg,

    /// Domains in flight at most.
    #[arg(long, value_name = "N", default_value_t = 256)]
    concurrency: usize,

    /// Never show a progress bar.
    #[arg(long)]
    no_progress: bool,

    #[command(flatten)]
    net: NetArgs,
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

#[derive(Subcommand)]
enum LabCommand {
    /// Start a lab, write its domain list, CA and ground truth, and serve until interrupted.
    Serve(LabServeArgs),
    /// Start a lab, crawl it with the real crawler, and compare every Record with the truth.
    Run(LabRunArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum MixArg {
    /// Every scenario at least once, then the realistic mix of failures and files.
    Realistic,
    /// Every domain serves a valid file.
    AllValid,
}

impl From<MixArg> for Mix {
    fn from(m: MixArg) -> Mix {
        match m {
            MixArg::Realistic => Mix::Realistic,
            MixArg::AllValid => Mix::AllValid,
        }
    }
}

#[derive(Args)]
struct LabWorldArgs {
    /// How many domains the lab simulates.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    domains: usize,
    /// The seed the world is generated from; the same seed gives the same world.
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// Which scenarios the domains are drawn from.
    #[arg(long, value_name = "MIX", value_enum, default_value = "realistic")]
    mix: MixArg,
}

impl LabWorldArgs {
    fn config(&self) -> LabConfig {
        LabConfig {
            domains: self.domains,
            seed: self.seed,
            mix: self.mix.into(),
        }
    }
}

#[derive(Args)]
struct LabServeArgs {
    #[command(flatten)]
    world: LabWorldArgs,
    /// Where to write domains.txt, ca.pem and truth.jsonl.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Serve DNS here instead of on a free port of 127.0.0.1 (e.g. 127.53.53.53:53, for tools
    /// that resolve through the system).
    #[arg(long, value_name = "ADDR:PORT")]
    dns_listen: Option<SocketAddr>,
    /// Serve HTTPS on this port instead of a free one (e.g. 443, for tools that cannot be told
    /// another port).
    #[arg(long, value_name = "PORT")]
    https_port: Option<u16>,
}

#[derive(Args)]
struct LabRunArgs {
    #[command(flatten)]
    world: LabWorldArgs,
    /// Print `{"domains":…,"correct":…,"wrong":[…],"politeness":{…}}` instead of a summary.
    #[arg(long)]
    json: bool,
    /// Domains in flight at most.
    #[arg(long, value_name = "N", default_value_t = 256)]
    concurrency: usize,
    /// Requests in flight per IP address.
    #[arg(long, value_name = "N", default_value_t = 2)]
    per_ip_concurrency: usize,
    /// Keep the crawl's Records in this database.
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
}

fn parse_now(value: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(value).map_err(|e| e.to_string())
}

// A crawl allocates and frees many small buffers per domain on every worker thread. Measured A/B
// on the lab (5,000 valid domains): mimalloc cost ~7 % less CPU per domain than glibc's
// allocator, which also grew and trimmed a thread arena about once per domain, for ~20 MB more
// resident memory (flat in the length of the list). Since the HTTP client and the resolver were
// made lean (fewer allocations per domain) the gain is ~3 %; transparent huge pages, which
// mimalloc uses, made no measurable difference either way.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Crawl(args) => crawl_command(args),
        Command::Explain(args) => Ok(explain(args)),
        Command::Lab(LabCommand::Serve(args)) => lab_serve(args),
        Command::Lab(LabCommand::Run(args)) => lab_run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "disclose: {}",
                disclose::escape::for_terminal(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn styles(color: &str) -> Styles {
    match color {
        "always" => Styles::colored(),
        "never" => Styles::plain(),
        _ if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() => {
            Styles::colored()
        }
        _ => Styles::plain(),
    }
}

/// A `check` argument: a file to read, or a host to fetch from.
enum CheckTarget {
    File(Vec<u8>),
    Network(Target),
}

fn resolve_target(value: &str) -> Result<CheckTarget, String> {
    if value == "-" {
        let mut buf = Vec::new();
        return std::io::stdin()
            .read_to_end(&mut buf)
            .map(|_| CheckTarget::File(buf))
            .map_err(|e| format!("cannot read standard input: {e}"));
    }
    let shown = disclose::escape::for_terminal(value);
    match std::fs::read(value) {
        Ok(bytes) => Ok(CheckTarget::File(bytes)),
        // A missing name without a path separator, or anything URL-shaped, is a network target.
        Err(e)
            if value.contains("://")
                || (e.kind() == std::io::ErrorKind::NotFound && !value.contains(['/', '\\'])) =>
        {
            Target::from_value(value)
                .map(CheckTarget::Network)
                .map_err(|why| format!("`{shown}` is neither a file nor a domain ({why})"))
        }
        Err(e) => Err(format!("cannot read `{shown}`: {e}")),
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let now = args.now.unwrap_or_else(disclose::crawl::domain::now);
    let mut ctx = CheckContext::at(now);
    ctx.requested_url = args.url.clone();
    let styles = styles(&args.color);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut valid, mut invalid, mut failed) = (0, 0, 0);
    let keyring = match &args.net.keyring {
        Some(path) => KeyFinder::new(vec![Box::new(Keyring::open(path)?)]),
        None => KeyFinder::default(),
    };
    let mut crawler = None;
    let mut rt = None;
    for value in &args.targets {
        let ok = match resolve_target(value) {
            Err(message) => {
                eprintln!("disclose: {message}");
                failed += 1;
                continue;
            }
            Ok(CheckTarget::File(bytes)) => {
                let mut checked = format::check(&bytes, &ctx);
                // A local file's signature is checked against the keyring only: no network.
                let verification = futures_util::FutureExt::now_or_never(signature::verify_file(
                    &checked.document,
                    &checked.report.fields,
                    &keyring,
                    args.url.as_deref(),
                    now,
                ))
                .expect("keyring lookups do not wait");
                checked.report.add(verification.diagnostics);
                if args.json {
                    let report = JsonReport::new(value, &checked, &verification.verdict);
                    serde_json::to_writer(&mut out, &report)?;
                    writeln!(out)?;
                } else {
                    write_human(&mut out, value, &checked, &verification.verdict, styles)?;
                }
                checked.report.is_valid()
            }
            Ok(CheckTarget::Network(target)) => {
                let rt = match &rt {
                    Some(rt) => rt,
                    None => rt.insert(runtime()?),
                };
                let crawler = match &crawler {
                    Some(c) => c,
                    None => {
                        let _guard = rt.enter();
                        crawler.insert(args.net.settings()?.build()?)
                    }
                };
                let record = rt.block_on(crawler.crawl(&target));
                if args.json {
                    serde_json::to_writer(&mut out, &record)?;
                    writeln!(out)?;
                } else {
                    write_record_human(&mut out, &record, styles)?;
                }
                record.file.as_ref().is_some_and(|f| f.valid)
            }
        };
        if ok {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    if !args.json && args.targets.len() > 1 {
        writeln!(
            out,
            "checked {} targets: {valid} valid, {invalid} invalid or without a file{}",
            valid + invalid,
            if failed > 0 {
                format!(", {failed} unreadable")
            } else {
                String::new()
            }
        )?;
    }
    Ok(match (failed, invalid) {
        (0, 0) => ExitCode::SUCCESS,
        (0, _) => ExitCode::from(1),
        _ => ExitCode::from(2),
    })
}

/// Counts the lines of a list file that may name a domain, for the progress bar's total.
fn count_entries(path: &Path) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    let mut n = 0;
    for line in std::io::BufReader::new(file).split(b'\n') {
        let line = line.ok()?;
        let t = line.trim_ascii();
        if !t.is_empty() && !t.starts_with(b"#") {
            n += 1;
        }
    }
    Some(n)
}

fn crawl_command(args: CrawlArgs) -> Result<ExitCode> {
    let today = disclose::crawl::domain::now().to_string()[..10].to_owned();
    let (input, total, stem): (Box<dyn Read + Send>, Option<u64>, String) = if args.list == "-" {
        (Box::new(std::io::stdin()), None, "stdin".into())
    } else {
        let path = Path::new(&args.list);
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot open the list `{}`", args.list))?;
        let stem = path
            .file_stem()
            .map_or("list".into(), |s| s.to_string_lossy().into_owned());
        (Box::new(file), count_entries(path), stem)
    };
    let format = match args.input_format {
        FormatArg::Auto => InputFormat::Auto,
        FormatArg::Lines => InputFormat::Lines,
        FormatArg::Csv => InputFormat::Csv,
    };
    let targets = TargetReader::new(input, format).context("cannot read the list")?;
    let run_name = args
        .run
        .clone()
        .unwrap_or_else(|| format!("{stem}-{today}"));
    let store = Store::open(&args.db)?;
    let arguments = std::env::args().collect::<Vec<_>>().join(" ");
    let (run, resumed) = store.begin_run(&run_name, &arguments, disclose::crawl::domain::now())?;
    if resumed {
        eprintln!(
            "disclose: resuming run `{run_name}` ({} domains recorded so far)",
            store.count(run.id)?
        );
    }
    let rt = runtime()?;
    let summary = rt.block_on(async {
        let crawler = Arc::new(args.net.settings()?.build()?);
        let (stop_tx, stop) = tokio::sync::watch::channel(Stop::Running);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop_tx.send(Stop::Finish);
                if tokio::signal::ctrl_c().await.is_ok() {
                    let _ = stop_tx.send(Stop::Abandon);
                }
            }
        });
        let config = RunConfig {
            concurrency: args.concurrency,
            progress: !args.no_progress,
        };
        crawl::crawl_list(crawler, targets, total, &store, &run, &config, stop).await
    })?;
    print!("{summary}");
    println!(
        "records: run `{run_name}` in {} ({} in all)",
        args.db.display(),
        store.count(run.id)?
    );
    Ok(if summary.interrupted {
        eprintln!("disclose: interrupted; run the same command again to resume");
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

fn lab_serve(args: LabServeArgs) -> Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        let config = args.world.config();
        let listen = disclose::lab::Listen {
            dns: args.dns_listen,
            https_port: args.https_port,
        };
        let lab = Lab::start_with(&config, listen).await?;
        lab.write_files(&args.out)?;
        let out = args.out.display();
        println!("lab: {} domains, seed {}", config.domains, config.seed);
        println!("  DNS server   {} (UDP and TCP)", lab.dns);
        println!("  HTTPS port   {} on 127.1.0.0/16 and 127.2.0.0/16", lab.https_port);
        println!("  files        {out}/domains.txt  {out}/ca.pem  {out}/truth.jsonl");
        println!("crawl it with:");
        println!(
            "  disclose crawl {out}/domains.txt --db lab.db --dns-server {} --ca-file {out}/ca.pem --https-port {} --allow-loopback --per-ip-rate 1000",
            lab.dns, lab.https_port
        );
        println!("serving until interrupted");
        let _ = std::io::stdout().flush();
        tokio::signal::ctrl_c().await.context("cannot wait for an interrupt")?;
        drop(lab);
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn lab_run(args: LabRunArgs) -> Result<ExitCode> {
    if args.world.domains == 0 {
        bail!("--domains must be at least 1");
    }
    let rt = runtime()?;
    let config = args.world.config();
    let options = RunOptions {
        concurrency: args.concurrency,
        per_ip_concurrency: args.per_ip_concurrency.max(1),
        db: args.db.clone(),
        progress: !args.json,
    };
    let (verdict, summary) = rt.block_on(disclose::lab::run::run(&config, &options))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &verdict)?;
        writeln!(out)?;
    } else {
        let percent = 100.0 * verdict.correct as f64 / verdict.domains.max(1) as f64;
        writeln!(
            out,
            "lab run: {} domains (seed {}): {} correct ({percent:.1} %)",
            verdict.domains, config.seed, verdict.correct
        )?;
        for w in verdict.wrong.iter().take(20) {
            writeln!(
                out,
                "  wrong: {} ({:?}): expected {}, got {}",
                w.domain, w.scenario, w.expected, w.actual
            )?;
        }
        if verdict.wrong.len() > 20 {
            writeln!(out, "  … and {} more", verdict.wrong.len() - 20)?;
        }
        let p = &verdict.politeness;
        writeln!(
            out,
            "politeness: at most {} simultaneous connections on a shared address (limit {}){}; isolated pool peak {}",
            p.peak,
            p.limit,
            if p.violations.is_empty() {
                String::new()
            } else {
                format!(", {} over the limit", p.violations.len())
            },
            p.isolated_peak
        )?;
        write!(out, "{summary}")?;
    }
    Ok(if verdict.all_correct() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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
