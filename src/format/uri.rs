//! URI syntax for field values: RFC 3986 parsing with an explanation of the first offending
//! character, the scheme-specific rules for `mailto:` (RFC 6068), `tel:` (RFC 3966) and
//! `openpgp4fpr:`, and the syntax-based normalisation (RFC 3986 §6.2.2) that `Canonical` is
//! compared with.
//!
//! Deliberately strict, unlike the WHATWG URL parsers browsers use: a security.txt value is a URI,
//! so a space or a non-ASCII character is an error to report, not something to repair silently.

use std::fmt;

/// A URI split into its RFC 3986 components, borrowing from the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri<'a> {
    pub scheme: &'a str,
    pub authority: Option<Authority<'a>>,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority<'a> {
    pub userinfo: Option<&'a str>,
    pub host: &'a str,
    pub port: Option<&'a str>,
}

/// Why a value is not a URI: the byte offset of the problem in the value, and an explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriError {
    pub at: usize,
    pub reason: String,
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl Uri<'_> {
    pub fn scheme_is(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }
}

/// The scheme of a value, if it starts with `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`.
pub fn scheme(value: &str) -> Option<&str> {
    let end = value.find(':')?;
    let candidate = &value[..end];
    let mut bytes = candidate.bytes();
    let first = bytes.next()?;
    (first.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    .then_some(candidate)
}

fn err(at: usize, reason: impl Into<String>) -> UriError {
    UriError {
        at,
        reason: reason.into(),
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// Parses a URI reference that must be absolute (have a scheme).
pub fn parse(value: &str) -> Result<Uri<'_>, UriError> {
    let Some(scheme) = scheme(value) else {
        return Err(err(0, "the value has no scheme"));
    };
    check_characters(value)?;

    let (before_fragment, fragment) = match value.split_once('#') {
        Some((head, frag)) => (head, Some(frag)),
        None => (value, None),
    };
    if let Some(frag) = fragment
        && let Some(i) = frag.find('#')
    {
        return Err(err(
            before_fragment.len() + 1 + i,
            "a second `#`: only one fragment is allowed",
        ));
    }
    let (hier, query) = match before_fragment.split_once('?') {
        Some((head, q)) => (head, Some(q)),
        None => (before_fragment, None),
    };
    let hier_start = scheme.len() + 1;
    let hier = &hier[hier_start..];

    let (authority, path, path_start) = if let Some(after) = hier.strip_prefix("//") {
        let end = after.find('/').unwrap_or(after.len());
        let auth = parse_authority(&after[..end], hier_start + 2)?;
        (Some(auth), &after[end..], hier_start + 2 + end)
    } else {
        (None, hier, hier_start)
    };
    // Brackets are legal only around an IP literal host, which parse_authority consumed.
    let tail_start = path_start;
    if let Some(i) = value[tail_start..].find(['[', ']']) {
        return Err(err(
            tail_start + i,
            "`[` and `]` are allowed only around an IP address in the host",
        ));
    }
    Ok(Uri {
        scheme,
        authority,
        path,
        query,
        fragment,
    })
}

/// Every character must be unreserved, reserved or part of a percent-escape.
fn check_characters(value: &str) -> Result<(), UriError> {
    let bytes = value.as_bytes();
    for (i, c) in value.char_indices() {
        let reason = match c {
            ' ' => "a space cannot appear in a URI; percent-encode it as %20".to_owned(),
            '\t' => "a tab cannot appear in a URI".to_owned(),
            '\\' => "a backslash cannot appear in a URI".to_owned(),
            '%' => {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if hex(i + 1) && hex(i + 2) {
                    continue;
                }
                "`%` must start a percent-escape such as %20".to_owned()
            }
            '"' | '<' | '>' | '^' | '`' | '{' | '|' | '}' => {
                format!("`{c}` cannot appear in a URI; percent-encode it")
            }
            c if c.is_ascii_control() => format!("control character U+{:04X} in the URI", c as u32),
            c if !c.is_ascii() => format!(
                "`{c}` is not ASCII: percent-encode it, and write an international domain name in its xn-- form"
            ),
            _ => continue,
        };
        return Err(err(i, reason));
    }
    Ok(())
}

fn parse_authority(auth: &str, offset: usize) -> Result<Authority<'_>, UriError> {
    let (userinfo, hostport, host_offset) = match auth.rfind('@') {
        Some(i) => (Some(&auth[..i]), &auth[i + 1..], offset + i + 1),
        None => (None, auth, offset),
    };
    if let Some(u) = userinfo
        && let Some(i) = u
            .bytes()
            .position(|b| !(is_unreserved(b) || is_sub_delim(b) || b == b':' || b == b'%'))
    {
        return Err(err(
            offset + i,
            "the user information contains a character it cannot",
        ));
    }
    let (host, port) = if hostport.starts_with('[') {
        let Some(close) = hostport.find(']') else {
            return Err(err(
                host_offset,
                "an IP literal host opened with `[` is not closed",
            ));
        };
        let inner = &hostport[1..close];
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'v' | b'V'))
        {
            return Err(err(
                host_offset,
                "the IP literal host is not an IPv6 address",
            ));
        }
        let after = &hostport[close + 1..];
        match after.strip_prefix(':') {
            Some(port) => (&hostport[..=close], Some(port)),
            None if after.is_empty() => (&hostport[..=close], None),
            None => {
                return Err(err(
                    host_offset + close + 1,
                    "unexpected text after the IP literal host",
                ));
            }
        }
    } else {
        match hostport.rfind(':') {
            Some(i) => (&hostport[..i], Some(&hostport[i + 1..])),
            None => (hostport, None),
        }
    };
    if !host.starts_with('[')
        && let Some(i) = host
            .bytes()
            .position(|b| !(is_unreserved(b) || is_sub_delim(b) || b == b'%'))
    {
        return Err(err(
            host_offset + i,
            format!("`{}` cannot appear in a host name", &host[i..i + 1]),
        ));
    }
    if let Some(p) = port
        && !p.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(err(
            host_offset + host.len() + 1,
            format!("the port `{p}` is not a number"),
        ));
    }
    Ok(Authority {
        userinfo,
        host,
        port,
    })
}

/// Checks what a web URI needs beyond the generic syntax: an authority with a host.
pub fn check_web(uri: &Uri<'_>) -> Result<(), String> {
    match &uri.authority {
        None => Err(format!(
            "`{}:` must be followed by `//` and a host",
            uri.scheme
        )),
        Some(a) if a.host.is_empty() => Err("the URI has no host".into()),
        Some(a) if a.port.is_some_and(|p| p.parse::<u16>().is_err()) => {
            Err("the port is out of range".into())
        }
        Some(_) => Ok(()),
    }
}

/// Decodes percent-escapes; invalid UTF-8 in the result is replaced.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks a `mailto:` URI and returns its addresses.
pub fn check_mailto(uri: &Uri<'_>) -> Result<Vec<String>, String> {
    if uri.authority.is_some() {
        return Err("write `mailto:` directly followed by the address, without `//`".into());
    }
    let mut addresses: Vec<String> = Vec::new();
    if !uri.path.is_empty() {
        addresses.extend(uri.path.split(',').map(percent_decode));
    }
    for pair in uri.query.unwrap_or("").split('&') {
        if let Some(to) = pair.strip_prefix("to=") {
            addresses.extend(to.split(',').map(percent_decode));
        }
    }
    if addresses.is_empty() {
        return Err("the mailto: URI holds no address".into());
    }
    for address in &addresses {
        check_address(address)?;
    }
    Ok(addresses)
}

fn check_address(address: &str) -> Result<(), String> {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err(format!("`{address}` has no `@`"));
    };
    if local.is_empty() {
        return Err(format!("`{address}` has nothing before the `@`"));
    }
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    if !quoted {
        if local.contains('@') {
            return Err(format!("`{address}` has more than one `@`"));
        }
        let atext = |c: char| {
            c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
        };
        if let Some(c) = local.chars().find(|&c| c != '.' && !atext(c)) {
            return Err(format!(
                "`{c}` cannot appear in the local part of `{address}`"
            ));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(format!(
                "the dots in the local part of `{address}` are misplaced"
            ));
        }
    }
    if domain.starts_with('[') && domain.ends_with(']') {
        return Ok(());
    }
    check_domain(domain).map_err(|why| format!("the domain of `{address}` {why}"))
}

/// A host name as a mail or web address needs it: dot-separated labels of letters, digits and
/// hyphens (international names allowed), at least two labels.
fn check_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("is empty".into());
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    check_labels(domain, |c| c.is_alphanumeric() || c == '-')
        .map(|_| ())
        .map_err(|problem| match problem {
            LabelProblem::NoDot => "has no dot, so it is not a public domain name".to_owned(),
            LabelProblem::Length => "has an empty or over-long label".to_owned(),
            LabelProblem::Hyphen(label) => {
                format!("has the label `{label}`, which starts or ends with `-`")
            }
            LabelProblem::Char(c) => format!("contains `{c}`"),
        })
}

/// The first thing wrong with the labels of a dotted host name.
pub enum LabelProblem<'a> {
    /// Fewer than two labels.
    NoDot,
    /// A label is empty or longer than 63 octets.
    Length,
    /// A label starts or ends with `-`.
    Hyphen(&'a str),
    /// A character that `allowed` refuses.
    Char(char),
}

/// Checks the labels of a host name (RFC 1035 §2.3.4 and RFC 5890 shapes), in one order for every
/// caller: at least two labels; each 1 to 63 octets, not starting or ending with `-`, made of
/// characters `allowed` accepts. Returns the labels.
pub fn check_labels(
    name: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<Vec<&str>, LabelProblem<'_>> {
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(LabelProblem::NoDot);
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 {
            return Err(LabelProblem::Length);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(LabelProblem::Hyphen(label));
        }
        if let Some(c) = label.chars().find(|&c| !allowed(c)) {
            return Err(LabelProblem::Char(c));
        }
    }
    Ok(labels)
}

/// Checks a `tel:` URI (RFC 3966): a global number, or a local one with `phone-context`.
pub fn check_tel(uri: &Uri<'_>) -> Result<(), String> {
    if uri.authority.is_some() {
        return Err("write `tel:` directly followed by the number, without `//`".into());
    }
    let mut parts = uri.path.split(';');
    let number = parts.next().unwrap_or("");
    let params: Vec<&str> = parts.collect();
    let visual = |c: char| matches!(c, '-' | '.' | '(' | ')');
    if let Some(digits) = number.strip_prefix('+') {
        if !digits.chars().any(|c| c.is_ascii_digit()) {
            return Err("the number after `+` has no digits".into());
        }
        if let Some(c) = digits.chars().find(|&c| !(c.is_ascii_digit() || visual(c))) {
            return Err(format!("`{c}` cannot appear in a telephone number"));
        }
        return Ok(());
    }
    if number.is_empty() {
        return Err("the tel: URI holds no number".into());
    }
    if let Some(c) = number
        .chars()
        .find(|&c| !(c.is_ascii_hexdigit() || visual(c) || c == '*' || c == '#'))
    {
        return Err(format!("`{c}` cannot appear in a telephone number"));
    }
    if !params
        .iter()
        .any(|p| p.to_ascii_lowercase().starts_with("phone-context="))
    {
        return Err(
            "a number without `+` and a country code needs a `;phone-context=` parameter".into(),
        );
    }
    Ok(())
}

/// Checks an `openpgp4fpr:` URI: a v4 (40 hex digits) or v6 (64 hex digits) fingerprint.
/// A 16-digit OpenPGP key ID (`openpgp4fpr:1234567890ABCDEF`): a URI, but not a fingerprint.
pub fn is_key_id(value: &str) -> bool {
    value.len() == 16 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn check_openpgp4fpr(uri: &Uri<'_>) -> Result<(), String> {
    let fpr = uri.path;
    if (fpr.len() == 40 || fpr.len() == 64) && fpr.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!(
            "`{fpr}` is not an OpenPGP fingerprint (40 or 64 hexadecimal digits, no spaces)"
        ))
    }
}

/// The syntax-based normal form of RFC 3986 §6.2.2 with scheme-based port removal (§6.2.3):
/// lower-case scheme and host, upper-case percent-escapes, unreserved characters decoded, dot
/// segments removed, empty path of an authority URI made `/`, default port dropped, fragment
/// dropped (it is never sent to a server). `None` for a value that is not a URI.
pub fn normalize(value: &str) -> Option<String> {
    let uri = parse(value).ok()?;
    let scheme = uri.scheme.to_ascii_lowercase();
    let mut out = format!("{scheme}:");
    if let Some(a) = &uri.authority {
        out.push_str("//");
        if let Some(u) = a.userinfo {
            out.push_str(&normalize_escapes(u));
            out.push('@');
        }
        out.push_str(&normalize_escapes(&a.host.to_ascii_lowercase()));
        let default = match scheme.as_str() {
            "https" => Some("443"),
            "http" => Some("80"),
            _ => None,
        };
        if let Some(p) = a.port
            && !p.is_empty()
            && Some(p) != default
        {
            out.push(':');
            out.push_str(p);
        }
    }
    let path = remove_dot_segments(&normalize_escapes(uri.path));
    if uri.authority.is_some() && path.is_empty() {
        out.push('/');
    }
    out.push_str(&path);
    if let Some(q) = uri.query {
        out.push('?');
        out.push_str(&normalize_escapes(q));
    }
    Some(out)
}

fn normalize_escapes(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(v) if is_unreserved(v) => out.push(char::from(v)),
            Some(v) => out.push_str(&format!("%{v:02X}")),
            None => {
                // Inputs are ASCII once `parse` accepted them; push whole chars regardless.
                let c = s[i..].chars().next().unwrap_or('\u{FFFD}');
                out.push(c);
                i += c.len_utf8();
                continue;
            }
        }
        i += 3;
    }
    out
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut output: Vec<&str> = Vec::new();
    let absolute = path.starts_with('/');
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    output.push("");
                }
            }
            ".." => {
                if output.len() > usize::from(absolute) {
                    output.pop();
                }
                if i == last {
                    output.push("");
                }
            }
            s => output.push(s),
        }
    }
    output.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_components() {
        let u = parse("https://user@Example.COM:8443/a/b?q=1#frag").unwrap();
        assert_eq!(u.scheme, "https");
        let a = u.authority.unwrap();
        assert_eq!(
            (a.userinfo, a.host, a.port),
            (Some("user"), "Example.COM", Some("8443"))
        );
        assert_eq!(
            (u.path, u.query, u.fragment),
            ("/a/b", Some("q=1"), Some("frag"))
        );
        let m = parse("mailto:security@example.com?subject=Hi%20there").unwrap();
        assert_eq!((m.authority, m.path), (None, "security@example.com"));
        assert!(parse("https://[2001:db8::1]:443/").is_ok());
    }

    #[test]
    fn explains_invalid_uris() {
        assert_eq!(parse("https://exa mple.com/").unwrap_err().at, 11);
        assert!(
            parse("mailto:support\\@beam.mw")
                .unwrap_err()
                .reason
                .contains("backslash")
        );
        assert!(
            parse("https://bücher.example/")
                .unwrap_err()
                .reason
                .contains("xn--")
        );
        assert!(parse("https://example.com/%zz").is_err());
        assert!(parse("https://example.com:80a/").is_err());
        assert!(parse("https://example.com/a#b#c").is_err());
        assert!(parse("security@example.com").is_err());
    }

    #[test]
    fn checks_mail_and_phone() {
        let ok = |s| check_mailto(&parse(s).unwrap());
        assert_eq!(ok("mailto:a@example.com,b@example.org").unwrap().len(), 2);
        assert!(ok("mailto:").is_err());
        assert!(ok("mailto:security").is_err());
        assert!(ok("mailto:a@localhost").is_err());
        assert!(ok("mailto:a..b@example.com").is_err());
        for (uri, why) in [
            (
                "mailto:a@localhost",
                "has no dot, so it is not a public domain name",
            ),
            ("mailto:a@x..example", "has an empty or over-long label"),
            (
                "mailto:a@-x.example",
                "has the label `-x`, which starts or ends with `-`",
            ),
            ("mailto:a@x_y.example", "contains `_`"),
        ] {
            let address = &uri["mailto:".len()..];
            assert_eq!(
                ok(uri),
                Err(format!("the domain of `{address}` {why}")),
                "{uri}"
            );
        }
        let tel = |s| check_tel(&parse(s).unwrap());
        assert!(tel("tel:+31-70-123-4567").is_ok());
        assert!(tel("tel:070-1234567").is_err());
        assert!(tel("tel:7042;phone-context=example.com").is_ok());
        assert!(tel("tel:+").is_err());
    }

    #[test]
    fn normalises_for_comparison() {
        assert_eq!(
            normalize("HTTPS://Example.com:443/.well-known/./security.txt#x").unwrap(),
            "https://example.com/.well-known/security.txt"
        );
        assert_eq!(
            normalize("https://example.com").unwrap(),
            "https://example.com/"
        );
        assert_eq!(
            normalize("https://example.com/%7efoo%2f").unwrap(),
            "https://example.com/~foo%2F"
        );
        assert_eq!(
            normalize("https://example.com/a/../b").unwrap(),
            "https://example.com/b"
        );
    }
}
