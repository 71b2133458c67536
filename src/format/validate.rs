//! Document + context to findings and typed fields: the field rules of RFC 9116 §2.5 and the IANA
//! registry, required and single-use fields, Canonical against the retrieval URLs, and the
//! transport rules of §3 when the file came over HTTP.
//!
//! Pure: the time is part of the `Context`, never read from the clock here.

use super::catalogue::{Code, Level};
use super::datetime::Timestamp;
use super::diagnostic::Diagnostic;
use super::parse::{Document, Field, FieldName, Line, Region};
use super::{lang, uri};
use serde::{Deserialize, Serialize};

/// What is known about where and when the file was read.
#[derive(Debug, Clone)]
pub struct Context {
    /// The moment Expires is compared with.
    pub now: Timestamp,
    /// The URL the file was requested from (or, for a local file, where it will be served).
    pub requested_url: Option<String>,
    /// The URL after redirects, when it differs from the requested one.
    pub final_url: Option<String>,
    /// Present when the file came over HTTP.
    pub http: Option<HttpContext>,
}

impl Context {
    /// A context for a local file checked at `now`.
    pub fn at(now: Timestamp) -> Context {
        Context {
            now,
            requested_url: None,
            final_url: None,
            http: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct HttpContext {
    /// The Content-Type header, `None` when the response had none.
    pub content_type: Option<String>,
    /// The file came from the legacy `/security.txt` path, not `/.well-known/`.
    pub legacy_location: bool,
}

/// How a contact is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Email,
    Web,
    Phone,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub uri: String,
    pub kind: ContactKind,
    /// No error-level finding concerns this value.
    pub valid: bool,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UriValue {
    pub uri: String,
    pub valid: bool,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expires {
    /// The value as written.
    pub value: String,
    /// The instant, when the value is a valid RFC 3339 date-time.
    pub timestamp: Option<Timestamp>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherField {
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// The values of a file, typed, in file order. For a signed file, only the signed text's fields;
/// fields outside it are listed in `unsigned` and nowhere else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    pub contact: Vec<Contact>,
    /// The first Expires field.
    pub expires: Option<Expires>,
    pub encryption: Vec<UriValue>,
    pub policy: Vec<UriValue>,
    pub acknowledgments: Vec<UriValue>,
    pub canonical: Vec<UriValue>,
    pub hiring: Vec<UriValue>,
    pub csaf: Vec<UriValue>,
    pub preferred_languages: Vec<String>,
    pub bug_bounty: Option<bool>,
    /// Fields that RFC 9116 and the IANA registry do not define.
    pub unknown: Vec<OtherField>,
    /// Fields before or after the signed text of a signed file: not covered by the signature.
    pub unsigned: Vec<OtherField>,
}

/// Every finding about a file, sorted by position, and its typed fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub fields: Fields,
}

impl Report {
    /// A file is valid when it has no error-level finding.
    pub fn is_valid(&self) -> bool {
        self.count(Level::Error) == 0
    }

    pub fn count(&self, level: Level) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.level() == level)
            .count()
    }

    pub fn codes(&self) -> Vec<Code> {
        self.diagnostics.iter().map(|d| d.code).collect()
    }

    /// Adds findings made elsewhere (the signature's), keeping the order by position and the
    /// bounds (`bound`).
    pub fn add(&mut self, findings: Vec<Diagnostic>) {
        if findings.is_empty() {
            return;
        }
        self.diagnostics.extend(findings);
        self.diagnostics.sort_by_key(Diagnostic::position);
        if self.diagnostics.len() > FINDINGS_IN_ALL {
            self.bound();
        }
    }
}

/// Validates a parsed document in a context.
pub fn validate(doc: &Document, ctx: &Context) -> Report {
    let mut v = Validator {
        doc,
        ctx,
        out: doc.findings.clone(),
        fields: Fields::default(),
        seen: [0; FieldName::ALL.len()],
    };
    if !doc.html {
        v.fields_in_order();
        v.whole_file();
    }
    v.transport();
    let mut diagnostics = v.out;
    diagnostics.sort_by_key(Diagnostic::position);
    let mut report = Report {
        diagnostics,
        fields: v.fields,
    };
    report.bound();
    report
}

/// The findings of one code kept at most; the rest are counted in `too_many_findings`.
pub const FINDINGS_PER_CODE: usize = 20;
/// The findings kept at most in all (errors first).
pub const FINDINGS_IN_ALL: usize = 200;
/// The values of one field kept at most (Contact, Encryption, …, unknown fields).
pub const VALUES_PER_FIELD: usize = 100;
/// The characters of a finding's detail kept at most (a detail may quote a line).
pub const DETAIL_CHARS: usize = 300;

/// What was left out of a report, by code: how many, and on which lines.
#[derive(Default)]
struct LeftOut {
    findings: std::collections::BTreeMap<Code, (usize, Option<usize>, Option<usize>)>,
    values: Vec<(&'static str, usize)>,
}

impl LeftOut {
    fn finding(&mut self, d: &Diagnostic) {
        let e = self.findings.entry(d.code).or_insert((0, None, None));
        e.0 += 1;
        if let Some(line) = d.line {
            e.1 = Some(e.1.map_or(line, |l: usize| l.min(line)));
            e.2 = Some(e.2.map_or(line, |l: usize| l.max(line)));
        }
    }

    fn describe(&self) -> Option<String> {
        let mut parts: Vec<String> = self
            .findings
            .iter()
            .map(|(code, (n, first, last))| match (first, last) {
                (Some(a), Some(b)) if a == b => format!("{n} `{code}` (line {a})"),
                (Some(a), Some(b)) => format!("{n} `{code}` (lines {a}–{b})"),
                _ => format!("{n} `{code}`"),
            })
            .collect();
        parts.extend(
            self.values.iter().map(|(field, n)| {
                format!("{n} more {field} values than the {VALUES_PER_FIELD} kept")
            }),
        );
        (!parts.is_empty()).then(|| format!("left out: {}", parts.join(", ")))
    }
}

fn truncate_detail(d: &mut Diagnostic) {
    if let Some(detail) = &mut d.detail
        && detail.chars().count() > DETAIL_CHARS
    {
        let cut: String = detail.chars().take(DETAIL_CHARS).collect();
        *detail = format!("{cut}…");
    }
}

impl Report {
    /// Bounds what a file can make a report hold, whatever its size: at most
    /// `FINDINGS_PER_CODE` findings of a code and `FINDINGS_IN_ALL` in all (errors kept first, so
    /// the verdict holds), details cut at `DETAIL_CHARS`, at most `VALUES_PER_FIELD` values per
    /// field; what was left out is said in one `too_many_findings` finding. A hostile 32 KiB file
    /// (a control character on every line) would otherwise make tens of thousands of findings.
    pub fn bound(&mut self) {
        let mut left_out = LeftOut::default();
        let mut per_code: std::collections::HashMap<Code, usize> = std::collections::HashMap::new();
        let mut kept: Vec<Diagnostic> =
            Vec::with_capacity(self.diagnostics.len().min(FINDINGS_IN_ALL));
        for d in self.diagnostics.drain(..) {
            if d.code == Code::TooManyFindings {
                continue;
            }
            let n = per_code.entry(d.code).or_default();
            *n += 1;
            if *n > FINDINGS_PER_CODE {
                left_out.finding(&d);
            } else {
                kept.push(d);
            }
        }
        if kept.len() > FINDINGS_IN_ALL {
            // Errors first, then by position: what makes the file invalid is never left out.
            kept.sort_by_key(|d| (d.level(), d.position()));
            for d in kept.drain(FINDINGS_IN_ALL..) {
                left_out.finding(&d);
            }
        }
        for d in &mut kept {
            truncate_detail(d);
        }
        let f = &mut self.fields;
        let mut cap = |name: &'static str, len: usize| -> usize {
            if len > VALUES_PER_FIELD {
                left_out.values.push((name, len - VALUES_PER_FIELD));
            }
            len.min(VALUES_PER_FIELD)
        };
        let n = cap("Contact", f.contact.len());
        f.contact.truncate(n);
        let n = cap("Encryption", f.encryption.len());
        f.encryption.truncate(n);
        let n = cap("Policy", f.policy.len());
        f.policy.truncate(n);
        let n = cap("Acknowledgments", f.acknowledgments.len());
        f.acknowledgments.truncate(n);
        let n = cap("Canonical", f.canonical.len());
        f.canonical.truncate(n);
        let n = cap("Hiring", f.hiring.len());
        f.hiring.truncate(n);
        let n = cap("CSAF", f.csaf.len());
        f.csaf.truncate(n);
        let n = cap("Preferred-Languages", f.preferred_languages.len());
        f.preferred_languages.truncate(n);
        let n = cap("unknown field", f.unknown.len());
        f.unknown.truncate(n);
        let n = cap("unsigned field", f.unsigned.len());
        f.unsigned.truncate(n);
        if let Some(text) = left_out.describe() {
            let mut d = Diagnostic::file(Code::TooManyFindings).with_detail(text);
            truncate_detail(&mut d);
            kept.push(d);
        }
        kept.sort_by_key(Diagnostic::position);
        self.diagnostics = kept;
    }
}

struct Validator<'a> {
    doc: &'a Document,
    ctx: &'a Context,
    out: Vec<Diagnostic>,
    fields: Fields,
    /// How often each defined field has appeared so far, indexed by `FieldName as usize`.
    seen: [u32; FieldName::ALL.len()],
}

/// The schemes each URI field is meant to carry (RFC 9116 §2.5).
fn expected_schemes(field: FieldName) -> &'static [&'static str] {
    match field {
        FieldName::Contact => &["mailto", "https", "tel"],
        FieldName::Encryption => &["https", "dns", "openpgp4fpr"],
        _ => &["https"],
    }
}

impl Validator<'_> {
    /// A finding about part of a field's value: `offset` and `len` in bytes of the value.
    fn at_value(
        &self,
        code: Code,
        line: &Line,
        field: &Field,
        offset: usize,
        len: usize,
    ) -> Diagnostic {
        let text = self.doc.line_text(line);
        let mut start = field.value.start + offset.min(field.value.len());
        let mut end = (start + len).min(field.value.end);
        // Offsets count bytes; a span must start and end on character boundaries.
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let column = text[..start].chars().count() + 1;
        Diagnostic::at(code, line.number, column, text[start..end].chars().count())
    }

    fn whole_value(&self, code: Code, line: &Line, field: &Field) -> Diagnostic {
        self.at_value(code, line, field, 0, field.value.len())
    }

    fn at_name(&self, code: Code, line: &Line, field: &Field) -> Diagnostic {
        let text = self.doc.line_text(line);
        let column = text[..field.name.start].chars().count() + 1;
        Diagnostic::at(
            code,
            line.number,
            column,
            text[field.name.clone()].chars().count(),
        )
    }

    fn fields_in_order(&mut self) {
        let doc = self.doc;
        for (line, field) in doc.content_fields() {
            let value = doc.field_value(line, field);
            match field.known {
                Some(name @ FieldName::Contact) => {
                    let valid = self.check_uri(name, line, field);
                    self.fields.contact.push(Contact {
                        uri: value.to_owned(),
                        kind: contact_kind(value),
                        valid,
                        line: line.number,
                    });
                }
                Some(FieldName::Expires) => self.check_expires(line, field),
                Some(FieldName::PreferredLanguages) => self.check_languages(line, field),
                Some(FieldName::BugBounty) => self.check_bug_bounty(line, field),
                Some(name) => {
                    let valid = self.check_uri(name, line, field);
                    if name == FieldName::Csaf {
                        self.check_csaf(line, field);
                    }
                    let entry = UriValue {
                        uri: value.to_owned(),
                        valid,
                        line: line.number,
                    };
                    match name {
                        FieldName::Encryption => self.fields.encryption.push(entry),
                        FieldName::Policy => self.fields.policy.push(entry),
                        FieldName::Acknowledgments => self.fields.acknowledgments.push(entry),
                        FieldName::Canonical => self.fields.canonical.push(entry),
                        FieldName::Hiring => self.fields.hiring.push(entry),
                        _ => self.fields.csaf.push(entry),
                    }
                }
                None => self.unknown_field(line, field),
            }
        }
        for (line, field) in doc.unsigned_fields() {
            self.fields.unsigned.push(OtherField {
                name: doc.field_name(line, field).to_owned(),
                value: doc.field_value(line, field).to_owned(),
                line: line.number,
            });
        }
    }

    /// Checks a URI-valued field; returns whether it is free of errors.
    fn check_uri(&mut self, name: FieldName, line: &Line, field: &Field) -> bool {
        let before = self.out.len();
        self.uri_findings(name, line, field);
        !self.out[before..].iter().any(|d| d.level() == Level::Error)
    }

    fn uri_findings(&mut self, name: FieldName, line: &Line, field: &Field) {
        let value = self.doc.field_value(line, field);
        if let Some(placeholder) = placeholder_in(value) {
            let d = self
                .whole_value(Code::TemplatePlaceholder, line, field)
                .with_detail(placeholder_note(placeholder));
            self.out.push(d);
            return;
        }
        let tokens: Vec<&str> = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.len() > 1
            && tokens
                .iter()
                .all(|t| uri::scheme(t).is_some_and(|s| t.len() > s.len() + 1))
        {
            let d = self
                .whole_value(Code::ChainedValues, line, field)
                .with_detail(format!(
                    "{} values in one `{}` field",
                    tokens.len(),
                    name.as_str()
                ));
            self.out.push(d);
            return;
        }
        let parsed = match uri::parse(value) {
            Ok(u) => u,
            Err(_) if uri::scheme(value).is_none() => {
                let mut d = self.whole_value(Code::NoUri, line, field);
                if let Some(s) = uri_suggestion(value) {
                    d = d.with_detail(format!("did you mean `{s}`?"));
                }
                self.out.push(d);
                return;
            }
            Err(e) => {
                let d = self
                    .at_value(Code::InvalidUri, line, field, e.at, 1)
                    .with_detail(e.reason);
                self.out.push(d);
                return;
            }
        };
        let scheme = parsed.scheme.to_ascii_lowercase();
        if scheme == "http" {
            let d = self.at_value(Code::NoHttps, line, field, 0, 4);
            self.out.push(d);
            return;
        }
        if name == FieldName::Encryption && scheme == "data" {
            let d = self
                .whole_value(Code::InlineKey, line, field)
                .with_detail("a `data:` URI carries the key itself");
            self.out.push(d);
            return;
        }
        let expected = expected_schemes(name);
        if !expected.contains(&scheme.as_str()) {
            let list: Vec<String> = expected.iter().map(|s| format!("{s}:")).collect();
            let d = self
                .at_value(Code::UnexpectedScheme, line, field, 0, parsed.scheme.len())
                .with_detail(format!(
                    "`{}:` is not one of {} expected in `{}`",
                    parsed.scheme,
                    list.join(", "),
                    name.as_str()
                ));
            self.out.push(d);
            return;
        }
        let mut domains: Vec<String> = Vec::new();
        let (code, result) = match scheme.as_str() {
            "https" => {
                domains.extend(parsed.authority.as_ref().map(|a| a.host.to_owned()));
                (Code::InvalidUri, uri::check_web(&parsed))
            }
            "mailto" => (
                Code::InvalidEmail,
                uri::check_mailto(&parsed).map(|addresses| {
                    domains.extend(
                        addresses
                            .iter()
                            .filter_map(|a| a.rsplit_once('@').map(|(_, d)| d.to_owned())),
                    );
                }),
            ),
            "tel" => (Code::InvalidTel, uri::check_tel(&parsed)),
            "openpgp4fpr" => {
                if uri::is_key_id(parsed.path) {
                    let d = self
                        .whole_value(Code::Openpgp4fprKeyId, line, field)
                        .with_detail(format!(
                            "`{}` is a 16-digit key ID; a fingerprint has 40 (or 64) hexadecimal digits",
                            parsed.path
                        ));
                    self.out.push(d);
                    return;
                }
                (Code::InvalidUri, uri::check_openpgp4fpr(&parsed))
            }
            _ => (Code::InvalidUri, Ok(())),
        };
        if let Err(why) = result {
            let d = self.whole_value(code, line, field).with_detail(why);
            self.out.push(d);
            return;
        }
        if let Some(domain) = domains.iter().find(|d| reserved_for_documentation(d)) {
            let d = self
                .whole_value(Code::ExampleDomain, line, field)
                .with_detail(format!(
                    "`{domain}` is reserved for documentation and examples (RFC 2606)"
                ));
            self.out.push(d);
        }
    }

    fn check_expires(&mut self, line: &Line, field: &Field) {
        let value = self.doc.field_value(line, field);
        if self.repeated(FieldName::Expires) {
            let d = self.at_name(Code::MultiExpire, line, field);
            self.out.push(d);
        }
        let now = self.ctx.now;
        let parsed = Timestamp::parse_rfc3339(value);
        let finding = match &parsed {
            Err(_) if is_placeholder(value) => Some(
                self.whole_value(Code::TemplatePlaceholder, line, field)
                    .with_detail(placeholder_note(value)),
            ),
            Err(e) => {
                let mut detail = e.to_string();
                // Read leniently, the value may also have passed, or lie too far ahead: say so
                // now, so that both are fixed at once.
                if let Some(t) = e
                    .suggestion
                    .as_deref()
                    .and_then(|s| Timestamp::parse_rfc3339(s).ok())
                {
                    if t < now {
                        detail.push_str(&format!(
                            " Read leniently, it has also passed already ({} days before {now}).",
                            (now.unix() - t.unix()) / 86_400
                        ));
                    } else if t > now.add_years(1) {
                        detail.push_str(
                            " Read leniently, it is also more than a year ahead, longer than RFC 9116 recommends.",
                        );
                    }
                }
                Some(
                    self.whole_value(Code::InvalidExpiry, line, field)
                        .with_detail(detail),
                )
            }
            Ok(ts) if *ts < now => Some(self.whole_value(Code::Expired, line, field).with_detail(
                format!(
                    "expired on {ts}, {} days before {now}",
                    (now.unix() - ts.unix()) / 86_400
                ),
            )),
            Ok(ts) if *ts > now.add_years(1) => Some(
                self.whole_value(Code::LongExpiry, line, field)
                    .with_detail(format!("{ts} is more than a year after {now}")),
            ),
            Ok(ts) if *ts < now.add_days(30) => Some(
                self.whole_value(Code::ExpiresSoon, line, field)
                    .with_detail(format!(
                        "expires on {ts}, in {} days",
                        (ts.unix() - now.unix()) / 86_400
                    )),
            ),
            Ok(_) => None,
        };
        self.out.extend(finding);
        if self.fields.expires.is_none() {
            self.fields.expires = Some(Expires {
                value: value.to_owned(),
                timestamp: parsed.ok(),
                line: line.number,
            });
        }
    }

    fn check_languages(&mut self, line: &Line, field: &Field) {
        let value = self.doc.field_value(line, field);
        if self.repeated(FieldName::PreferredLanguages) {
            let d = self.at_name(Code::MultiLang, line, field);
            self.out.push(d);
        }
        let mut offset = 0;
        for item in value.split(',') {
            let tag = item.trim_matches([' ', '\t']);
            let tag_offset = offset + (item.len() - item.trim_start_matches([' ', '\t']).len());
            match lang::check_tag(tag) {
                Ok(()) => self.fields.preferred_languages.push(tag.to_owned()),
                Err(lang::TagProblem::Unregistered(why)) => {
                    // Well-formed is what RFC 9116 asks; the tag is still the owner's word.
                    self.fields.preferred_languages.push(tag.to_owned());
                    let d = self
                        .at_value(Code::UnregisteredLang, line, field, tag_offset, tag.len())
                        .with_detail(why);
                    self.out.push(d);
                }
                Err(_) if is_placeholder(tag) => {
                    let d = self
                        .at_value(
                            Code::TemplatePlaceholder,
                            line,
                            field,
                            tag_offset,
                            tag.len(),
                        )
                        .with_detail(placeholder_note(tag));
                    self.out.push(d);
                }
                Err(lang::TagProblem::IllFormed(why)) => {
                    let d = self
                        .at_value(Code::InvalidLang, line, field, tag_offset, tag.len())
                        .with_detail(why);
                    self.out.push(d);
                }
            }
            offset += item.len() + 1;
        }
    }

    fn check_bug_bounty(&mut self, line: &Line, field: &Field) {
        let value = self.doc.field_value(line, field);
        if self.repeated(FieldName::BugBounty) {
            let d = self.at_name(Code::MultiBugBounty, line, field);
            self.out.push(d);
        }
        let parsed = match value {
            "True" => Some(true),
            "False" => Some(false),
            _ => {
                let d = self
                    .whole_value(Code::InvalidBugBounty, line, field)
                    .with_detail(format!("`{value}` is neither `True` nor `False`"));
                self.out.push(d);
                None
            }
        };
        if self.fields.bug_bounty.is_none() {
            self.fields.bug_bounty = parsed;
        }
    }

    fn check_csaf(&mut self, line: &Line, field: &Field) {
        let value = self.doc.field_value(line, field);
        if self.repeated(FieldName::Csaf) {
            let d = self.at_name(Code::MultipleCsafFields, line, field);
            self.out.push(d);
        }
        let path = uri::parse(value).map_or(value, |u| u.path);
        if !path.ends_with("provider-metadata.json") {
            let d = self.whole_value(Code::NoCsafFile, line, field);
            self.out.push(d);
        }
    }

    /// Counts an occurrence of a field; true when it appeared before.
    fn repeated(&mut self, name: FieldName) -> bool {
        let seen = &mut self.seen[name as usize];
        *seen += 1;
        *seen > 1
    }

    fn unknown_field(&mut self, line: &Line, field: &Field) {
        let name = self.doc.field_name(line, field);
        let value = self.doc.field_value(line, field);
        self.fields.unknown.push(OtherField {
            name: name.to_owned(),
            value: value.to_owned(),
            line: line.number,
        });
        let d = if line.region == Region::Signed && name.eq_ignore_ascii_case("Hash") {
            self.at_name(Code::HashInSignedText, line, field)
        } else if name.eq_ignore_ascii_case("Signature") {
            self.at_name(Code::ObsoleteField, line, field).with_detail(
                "`Signature` pointed to a detached signature in drafts before draft-10",
            )
        } else if let Some(meant) = near_miss(name) {
            self.at_name(Code::MisspelledField, line, field)
                .with_detail(format!("did you mean `{}`?", meant.as_str()))
        } else {
            self.at_name(Code::UnknownField, line, field)
                .with_detail(format!("`{name}` is not a defined field"))
        };
        self.out.push(d);
    }

    fn whole_file(&mut self) {
        let f = &self.fields;
        let mut found = Vec::new();
        if f.contact.is_empty() {
            found.push(Diagnostic::file(Code::NoContact));
        }
        if f.expires.is_none() {
            found.push(Diagnostic::file(Code::NoExpire));
        }
        let has_email = f
            .contact
            .iter()
            .any(|c| uri::scheme(&c.uri).is_some_and(|s| s.eq_ignore_ascii_case("mailto")));
        if has_email && f.encryption.is_empty() {
            found.push(Diagnostic::file(Code::NoEncryption));
        }
        if self.doc.is_signed() {
            if f.canonical.is_empty() {
                found.push(Diagnostic::file(Code::NoCanonical));
            }
        } else {
            found.push(Diagnostic::file(Code::NotSigned));
        }
        found.extend(self.canonical_match());
        self.out.extend(found);
    }

    /// Compares Canonical with the requested and final URLs, after normalisation.
    fn canonical_match(&self) -> Option<Diagnostic> {
        let f = &self.fields;
        if f.canonical.is_empty() {
            return None;
        }
        let normal = |u: &str| uri::normalize(u).unwrap_or_else(|| u.to_owned());
        let listed: Vec<String> = f.canonical.iter().map(|c| normal(&c.uri)).collect();
        let requested = self.ctx.requested_url.as_deref();
        let final_url = self
            .ctx
            .final_url
            .as_deref()
            .filter(|u| Some(*u) != requested);
        let matches = |u: Option<&str>| u.map(|u| listed.contains(&normal(u)));
        match (matches(requested), matches(final_url)) {
            (None, None) => None,
            (Some(true), None) | (None, Some(true)) | (Some(true), Some(true)) => None,
            (Some(false), Some(true)) => Some(
                Diagnostic::file(Code::CanonicalPartialMatch).with_detail(format!(
                    "Canonical lists the final URL {} but not the requested URL {}",
                    final_url.unwrap_or_default(),
                    requested.unwrap_or_default()
                )),
            ),
            (Some(true), Some(false)) => Some(
                Diagnostic::file(Code::CanonicalPartialMatch).with_detail(format!(
                    "Canonical lists the requested URL {} but not the final URL {}",
                    requested.unwrap_or_default(),
                    final_url.unwrap_or_default()
                )),
            ),
            _ => {
                let urls: Vec<&str> = [requested, final_url].into_iter().flatten().collect();
                Some(
                    Diagnostic::file(Code::NoCanonicalMatch).with_detail(format!(
                        "the file was retrieved from {}, which Canonical does not list",
                        urls.join(" and ")
                    )),
                )
            }
        }
    }

    fn transport(&mut self) {
        let retrieved = self
            .ctx
            .final_url
            .as_deref()
            .or(self.ctx.requested_url.as_deref());
        if let Some(url) = retrieved
            && self.ctx.http.is_some()
            && uri::scheme(url).is_some_and(|s| s.eq_ignore_ascii_case("http"))
        {
            self.out.push(
                Diagnostic::file(Code::InvalidUriScheme)
                    .with_detail(format!("retrieved from {url}")),
            );
        }
        let Some(http) = &self.ctx.http else {
            return;
        };
        if http.legacy_location {
            self.out.push(Diagnostic::file(Code::Location));
        }
        let Some(content_type) = &http.content_type else {
            self.out.push(Diagnostic::file(Code::NoContentType));
            return;
        };
        let mut parts = content_type.split(';');
        let media = parts.next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("text/plain") {
            self.out.push(
                Diagnostic::file(Code::InvalidMedia).with_detail(format!("served as `{media}`")),
            );
        }
        let charset = parts.find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| v.trim().trim_matches('"').to_owned())
        });
        match charset {
            None => self.out.push(Diagnostic::file(Code::NoCharset)),
            Some(c) if c.eq_ignore_ascii_case("utf-8") || c.eq_ignore_ascii_case("csutf8") => {}
            Some(c) => self.out.push(
                Diagnostic::file(Code::InvalidCharset).with_detail(format!("charset is `{c}`")),
            ),
        }
    }
}

fn contact_kind(value: &str) -> ContactKind {
    match uri::scheme(value).map(str::to_ascii_lowercase).as_deref() {
        Some("mailto") => ContactKind::Email,
        Some("https" | "http") => ContactKind::Web,
        Some("tel") => ContactKind::Phone,
        None if value.contains('@') => ContactKind::Email,
        _ => ContactKind::Other,
    }
}

/// A template placeholder left in a published file: `{Contact URL}`, `<EMAIL>`, `DATE_EXP`,
/// `${EXPIRES}`, `%DATE%`.
fn is_placeholder(value: &str) -> bool {
    let wrapped = |open: &str, close: &str| {
        value.len() > open.len() + close.len() && value.starts_with(open) && value.ends_with(close)
    };
    let shouting = value.contains('_')
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && value.bytes().any(|b| b.is_ascii_uppercase());
    wrapped("{", "}")
        || wrapped("${", "}")
        || wrapped("%", "%")
        || wrapped("<", ">")
        || wrapped("[", "]")
        || shouting
}

/// Words a template uses to name the value that belongs in a placeholder.
const PLACEHOLDER_WORDS: &[&str] = &[
    "your",
    "domain",
    "email",
    "e-mail",
    "mail",
    "company",
    "organisation",
    "organization",
    "name",
    "url",
    "uri",
    "contact",
    "date",
    "insert",
    "here",
    "host",
    "site",
    "policy",
    "path",
    "example",
];

/// The placeholder a value is or holds: the whole value (`{Contact URL}`), or a bracketed part of
/// it (`mailto:security@[yourdomain].com`, `https://{domain}/security`).
fn placeholder_in(value: &str) -> Option<&str> {
    if is_placeholder(value) {
        return Some(value);
    }
    for (open, close) in [("${", "}"), ("{", "}"), ("[", "]"), ("<", ">"), ("%", "%")] {
        let mut from = 0;
        while let Some(start) = value[from..].find(open).map(|i| from + i) {
            let inner_start = start + open.len();
            let Some(end) = value[inner_start..].find(close).map(|i| inner_start + i) else {
                break;
            };
            let inner = &value[inner_start..end];
            let wordy = inner
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'))
                && inner.chars().any(|c| c.is_alphabetic());
            // A placeholder names what belongs there, shouts, or is a phrase; `[2001:db8::1]` is
            // an address, `%20` an escape, and `<bus>+<iness>` someone hiding an address.
            let lower = inner.to_lowercase();
            let names_a_value = PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w));
            let shouting = inner.chars().any(|c| c.is_ascii_uppercase())
                && !inner.chars().any(|c| c.is_lowercase());
            if wordy
                && inner.len() >= 2
                && (names_a_value || shouting || inner.contains(' '))
                && inner.parse::<std::net::IpAddr>().is_err()
            {
                return Some(&value[start..end + close.len()]);
            }
            from = end + close.len();
        }
    }
    None
}

/// Domains reserved for documentation (RFC 2606 §3: example.com, .net, .org) and top-level
/// domains that reach nobody (RFC 2606 §2 and RFC 6761: .example, .invalid, .localhost).
/// `.test`, reserved for testing, is left alone: test worlds such as disclose's lab use it.
fn reserved_for_documentation(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    let under = |suffix: &str| d == suffix || d.ends_with(&format!(".{suffix}"));
    [
        "example.com",
        "example.net",
        "example.org",
        "example",
        "invalid",
        "localhost",
    ]
    .iter()
    .any(|s| under(s))
}

fn placeholder_note(value: &str) -> String {
    format!("`{value}` looks like a template placeholder that was never filled in")
}

/// The URI a scheme-less value probably meant: an e-mail address, a phone number or a web page.
fn uri_suggestion(value: &str) -> Option<String> {
    let unwrapped =
        value.trim_matches(|c| matches!(c, '\'' | '"' | '<' | '>' | '[' | ']' | '(' | ')'));
    if unwrapped.len() < value.len() && uri::parse(unwrapped).is_ok() {
        return Some(unwrapped.to_owned());
    }
    if value.contains(char::is_whitespace) && !value.starts_with('+') {
        return None;
    }
    if value.contains('@') {
        return Some(format!("mailto:{value}"));
    }
    let phone: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if phone.starts_with('+')
        && phone.len() > 4
        && phone
            .chars()
            .skip(1)
            .all(|c| c.is_ascii_digit() || "-.()".contains(c))
    {
        return Some(format!("tel:{phone}"));
    }
    if value.contains('.') && !value.contains(char::is_whitespace) {
        return Some(format!("https://{}", value.trim_start_matches("//")));
    }
    None
}

/// The defined field an unknown name is probably a misspelling of.
pub fn near_miss(name: &str) -> Option<FieldName> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = squash(name);
    if wanted.len() > 40 {
        return None;
    }
    FieldName::ALL
        .into_iter()
        .map(|f| (f, edit_distance(&wanted, &squash(f.as_str()))))
        .filter(|&(f, d)| d <= if f.as_str().len() <= 6 { 1 } else { 2 })
        .min_by_key(|&(_, d)| d)
        .map(|(f, _)| f)
}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_name_the_intended_field() {
        assert_eq!(
            near_miss("Acknowledgements"),
            Some(FieldName::Acknowledgments)
        );
        assert_eq!(
            near_miss("Acknowledgement"),
            Some(FieldName::Acknowledgments)
        );
        assert_eq!(near_miss("Contacts"), Some(FieldName::Contact));
        assert_eq!(near_miss("Encyption"), Some(FieldName::Encryption));
        assert_eq!(
            near_miss("Prefered-Languages"),
            Some(FieldName::PreferredLanguages)
        );
        assert_eq!(
            near_miss("PreferredLanguages"),
            Some(FieldName::PreferredLanguages)
        );
        assert_eq!(near_miss("OpenBugBounty"), None);
        assert_eq!(near_miss("Last-Updated"), None);
        assert_eq!(near_miss("Hash"), None);
    }

    #[test]
    fn finds_placeholders_inside_values_and_not_in_real_uris() {
        for (v, p) in [
            ("mailto:security@[yourdomain].com", "[yourdomain]"),
            ("https://{domain}/security-policy", "{domain}"),
            ("mailto:<EMAIL>", "<EMAIL>"),
            ("https://example.org/%POLICY_PATH%", "%POLICY_PATH%"),
            ("{Contact URL 1}", "{Contact URL 1}"),
        ] {
            assert_eq!(placeholder_in(v), Some(p), "{v}");
        }
        for v in [
            "https://[2001:db8::1]/security.txt",
            "https://example.org/our%20policy",
            "mailto:security@example.org",
            "https://example.org/a{1}",
        ] {
            assert_eq!(placeholder_in(v), None, "{v}");
        }
        assert!(reserved_for_documentation("Example.COM"));
        assert!(reserved_for_documentation("mail.example.org."));
        assert!(reserved_for_documentation("corp.invalid"));
        assert!(!reserved_for_documentation("example.test"));
        assert!(!reserved_for_documentation("myexample.com"));
    }

    #[test]
    fn recognises_template_placeholders() {
        for v in [
            "{Contact URL 1}",
            "DATE_EXP",
            "${EXPIRES}",
            "%EXPIRY%",
            "<your email>",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
        for v in [
            "security@example.com",
            "en",
            "SHA256",
            "2026-01-01T00:00:00Z",
            "<>",
        ] {
            assert!(!is_placeholder(v), "{v}");
        }
    }

    #[test]
    fn suggests_uris_for_bare_values() {
        assert_eq!(
            uri_suggestion("security@example.com").unwrap(),
            "mailto:security@example.com"
        );
        assert_eq!(
            uri_suggestion("+31 20 123 4567").unwrap(),
            "tel:+31201234567"
        );
        assert_eq!(
            uri_suggestion("example.com/security").unwrap(),
            "https://example.com/security"
        );
        assert_eq!(uri_suggestion("call us"), None);
        assert_eq!(
            uri_suggestion("'https://example.com/'").unwrap(),
            "https://example.com/"
        );
        assert_eq!(
            uri_suggestion("<mailto:a@example.com>").unwrap(),
            "mailto:a@example.com"
        );
    }
}
