//! Input lines to `Target`s: what the user listed, normalised into the host the crawler asks.
//!
//! A list is plain lines (one domain or URL per line) or CSV with a `domain` column, whose other
//! columns become tags. Values are reduced to their host (`https://Example.com:8443/x` becomes
//! `example.com`), lower-cased, stripped of a trailing dot, and IDNs turned into their ASCII
//! (xn--) form. Blank lines and `#` comments are skipped; a bad line becomes an `InputError` with
//! its number, and reading goes on. Reading is streamed: memory does not grow with the list.
//! Duplicates are recognised by the crawl against the store (see `crate::crawl`), which knows
//! every domain already recorded without holding the list in memory.

use crate::format::uri::{LabelProblem, check_labels};
use crate::input::{Columns, Row, TableReader};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::net::{IpAddr, Ipv6Addr};

/// One domain to crawl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Lower-case ASCII host name (or IP address literal) without a trailing dot.
    pub domain: String,
    /// The public suffix plus one label (`example.co.uk`), from the embedded Public Suffix List.
    pub registrable_domain: Option<String>,
    /// The 1-based line of the input it came from.
    pub line: u64,
    /// The other columns of a CSV input, by header name.
    pub tags: BTreeMap<String, String>,
}

impl Target {
    /// A target from a single name or URL, as `disclose check DOMAIN` gets it.
    pub fn from_value(value: &str) -> Result<Target, String> {
        let domain = normalise_host(value)?;
        Ok(Target {
            registrable_domain: registrable_domain(&domain),
            domain,
            line: 1,
            tags: BTreeMap::new(),
        })
    }
}

/// A line that could not be read as a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub line: u64,
    pub text: String,
    pub reason: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {}: `{}`",
            self.line,
            self.reason,
            crate::escape::for_terminal(&self.text)
        )
    }
}

pub use crate::input::InputFormat;

/// The header names a crawl list's domain column may have, in order of preference.
pub const DOMAIN_COLUMNS: &[&str] = &[
    "domain",
    "domain_name",
    "domainname",
    "hostname",
    "host",
    "fqdn",
    "source.fqdn",
    "website",
    "url",
    "source.url",
];

/// The registrable domain of an ASCII host, or `None` for an IP address or a bare suffix.
pub fn registrable_domain(host: &str) -> Option<String> {
    if host.parse::<IpAddr>().is_ok() {
        return None;
    }
    psl::domain_str(host).map(str::to_owned)
}

/// Reduces a domain or URL to the host to crawl.
pub fn normalise_host(value: &str) -> Result<String, String> {
    let mut s = value.trim();
    if s.is_empty() {
        return Err("empty value".into());
    }
    if let Some(i) = s.find("://") {
        let scheme = s[..i].to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(format!("`{scheme}://` URLs are not web addresses"));
        }
        s = &s[i + 3..];
    }
    let end = s.find(['/', '?', '#']).unwrap_or(s.len());
    s = &s[..end];
    if let Some(i) = s.rfind('@') {
        s = &s[i + 1..];
    }
    if let Some(rest) = s.strip_prefix('[') {
        let inner = rest.split(']').next().unwrap_or("");
        return inner
            .parse::<Ipv6Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| format!("`[{inner}]` is not an IPv6 address"));
    }
    // A bare IPv6 address (as feeds write them) before a `:port` suffix is looked for.
    if let Ok(ip) = s.parse::<Ipv6Addr>() {
        return Ok(ip.to_string());
    }
    if let Some((host, port)) = s.rsplit_once(':')
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
    {
        s = host;
    }
    let s = s.strip_suffix('.').unwrap_or(s);
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(ip.to_string());
    }
    if s.contains(char::is_whitespace) {
        return Err("a domain name cannot contain spaces".into());
    }
    let ascii = idna::domain_to_ascii(s).map_err(|_| "not a valid international domain name")?;
    check_host_name(&ascii)?;
    Ok(ascii)
}

fn check_host_name(host: &str) -> Result<(), String> {
    if host.len() > 253 {
        return Err("the name is longer than 253 characters".into());
    }
    let labels = check_labels(host, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        .map_err(|problem| match problem {
            LabelProblem::NoDot => "not a domain name (it has no dot)".to_owned(),
            LabelProblem::Length => {
                "a label of the name is empty or longer than 63 characters".to_owned()
            }
            LabelProblem::Hyphen(label) => format!("the label `{label}` starts or ends with `-`"),
            LabelProblem::Char(c) => format!("`{c}` cannot appear in a domain name"),
        })?;
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("the last label of a domain name cannot be numeric".into());
    }
    Ok(())
}

/// Streams targets out of a list, one `Result` per row that is not blank or a comment.
pub struct TargetReader {
    rows: TableReader,
    /// The header names in lower case (the tags' keys), for a delimited list.
    tag_names: Vec<String>,
    value_columns: Vec<usize>,
}

impl TargetReader {
    /// Reads `input` laid out as `format`, the domains from a column named like a domain
    /// column. A list that cannot be used at all (a header without such a column) is an error
    /// of kind `InvalidData` that says why.
    pub fn new(input: impl Read + Send + 'static, format: InputFormat) -> io::Result<TargetReader> {
        TargetReader::with_column(input, format, None)
    }

    /// `new`, the domains from the column named `column` (`--domain-column`).
    pub fn with_column(
        input: impl Read + Send + 'static,
        format: InputFormat,
        column: Option<String>,
    ) -> io::Result<TargetReader> {
        let columns = Columns {
            named: column,
            known: DOMAIN_COLUMNS,
            what: "domain",
            flag: "--domain-column",
        };
        let rows = TableReader::new(input, format, &columns)?
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let (tag_names, value_columns) = match rows.header_info() {
            Some(h) => (h.lowercase_names(), h.value_columns.clone()),
            None => (Vec::new(), Vec::new()),
        };
        Ok(TargetReader {
            rows,
            tag_names,
            value_columns,
        })
    }

    /// How the list is read, in words (`comma-separated with a header on line 1, …`).
    pub fn describe(&self) -> String {
        self.rows.describe()
    }

    fn target(&self, row: Row) -> Result<Target, InputError> {
        let error = |reason: String| InputError {
            line: row.line,
            text: row.text.clone(),
            reason,
        };
        if let Some(problem) = &row.problem {
            return Err(error(problem.clone()));
        }
        if self.tag_names.is_empty() && row.value.contains(',') && !row.value.contains("://") {
            return Err(error(
                "this looks like CSV: give the list a header line with a `domain` column".into(),
            ));
        }
        if !self.tag_names.is_empty() && row.cells.len() != self.tag_names.len() {
            return Err(error(format!(
                "{} columns where the header has {}",
                row.cells.len(),
                self.tag_names.len()
            )));
        }
        if row.value.is_empty() {
            return Err(error("no domain in this row".into()));
        }
        let tags = self
            .tag_names
            .iter()
            .zip(&row.cells)
            .enumerate()
            .filter(|(i, (name, value))| {
                !self.value_columns.contains(i) && !name.is_empty() && !value.is_empty()
            })
            .map(|(_, (name, value))| (name.clone(), value.clone()))
            .collect();
        match normalise_host(&row.value) {
            Ok(domain) => Ok(Target {
                registrable_domain: registrable_domain(&domain),
                domain,
                line: row.line,
                tags,
            }),
            Err(reason) => Err(error(reason)),
        }
    }
}

impl Iterator for TargetReader {
    type Item = io::Result<Result<Target, InputError>>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next()?;
        Some(row.map(|row| self.target(row)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read(input: &str, format: InputFormat) -> Vec<Result<Target, InputError>> {
        TargetReader::new(Cursor::new(input.as_bytes().to_vec()), format)
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn a_list_line_with_a_quote_never_closed_is_one_bad_line() {
        let read = read(
            "domain,sector\nexample.com,a\n\"example.org,b\nexample.net,c\n",
            InputFormat::Auto,
        );
        // (line, domain or reason, read)
        let domains: Vec<(u64, &str, bool)> = read
            .iter()
            .map(|r| match r {
                Ok(t) => (t.line, t.domain.as_str(), true),
                Err(e) => (e.line, e.reason.as_str(), false),
            })
            .collect();
        assert_eq!(
            domains,
            [
                (2, "example.com", true),
                (
                    3,
                    "a quote `\"` opened on this line is not closed where the cell ends (the lines after it are read on their own)",
                    false
                ),
                (4, "example.net", true),
            ]
        );
    }

    #[test]
    fn reduces_urls_and_names_to_hosts() {
        for (value, host) in [
            ("Example.COM.", "example.com"),
            (
                "https://www.example.com/.well-known/security.txt",
                "www.example.com",
            ),
            ("http://user@Example.com:8443/x?y#z", "example.com"),
            ("bücher.example", "xn--bcher-kva.example"),
            ("  example.org  ", "example.org"),
            ("192.0.2.1", "192.0.2.1"),
            ("https://[2001:db8::1]:443/", "2001:db8::1"),
            ("2001:DB8:0::1", "2001:db8::1"),
            ("192.0.2.1:8443", "192.0.2.1"),
        ] {
            assert_eq!(normalise_host(value).as_deref(), Ok(host), "{value}");
        }
        for value in [
            "localhost",
            "exa mple.com",
            "ftp://example.com",
            "-bad.example",
            "a..b",
            "1.2.3",
        ] {
            assert!(normalise_host(value).is_err(), "{value}");
        }
    }

    #[test]
    fn a_bad_name_is_told_what_is_wrong_with_it() {
        for (value, why) in [
            ("localhost", "not a domain name (it has no dot)"),
            (
                "a..example",
                "a label of the name is empty or longer than 63 characters",
            ),
            ("-bad.example", "the label `-bad` starts or ends with `-`"),
            ("a!b.example", "`!` cannot appear in a domain name"),
            (
                "example.123",
                "the last label of a domain name cannot be numeric",
            ),
        ] {
            assert_eq!(normalise_host(value), Err(why.to_owned()), "{value}");
        }
        assert_eq!(
            normalise_host("_sip.example.com").as_deref(),
            Ok("_sip.example.com")
        );
    }

    #[test]
    fn registrable_domains_come_from_the_public_suffix_list() {
        assert_eq!(
            registrable_domain("www.example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(
            registrable_domain("foo.github.io").as_deref(),
            Some("foo.github.io")
        );
        assert_eq!(
            registrable_domain("valid-1.test").as_deref(),
            Some("valid-1.test")
        );
        assert_eq!(registrable_domain("192.0.2.1"), None);
    }

    #[test]
    fn plain_lists_skip_comments_and_report_bad_lines_with_their_number() {
        let items = read(
            "# list\n\nexample.com\nnot a domain\nhttps://Example.org/path # note\n",
            InputFormat::Auto,
        );
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].as_ref().unwrap().domain, "example.com");
        assert_eq!(items[0].as_ref().unwrap().line, 3);
        let err = items[1].as_ref().unwrap_err();
        assert_eq!((err.line, err.text.as_str()), (4, "not a domain"));
        assert_eq!(items[2].as_ref().unwrap().domain, "example.org");
    }

    #[test]
    fn csv_lists_keep_other_columns_as_tags() {
        let input = "\u{feff}# government\ndomain,organisation,layer\nminbzk.nl,\"Ministerie van BZK, Den Haag\",ministry\nbad value,Nobody,agency\nduo.nl,DUO\n";
        let items = read(input, InputFormat::Auto);
        let first = items[0].as_ref().unwrap();
        assert_eq!(first.domain, "minbzk.nl");
        assert_eq!(first.line, 3);
        assert_eq!(first.tags["organisation"], "Ministerie van BZK, Den Haag");
        assert_eq!(first.tags["layer"], "ministry");
        assert_eq!(items[1].as_ref().unwrap_err().line, 4);
        assert!(items[2].as_ref().unwrap_err().reason.contains("columns"));
    }

    #[test]
    fn a_headerless_csv_is_explained() {
        for format in [InputFormat::Auto, InputFormat::Csv] {
            let error = TargetReader::new(Cursor::new(b"1,google.com\n".to_vec()), format)
                .err()
                .unwrap();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData);
            assert_eq!(
                error.to_string(),
                "the first line `1,google.com` is not a header naming the domain column (`domain`, `domain_name`, `domainname`, `hostname`, `host`, `fqdn`, `source.fqdn`, `website`, `url`, `source.url`): add a header line, or name the column with --domain-column"
            );
        }
        // A plain list whose values hold a comma is told why each such line is skipped.
        let items = read("example.com\nexample.org,x\n", InputFormat::Lines);
        assert!(items[1].as_ref().unwrap_err().reason.contains("header"));
    }

    #[test]
    fn an_intelmq_style_semicolon_list_is_read_from_its_fqdn_column() {
        let items = read(
            "time.source;source.fqdn;classification.type\n2026-11-30T10:00:00Z;Example.ORG;phishing\n",
            InputFormat::Auto,
        );
        let target = items[0].as_ref().unwrap();
        assert_eq!((target.domain.as_str(), target.line), ("example.org", 2));
        assert_eq!(target.tags["classification.type"], "phishing");
    }
}
