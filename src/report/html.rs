//! The report as one self-contained HTML page: inline styles and inline SVG charts, no script,
//! font or image from anywhere, so that it works offline, in a mail attachment and in print.
//! Every text is escaped for HTML after `escape::for_terminal` has made invisible and
//! bidirectional characters visible, so that a crawled field name cannot add markup or reorder
//! what a reader sees.

use super::markdown::{count, percent, rate};
use super::{KeyRates, Named, Report, charts};
use anyhow::Result;
use std::fmt::Write;

/// Escapes a text for HTML content or a quoted attribute.
pub fn escape(text: &str) -> String {
    let shown = crate::escape::for_terminal(text);
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #222; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 2px solid #0072b2; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .8rem 0 1.2rem; font-size: .92rem; }
th, td { border: 1px solid #bbb; padding: .25rem .6rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eef3f8; }
table.facts th { white-space: nowrap; font-weight: 600; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
code { font-family: ui-monospace, monospace; font-size: .9em; }
.note { color: #555; font-size: .9rem; }
@media print { body { max-width: none; margin: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
";

struct Page {
    out: String,
}

impl Page {
    fn h2(&mut self, id: &str, title: &str) {
        let _ = writeln!(self.out, "<h2 id=\"{id}\">{}</h2>", escape(title));
    }

    fn p(&mut self, text: &str) {
        let _ = writeln!(self.out, "<p>{}</p>", escape(text));
    }

    fn note(&mut self, text: &str) {
        let _ = writeln!(self.out, "<p class=\"note\">{}</p>", escape(text));
    }

    /// A table; columns whose header starts with `#` are numeric (right-aligned).
    fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) {
        self.out.push_str("<table><thead><tr>");
        for h in headers {
            match h.strip_prefix('#') {
                Some(h) => {
                    let _ = write!(self.out, "<th class=\"n\">{}</th>", escape(h));
                }
                None => {
                    let _ = write!(self.out, "<th>{}</th>", escape(h));
                }
            }
        }
        self.out.push_str("</tr></thead><tbody>\n");
        for row in rows {
            self.out.push_str("<tr>");
            for (cell, h) in row.iter().zip(headers) {
                let class = if h.starts_with('#') {
                    " class=\"n\""
                } else {
                    ""
                };
                let _ = write!(self.out, "<td{class}>{}</td>", escape(cell));
            }
            self.out.push_str("</tr>\n");
        }
        self.out.push_str("</tbody></table>\n");
    }

    /// A two-column table of names and values, names as row headers.
    fn facts(&mut self, rows: &[(&str, String)]) {
        self.out.push_str("<table class=\"facts\"><tbody>\n");
        for (name, value) in rows {
            let _ = writeln!(
                self.out,
                "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                escape(name),
                escape(value)
            );
        }
        self.out.push_str("</tbody></table>\n");
    }

    fn figure(&mut self, id: &str, title: &str, svg: &str) {
        let _ = writeln!(
            self.out,
            "<figure id=\"chart-{id}\" aria-label=\"{}\">{svg}</figure>",
            escape(title)
        );
    }
}

fn rates_row(first: String, domains: u64, r: &KeyRates) -> Vec<String> {
    vec![
        first,
        domains.to_string(),
        rate(&r.present),
        rate(&r.valid),
        rate(&r.unexpired),
        rate(&r.signed),
        rate(&r.verified),
    ]
}

fn named(rows: &[Named]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|n| vec![n.name.clone(), n.count.to_string()])
        .collect()
}

fn map<'a>(rows: impl IntoIterator<Item = (&'a String, &'a u64)>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|(k, v)| vec![k.clone(), v.to_string()])
        .collect()
}

/// Renders the whole report as a page.
pub fn render(r: &Report) -> Result<String> {
    let charts = charts::all(r)?;
    let chart = |id: &str| charts.iter().find(|c| c.0 == id);
    let m = &r.metadata;
    let mut page = Page { out: String::new() };
    let _ = write!(
        page.out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>security.txt adoption: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&m.run)
    );
    let _ = writeln!(
        page.out,
        "<h1>security.txt adoption: run <code>{}</code></h1>",
        escape(&m.run)
    );
    page.facts(&[
        ("input list", m.input.clone().unwrap_or("–".into())),
        ("domains", m.domains.to_string()),
        (
            "crawl window (UTC)",
            format!(
                "{} – {}",
                m.crawl_started,
                m.crawl_finished.as_deref().unwrap_or("not finished")
            ),
        ),
        ("crawled by", m.crawled_by.clone()),
        ("User-Agent", m.user_agent.clone()),
        ("DNS resolver", m.dns_resolver.clone()),
        ("command", m.command.clone()),
        ("expiry judged at", m.judged_at.clone()),
        ("report by", m.reported_by.clone()),
    ]);
    page.note(&format!(
        "What counts as a file: {}.",
        m.what_counts_as_a_file
    ));

    page.h2("funnel", "Funnel");
    page.note("Each step counts the domains of the step before that pass it.");
    if let Some(c) = chart("funnel") {
        page.figure(c.0, &c.1, &c.2);
    }
    let funnel: Vec<Vec<String>> = r
        .funnel
        .iter()
        .map(|s| {
            vec![
                s.label.to_owned(),
                s.count.to_string(),
                percent(s.of_previous),
                percent(s.of_all),
            ]
        })
        .collect();
    page.table(
        &["step", "#domains", "#% of previous", "#% of all"],
        &funnel,
    );
    let l = &r.locations;
    page.p(&format!(
        "Soft 404 (an HTML or error page with status 200, not a file): {}. Where the {} files were found: well-known path {}, legacy /security.txt only {}, through a redirect {}. Files at both paths are not measured: the crawl stops at the first file.",
        count(&r.soft_404),
        l.files,
        l.well_known,
        l.legacy,
        l.via_redirect
    ));

    page.h2("failures", "Why domains have no file");
    page.table(&["failure", "#domains"], &map(&r.failures.by_group));
    page.table(&["outcome", "#domains"], &map(&r.failures.by_outcome));

    page.h2("diagnostics", "Diagnostics");
    if let Some(c) = chart("codes") {
        page.figure(c.0, &c.1, &c.2);
    }
    let top: Vec<Vec<String>> = r
        .top_errors
        .iter()
        .map(|c| {
            vec![
                c.code.clone(),
                c.files.to_string(),
                percent(c.percent_of_files),
                c.fix.clone(),
            ]
        })
        .collect();
    page.p("The ten commonest errors:");
    page.table(&["code", "#files", "#% of files", "fix"], &top);
    let every: Vec<Vec<String>> = r
        .diagnostics
        .iter()
        .map(|c| {
            vec![
                c.code.clone(),
                c.level.clone(),
                c.files.to_string(),
                percent(c.percent_of_files),
            ]
        })
        .collect();
    page.table(&["code", "level", "#files", "#% of files"], &every);

    page.h2("expiry", "Expiry");
    let e = &r.expiry;
    page.p(&format!(
        "Of {} files with a readable Expires: expired {}, within 30 days {}, within 90 days {}, more than a year ahead {}.",
        e.with_expires,
        count(&e.expired),
        count(&e.within_30_days),
        count(&e.within_90_days),
        count(&e.more_than_a_year)
    ));
    if let Some(c) = chart("expiry") {
        page.figure(c.0, &c.1, &c.2);
    }

    page.h2("signatures", "Signatures");
    page.p(&format!(
        "Signed: {} of the files.",
        count(&r.signatures.signed)
    ));
    page.table(&["verdict", "#files"], &map(&r.signatures.verdicts));
    if !r.signatures.verified_by_independence.is_empty() {
        page.table(
            &["verified, key from", "#files"],
            &map(&r.signatures.verified_by_independence),
        );
    }

    page.h2("fields", "Fields");
    let f = &r.fields;
    let usage: Vec<Vec<String>> = [
        ("Policy", &f.policy),
        ("Encryption", &f.encryption),
        ("Acknowledgments", &f.acknowledgments),
        ("Preferred-Languages", &f.preferred_languages),
        ("Hiring", &f.hiring),
        ("CSAF", &f.csaf),
        ("Bug-Bounty", &f.bug_bounty),
    ]
    .iter()
    .map(|(name, c)| vec![name.to_string(), count(c)])
    .collect();
    page.table(&["field", "files"], &usage);
    page.table(
        &["Encryption URI scheme", "#URIs"],
        &map(&f.encryption_schemes),
    );
    page.table(&["language", "#files"], &named(&f.languages));
    page.table(&["unknown field", "#files"], &named(&f.unknown_fields));
    page.table(&["misspelling", "#files"], &named(&f.misspellings));

    page.h2("contacts", "Contacts");
    let c = &r.contacts;
    page.p(&format!(
        "{} contacts in {} files; {} distinct files (by content) for {} domains. E-mail at the site's own domain: {}, elsewhere: {}. On a bug-bounty or disclosure platform: {}. Contacts named by more than one domain: {}, in {} files.",
        c.contacts,
        c.files,
        c.distinct_files,
        c.files,
        c.email_same_domain,
        c.email_other_domain,
        c.on_platform,
        c.shared_contacts,
        c.files_with_shared_contact
    ));
    page.table(&["contacts per file", "#files"], &map(&c.per_file));
    page.table(&["contact kind", "#contacts"], &map(&c.kinds));
    page.table(&["first-listed kind", "#files"], &map(&c.first_listed));
    page.table(&["most shared contact", "#files"], &named(&c.most_shared));

    page.h2("tls", "TLS");
    page.p(&format!("Certificates recorded: {}.", r.tls.certificates));
    page.table(&["issuer", "#domains"], &named(&r.tls.issuers));

    fn rate_headers(first: &str) -> [&str; 7] {
        [
            first,
            "#domains",
            "#present",
            "#valid",
            "#unexpired",
            "#signed",
            "#verified",
        ]
    }
    if let Some(g) = &r.groups {
        page.h2("groups", &format!("By {}", g.tag));
        page.note(&format!(
            "Rates over each group's domains, with Wilson 95 % intervals; withheld below {} domains.",
            g.min_group
        ));
        if let Some(c) = chart("groups") {
            page.figure(c.0, &c.1, &c.2);
        }
        let rows: Vec<Vec<String>> = g
            .rows
            .iter()
            .map(|row| {
                let name = if row.value.is_empty() {
                    "(none)".into()
                } else {
                    row.value.clone()
                };
                rates_row(name, row.domains, &row.rates)
            })
            .collect();
        page.table(&rate_headers(g.tag.as_str()), &rows);
    }
    if let Some(t) = &r.trend {
        page.h2("trend", "Trend");
        page.note("Unexpired is judged at each run's crawl time.");
        if let Some(c) = chart("trend") {
            page.figure(c.0, &c.1, &c.2);
        }
        let rows: Vec<Vec<String>> = t
            .runs
            .iter()
            .map(|p| {
                rates_row(
                    format!("{} ({}, {})", p.run, p.started, p.crawled_by),
                    p.domains,
                    &p.rates,
                )
            })
            .collect();
        page.table(&rate_headers("run"), &rows);
        let churn: Vec<Vec<String>> = t
            .churn
            .iter()
            .map(|c| {
                vec![
                    c.from.clone(),
                    c.to.clone(),
                    c.domains_in_both.to_string(),
                    c.appeared.to_string(),
                    c.disappeared.to_string(),
                    c.changed.to_string(),
                    c.newly_expired.to_string(),
                ]
            })
            .collect();
        page.table(
            &[
                "from",
                "to",
                "#domains in both",
                "#appeared",
                "#disappeared",
                "#changed",
                "#newly expired",
            ],
            &churn,
        );
    }
    page.out.push_str("</body></html>\n");
    Ok(page.out)
}
