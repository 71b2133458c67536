//! The report as Markdown: one table per section, every rate beside its count and denominator.
//! Text that came from crawled files or the input list (field names, contacts, issuers, group
//! values) is escaped for a terminal and for Markdown table cells.

use super::{Count, KeyRates, Named, Rate, Report};
use std::fmt::Write;

/// Makes a stranger's text inert in a table cell: no control or invisible character, no `|`
/// that would split the cell, no HTML, link or code span (an underscore or `#` inside a cell
/// starts nothing).
pub fn cell(text: &str) -> String {
    let shown = crate::escape::for_terminal(text);
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '<' | '>' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

pub fn percent(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{p:.1} %"),
        None => "–".into(),
    }
}

/// `n of m (p %)`.
pub fn count(c: &Count) -> String {
    format!("{} of {} ({})", c.count, c.of, percent(c.percent))
}

/// A rate with its interval, or that it is withheld.
pub fn rate(r: &Rate) -> String {
    match (r.percent, r.low, r.high) {
        (Some(p), Some(low), Some(high)) => format!("{p:.1} % ({low:.1}–{high:.1})"),
        _ => format!("withheld ({}/{})", r.count, r.of),
    }
}

fn rates_row(out: &mut String, first: &str, domains: u64, r: &KeyRates) {
    let _ = writeln!(
        out,
        "| {first} | {domains} | {} | {} | {} | {} | {} |",
        rate(&r.present),
        rate(&r.valid),
        rate(&r.unexpired),
        rate(&r.signed),
        rate(&r.verified)
    );
}

fn named_table(out: &mut String, what: &str, rows: &[Named]) {
    if rows.is_empty() {
        let _ = writeln!(out, "No {what}.\n");
        return;
    }
    let _ = writeln!(out, "| {what} | count |\n|---|---:|");
    for n in rows {
        let _ = writeln!(out, "| {} | {} |", cell(&n.name), n.count);
    }
    out.push('\n');
}

fn map_table<'a>(
    out: &mut String,
    what: &str,
    rows: impl IntoIterator<Item = (&'a String, &'a u64)>,
) {
    let _ = writeln!(out, "| {what} | count |\n|---|---:|");
    for (k, v) in rows {
        let _ = writeln!(out, "| {} | {v} |", cell(k));
    }
    out.push('\n');
}

/// Renders the whole report.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let m = &r.metadata;
    let _ = writeln!(out, "# security.txt adoption: run `{}`\n", cell(&m.run));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| input list | {} |",
        cell(m.input.as_deref().unwrap_or("–"))
    );
    let _ = writeln!(out, "| domains | {} |", m.domains);
    let _ = writeln!(
        out,
        "| crawl window (UTC) | {} – {} |",
        m.crawl_started,
        m.crawl_finished.as_deref().unwrap_or("not finished")
    );
    let _ = writeln!(out, "| crawled by | {} |", cell(&m.crawled_by));
    let _ = writeln!(out, "| User-Agent | {} |", cell(&m.user_agent));
    let _ = writeln!(out, "| DNS resolver | {} |", cell(&m.dns_resolver));
    let _ = writeln!(out, "| command | {} |", cell(&m.command));
    let _ = writeln!(out, "| expiry judged at | {} |", m.judged_at);
    let _ = writeln!(out, "| report by | {} |\n", cell(&m.reported_by));
    let _ = writeln!(out, "What counts as a file: {}.\n", m.what_counts_as_a_file);

    out.push_str("## Funnel\n\nEach step counts the domains of the step before that pass it.\n\n");
    out.push_str("| step | domains | % of previous | % of all |\n|---|---:|---:|---:|\n");
    for s in &r.funnel {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            s.label,
            s.count,
            percent(s.of_previous),
            percent(s.of_all)
        );
    }
    let l = &r.locations;
    let _ = writeln!(
        out,
        "\nSoft 404 (an HTML or error page with status 200, not a file): {}.\n\nWhere the {} files were found: well-known path {}, legacy `/security.txt` only {}, through a redirect {}{}. Files at both paths are not measured: the crawl stops at the first file.\n",
        count(&r.soft_404),
        l.files,
        l.well_known,
        l.legacy,
        l.via_redirect,
        if l.given > 0 {
            format!(", at a given URL {}", l.given)
        } else {
            String::new()
        }
    );

    out.push_str("## Why domains have no file\n\n");
    map_table(&mut out, "failure", &r.failures.by_group);
    map_table(&mut out, "outcome", &r.failures.by_outcome);

    out.push_str("## Diagnostics\n\n### The ten commonest errors\n\n");
    if r.top_errors.is_empty() {
        out.push_str("No errors.\n\n");
    } else {
        out.push_str("| code | files | % of files | fix |\n|---|---:|---:|---|\n");
        for c in &r.top_errors {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                c.code,
                c.files,
                percent(c.percent_of_files),
                c.fix
            );
        }
        out.push('\n');
    }
    out.push_str("### Every code\n\n| code | level | files | % of files |\n|---|---|---:|---:|\n");
    for c in &r.diagnostics {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            c.code,
            c.level,
            c.files,
            percent(c.percent_of_files)
        );
    }

    let e = &r.expiry;
    let _ = writeln!(
        out,
        "\n## Expiry\n\nOf {} files with a readable Expires: expired {}, within 30 days {}, within 90 days {}, more than a year ahead {}.\n",
        e.with_expires,
        count(&e.expired),
        count(&e.within_30_days),
        count(&e.within_90_days),
        count(&e.more_than_a_year)
    );
    out.push_str("| days to expiry | files |\n|---|---:|\n");
    for b in &e.histogram {
        let _ = writeln!(out, "| {} | {} |", b.label, b.count);
    }

    let s = &r.signatures;
    let _ = writeln!(
        out,
        "\n## Signatures\n\nSigned: {} of the files.\n",
        count(&s.signed)
    );
    map_table(&mut out, "verdict", &s.verdicts);
    if !s.verified_by_independence.is_empty() {
        map_table(&mut out, "verified, key from", &s.verified_by_independence);
    }

    let f = &r.fields;
    let _ = writeln!(out, "## Fields\n\nOf {} files:\n", f.files);
    out.push_str("| field | files |\n|---|---|\n");
    for (name, c) in [
        ("Policy", &f.policy),
        ("Encryption", &f.encryption),
        ("Acknowledgments", &f.acknowledgments),
        ("Preferred-Languages", &f.preferred_languages),
        ("Hiring", &f.hiring),
        ("CSAF", &f.csaf),
        ("Bug-Bounty", &f.bug_bounty),
    ] {
        let _ = writeln!(out, "| {name} | {} |", count(c));
    }
    out.push('\n');
    if !f.encryption_schemes.is_empty() {
        map_table(&mut out, "Encryption URI scheme", &f.encryption_schemes);
    }
    named_table(&mut out, "language", &f.languages);
    named_table(&mut out, "unknown field", &f.unknown_fields);
    named_table(&mut out, "misspelling", &f.misspellings);

    let c = &r.contacts;
    let _ = writeln!(
        out,
        "## Contacts\n\n{} contacts in {} files; {} distinct files (by content) for {} domains. E-mail at the site's own domain: {}, elsewhere: {}. On a bug-bounty or disclosure platform: {}. Contacts named by more than one domain: {}, in {} files.\n",
        c.contacts,
        c.files,
        c.distinct_files,
        c.files,
        c.email_same_domain,
        c.email_other_domain,
        c.on_platform,
        c.shared_contacts,
        c.files_with_shared_contact
    );
    map_table(&mut out, "contacts per file", &c.per_file);
    map_table(&mut out, "contact kind", &c.kinds);
    map_table(&mut out, "first-listed kind", &c.first_listed);
    named_table(&mut out, "most shared contact", &c.most_shared);

    let _ = writeln!(
        out,
        "## TLS\n\nCertificates recorded: {}.\n",
        r.tls.certificates
    );
    named_table(&mut out, "issuer", &r.tls.issuers);

    const RATES_HEADER: &str = "| domains | present | valid | unexpired | signed | verified |\n|---|---:|---:|---:|---:|---:|---:|\n";
    if let Some(g) = &r.groups {
        let _ = writeln!(
            out,
            "## By {}\n\nRates over each group's domains, with Wilson 95 % intervals; withheld below {} domains.\n",
            cell(&g.tag),
            g.min_group
        );
        let _ = write!(out, "| {} {RATES_HEADER}", cell(&g.tag));
        for row in &g.rows {
            let name = if row.value.is_empty() {
                "(none)".to_owned()
            } else {
                cell(&row.value)
            };
            rates_row(&mut out, &name, row.domains, &row.rates);
        }
        out.push('\n');
    }
    if let Some(t) = &r.trend {
        out.push_str("## Trend\n\nUnexpired is judged at each run's crawl time.\n\n");
        let _ = write!(out, "| run {RATES_HEADER}");
        for p in &t.runs {
            rates_row(
                &mut out,
                &format!("{} ({}, {})", cell(&p.run), p.started, cell(&p.crawled_by)),
                p.domains,
                &p.rates,
            );
        }
        out.push_str("\n| from | to | domains in both | appeared | disappeared | changed | newly expired |\n|---|---|---:|---:|---:|---:|---:|\n");
        for c in &t.churn {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&c.from),
                cell(&c.to),
                c.domains_in_both,
                c.appeared,
                c.disappeared,
                c.changed,
                c.newly_expired
            );
        }
    }
    out
}
