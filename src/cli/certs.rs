//! `disclose certs`: the certificate inventory. Which domains present a certificate from a
//! given CA (also those whose handshake refused it: a distrusted CA's customers fail with
//! `unknown_issuer`), with whom to tell at each, as `lookup` answers; and a summary by issuer,
//! expiry and verification failure.

use super::directory::DirectoryArgs;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use disclose::directory::answers::{AnswerFormat, AnswerWriter, Answered};
use disclose::directory::export::ExportOptions;
use disclose::directory::lookup::Resolver;
use disclose::escape::for_terminal;
use disclose::format::Timestamp;
use disclose::store::facts::{CertFilter, CertRow};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// One line per domain: domain, issuer, expiry, outcome, contact.
    Table,
    /// The certificate's columns, then `lookup`'s (contacts, confidence, provenance), every
    /// cell safe to open in a spreadsheet: ready for a mail merge.
    Csv,
    /// A JSON array of `lookup` answers, each with the certificate in `row`.
    Json,
    /// The same, one per line.
    Jsonl,
}

#[derive(Args)]
pub struct CertsArgs {
    /// The domains whose certificate's issuer contains this text (any case), e.g. `DigiNotar`
    /// or `CN=disclose lab rogue CA`.
    #[arg(
        long,
        value_name = "TEXT",
        required_unless_present_any = ["summary", "ca_fingerprint", "ca_file", "distrust"]
    )]
    issuer: Option<String>,

    /// The domains whose presented chain contains the certificate with this SHA-256
    /// fingerprint (hex, colons allowed), e.g. an intermediate CA's. Repeat for several.
    #[arg(long, value_name = "SHA256", value_parser = parse_fingerprint)]
    ca_fingerprint: Vec<String>,

    /// The domains whose presented chain contains a certificate of this PEM file or one it
    /// issued (by the CA's name: a root is seldom sent, its name always is).
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,

    /// Who breaks if this CA (a PEM file, or a SHA-256 fingerprint) were removed from the
    /// trust stores: the domains whose handshake succeeds today through it (the path their
    /// chain builds goes through it), not those already failing.
    #[arg(long, value_name = "PEM|SHA256", conflicts_with_all = ["issuer", "ca_fingerprint", "ca_file"])]
    distrust: Option<String>,

    /// Instead of a list: domains per issuer, certificates expiring within 30 and 90 days or
    /// expired, and handshakes refused by reason.
    #[arg(long, conflicts_with_all = ["issuer", "ca_fingerprint", "ca_file", "distrust"])]
    summary: bool,

    /// The format of the list.
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "table")]
    format: FormatArg,

    #[command(flatten)]
    directory: DirectoryArgs,
}

fn parse_fingerprint(value: &str) -> Result<String, String> {
    let hex: String = value
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err("expected a SHA-256 fingerprint: 64 hex digits, colons allowed".into())
    }
}

/// The fingerprints and subjects of the certificates in a PEM file.
fn read_ca_file(path: &std::path::Path) -> Result<(Vec<String>, Vec<String>)> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(path)
        .with_context(|| format!("cannot read the CA file `{}`", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("`{}` is not valid PEM", path.display()))?;
    if certs.is_empty() {
        bail!("`{}` holds no certificate", path.display());
    }
    let described: Vec<_> = certs
        .iter()
        .map(|c| disclose::net::cert::describe(c))
        .collect();
    Ok((
        described.iter().map(|c| c.sha256.clone()).collect(),
        described
            .iter()
            .map(|c| c.subject.clone())
            .filter(|s| !s.is_empty())
            .collect(),
    ))
}

fn date(unix: Option<i64>) -> String {
    unix.map(|t| Timestamp::from_unix(t).to_rfc3339())
        .unwrap_or_default()
}

pub fn run(args: CertsArgs) -> Result<ExitCode> {
    let reading = args.directory.open()?;
    let now = reading.now;
    let mut filter = CertFilter {
        issuer: args.issuer.clone(),
        fingerprints: args.ca_fingerprint.clone(),
        subjects: Vec::new(),
    };
    if let Some(path) = &args.ca_file {
        let (fingerprints, subjects) = read_ca_file(path)?;
        filter.fingerprints.extend(fingerprints);
        filter.subjects.extend(subjects);
    }
    if let Some(ca) = &args.distrust {
        let path = std::path::Path::new(ca);
        if path.exists() {
            let (fingerprints, subjects) = read_ca_file(path)?;
            filter.fingerprints.extend(fingerprints);
            filter.subjects.extend(subjects);
        } else {
            filter.fingerprints.push(
                parse_fingerprint(ca)
                    .map_err(|e| anyhow::anyhow!("--distrust `{ca}`: no such file, and {e}"))?,
            );
        }
    }
    let mut certs = reading.store.certificates(reading.scope, &filter)?;
    if args.distrust.is_some() {
        // Those failing already do not break; they are broken.
        certs.retain(|c| !c.outcome_label.starts_with("tls_error"));
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.summary {
        summary(&mut out, &certs, now)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut resolver = Resolver::new(&*reading.store, reading.scope, now, args.directory.filter())?;
    let header: Vec<String> = [
        "domain",
        "issuer",
        "subject",
        "sha256",
        "not_after",
        "crawl_outcome",
    ]
    .map(str::to_owned)
    .to_vec();
    let format = match args.format {
        FormatArg::Table => None,
        FormatArg::Csv => Some(AnswerFormat::Csv),
        FormatArg::Json => Some(AnswerFormat::Json),
        FormatArg::Jsonl => Some(AnswerFormat::Jsonl),
    };
    let mut writer = format.map(|f| AnswerWriter::new(f, header.clone(), ExportOptions::default()));
    if let Some(w) = &mut writer {
        w.begin(&mut out)?;
    }
    for (i, c) in certs.iter().enumerate() {
        let answer = resolver.answer(&c.domain)?;
        let cells = vec![
            c.domain.clone(),
            c.issuer.clone(),
            c.subject.clone(),
            c.sha256.clone(),
            date(c.not_after),
            c.outcome_label.clone(),
        ];
        match &mut writer {
            Some(w) => w.answer(
                &mut out,
                &Answered {
                    line: i as u64 + 1,
                    cells: &cells,
                    answer: &answer,
                },
            )?,
            None => {
                let contact = answer
                    .best()
                    .map(|m| {
                        let contacts: Vec<&str> =
                            m.entry.usable_contacts().map(|c| c.uri.as_str()).collect();
                        match contacts.as_slice() {
                            [] => format!("({})", m.confidence),
                            [one] => format!("{one} ({})", m.confidence),
                            [first, rest @ ..] => {
                                format!("{first} (+{} more, {})", rest.len(), m.confidence)
                            }
                        }
                    })
                    .unwrap_or_else(|| "no contact".into());
                let line = format!(
                    "{}  {}  expires {}  {}  {}",
                    c.domain,
                    c.issuer,
                    date(c.not_after),
                    c.outcome_label,
                    contact
                );
                writeln!(out, "{}", for_terminal(&line))?;
            }
        }
    }
    if let Some(w) = &mut writer {
        w.finish(&mut out)?;
    }
    out.flush()?;
    let what = match (&args.issuer, &args.ca_file, &args.distrust) {
        (Some(text), ..) => format!("whose issuer contains `{text}`"),
        (None, Some(path), _) => format!("from a CA of `{}`", path.display()),
        (None, None, Some(ca)) => {
            format!("through `{ca}` and would fail without it")
        }
        (None, None, None) => "from that CA".to_owned(),
    };
    disclose::crawl::progress::say(&format!(
        "{} domains present a certificate {what}",
        certs.len()
    ));
    if certs.is_empty() {
        bail!("no certificate in the store matches");
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(out: &mut dyn Write, certs: &[CertRow], now: Timestamp) -> Result<()> {
    let now = now.unix();
    let mut issuers: BTreeMap<&str, u64> = BTreeMap::new();
    let mut refused: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut expired, mut within_30, mut within_90) = (0u64, 0u64, 0u64);
    for c in certs {
        *issuers.entry(c.issuer.as_str()).or_default() += 1;
        if let Some(reason) = c.outcome_label.strip_prefix("tls_error ") {
            *refused.entry(reason).or_default() += 1;
        }
        match c.not_after {
            Some(t) if t <= now => expired += 1,
            Some(t) if t <= now + 30 * 86_400 => within_30 += 1,
            Some(t) if t <= now + 90 * 86_400 => within_90 += 1,
            _ => {}
        }
    }
    writeln!(out, "{} certificates recorded", certs.len())?;
    writeln!(
        out,
        "expired {expired}, expiring within 30 days {within_30}, within 31–90 days {within_90}"
    )?;
    writeln!(out, "\nby issuer:")?;
    let mut by_count: Vec<(&str, u64)> = issuers.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (issuer, n) in by_count {
        writeln!(out, "  {n:>8}  {}", for_terminal(issuer))?;
    }
    if !refused.is_empty() {
        writeln!(out, "\nhandshakes refused, by reason:")?;
        for (reason, n) in refused {
            writeln!(out, "  {n:>8}  {reason}")?;
        }
    }
    Ok(())
}
