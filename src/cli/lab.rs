//! `disclose lab serve` and `disclose lab run`: the simulated internet, served for trying the
//! crawler by hand, or crawled and compared with its ground truth.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use disclose::lab::run::RunOptions;
use disclose::lab::scenario::Mix;
use disclose::lab::{Lab, LabConfig};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum LabCommand {
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
pub struct LabServeArgs {
    #[command(flatten)]
    world: LabWorldArgs,
    /// Where to write domains.txt, ca.pem and truth.jsonl (and, for an epoch, changes.jsonl).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Serve the same domains as they are at this epoch: a known share changed since epoch 0
    /// (files gone, new, expired, contacts reordered; every signed file signed afresh), with
    /// the changes `disclose diff` must find in changes.jsonl.
    #[arg(long, value_name = "N", default_value_t = 0)]
    epoch: u32,
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
pub struct LabRunArgs {
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

pub fn run(command: LabCommand) -> Result<ExitCode> {
    match command {
        LabCommand::Serve(args) => serve(args),
        LabCommand::Run(args) => lab_run(args),
    }
}

fn serve(args: LabServeArgs) -> Result<ExitCode> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let config = args.world.config();
        let listen = disclose::lab::Listen {
            dns: args.dns_listen,
            https_port: args.https_port,
        };
        let lab = Lab::start_at_epoch(&config, listen, args.epoch).await?;
        lab.write_files(&args.out)?;
        if args.epoch > 0 {
            let earlier =
                disclose::lab::world::World::generate(config.domains, config.seed, config.mix);
            lab.write_changes(&earlier, &args.out)?;
        }
        let out = args.out.display();
        println!(
            "lab: {} domains, seed {}, epoch {}",
            config.domains, config.seed, args.epoch
        );
        println!("  DNS server   {} (UDP and TCP)", lab.dns);
        println!(
            "               tls://{} (DNS over TLS), https://{}/dns-query (DNS over HTTPS); certificates from ca.pem",
            lab.dns_tls, lab.dns_https
        );
        println!("  HTTPS port   {} on 127.1.0.0/16 and 127.2.0.0/16", lab.https_port);
        println!(
            "  files        {out}/domains.txt  {out}/ca.pem  {out}/ca2.pem  {out}/truth.jsonl{}",
            if args.epoch > 0 {
                format!("  {out}/changes.jsonl")
            } else {
                String::new()
            }
        );
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
    let rt = super::runtime()?;
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
