//! The diagnostic catalogue: every finding disclose can report about a security.txt file, in one
//! table. Each entry has a stable snake_case code, a level, the requirement it enforces, a one-line
//! message, a fix hint and a short explanation. Codes that the Dutch `sectxt` validator (and so
//! internet.nl) also reports keep its exact name and meaning; the rest are ours.
//!
//! `disclose explain` prints entries and `docs/diagnostics.md` is rendered from this table.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// How serious a finding is, with the meaning sectxt and internet.nl give these levels: an error
/// makes the file invalid, a recommendation and a notification do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Error,
    Recommendation,
    Notification,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Recommendation => "recommendation",
            Level::Notification => "notification",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that `{:<14}` aligns a level in a column.
        f.pad(self.as_str())
    }
}

/// Which part of the file or its delivery a finding is about; used to group the documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Encoding,
    Syntax,
    Fields,
    Signature,
    Transport,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::Encoding,
        Group::Syntax,
        Group::Fields,
        Group::Signature,
        Group::Transport,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::Encoding => "Encoding, line endings and size",
            Group::Syntax => "Line syntax",
            Group::Fields => "Fields and their values",
            Group::Signature => "OpenPGP signature envelope",
            Group::Transport => "How the file was served",
        }
    }
}

/// One catalogue entry.
#[derive(Debug)]
pub struct Entry {
    pub code: &'static str,
    pub level: Level,
    pub group: Group,
    /// The requirement enforced, e.g. "RFC 9116 §2.5.5".
    pub reference: &'static str,
    /// One line saying what is wrong, for any instance of the finding.
    pub message: &'static str,
    /// One line saying how to fix it.
    pub hint: &'static str,
    /// Why this matters, and where the rule comes from.
    pub explanation: &'static str,
    /// True when sectxt 0.9.8 reports the same condition under the same code.
    pub sectxt: bool,
}

macro_rules! catalogue {
    ($(
        $variant:ident {
            code: $code:literal,
            level: $level:ident,
            group: $group:ident,
            reference: $reference:literal,
            message: $message:literal,
            hint: $hint:literal,
            sectxt: $sectxt:literal,
            explanation: $explanation:literal $(,)?
        }
    ),* $(,)?) => {
        /// A diagnostic code. The serialised form is the stable snake_case name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn entry(self) -> &'static Entry {
                match self {
                    $(Code::$variant => &Entry {
                        code: $code,
                        level: Level::$level,
                        group: Group::$group,
                        reference: $reference,
                        message: $message,
                        hint: $hint,
                        explanation: $explanation,
                        sectxt: $sectxt,
                    }),*
                }
            }
        }
    };
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.entry().code
    }

    pub fn level(self) -> Level {
        self.entry().level
    }

    /// Looks a code up by its snake_case name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// Looks a code up as people type it: any case, `-` or a space for `_` (`NO-EXPIRE`).
    pub fn from_name_loose(name: &str) -> Option<Code> {
        Code::from_name(&normalise(name))
    }

    /// The codes that best match `query` by name or meaning, best first, at most `limit`: a
    /// code whose name holds the query, then codes whose name, message or explanation hold its
    /// words, then names within a small edit distance.
    pub fn search(query: &str, limit: usize) -> Vec<Code> {
        let query = normalise(query);
        let words: Vec<&str> = query.split('_').filter(|w| w.len() > 1).collect();
        let mut scored: Vec<(usize, Code)> = Code::ALL
            .iter()
            .map(|&code| {
                let e = code.entry();
                let mut score = 0;
                if !query.is_empty() && e.code.contains(query.as_str()) {
                    score += 100;
                }
                let message = e.message.to_ascii_lowercase();
                let explanation = e.explanation.to_ascii_lowercase();
                for w in &words {
                    if e.code.split('_').any(|part| part.starts_with(w)) {
                        score += 20;
                    }
                    if message.contains(w) {
                        score += 8;
                    }
                    if explanation.contains(w) || e.hint.to_ascii_lowercase().contains(w) {
                        score += 2;
                    }
                }
                let distance = crate::format::validate::edit_distance(&query, e.code);
                if distance <= 3 {
                    score += 40 - 10 * distance;
                }
                (score, code)
            })
            .filter(|(score, _)| *score > 0)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().take(limit).map(|(_, c)| c).collect()
    }
}

/// A code name as typed, made comparable: lower case, `_` for `-` and spaces.
fn normalise(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        let name = String::deserialize(d)?;
        Code::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code `{name}`")))
    }
}

catalogue! {
    // ---- Encoding, line endings and size --------------------------------------------------
    BomInFile {
        code: "bom_in_file", level: Error, group: Encoding, reference: "RFC 9116 §4 (RFC 5198)",
        message: "the file starts with a UTF-8 byte order mark (BOM)",
        hint: "save the file as UTF-8 without a BOM",
        sectxt: true,
        explanation: "security.txt must be UTF-8 in Net-Unicode form (RFC 5198), which has no byte order mark. A BOM makes strict parsers see the first field name as garbage; disclose strips it and reads on.",
    },
    Utf8 {
        code: "utf8", level: Error, group: Encoding, reference: "RFC 9116 §4",
        message: "the file is not valid UTF-8",
        hint: "save the file as UTF-8; the invalid bytes are shown as U+FFFD",
        sectxt: true,
        explanation: "The file must be UTF-8. disclose decodes invalid bytes as the replacement character and reads on, and reports the first line that holds one.",
    },
    NoLineSeparators {
        code: "no_line_separators", level: Error, group: Encoding, reference: "RFC 9116 §2.2, §4",
        message: "the last line does not end with a line break",
        hint: "end every line, the last one included, with LF or CRLF",
        sectxt: true,
        explanation: "Every line, including the last, must end with CRLF or LF. Files saved without a final newline are common; parsers that follow the grammar reject the last line.",
    },
    LoneCr {
        code: "lone_cr", level: Error, group: Encoding, reference: "RFC 9116 §2.2",
        message: "a line ends with a carriage return alone (old Mac line ending)",
        hint: "end lines with LF or CRLF",
        sectxt: false,
        explanation: "Only CRLF and LF are line separators. disclose treats a lone CR as a line break so it can read on, and reports the first line where it happens with the count.",
    },
    ControlChar {
        code: "control_char", level: Error, group: Encoding, reference: "RFC 9116 §2.1, §4",
        message: "the line contains a control character",
        hint: "remove the character; only tab, printable characters and line breaks may appear",
        sectxt: false,
        explanation: "Field values (RFC 5322 unstructured text) and comments allow only tab, space and printable characters. Control characters such as NUL, BEL or ESC are invalid, and can be used to attack terminals that show the file.",
    },
    FileTooLarge {
        code: "file_too_large", level: Error, group: Encoding, reference: "RFC 9116 §5.4",
        message: "the file is larger than 32 KiB",
        hint: "shorten the file: move long prose to the page named in Policy",
        sectxt: false,
        explanation: "RFC 9116 lets parsers refuse files larger than 32 KiB, so a larger file may not be read at all; disclose's crawler refuses it by default. A local check still reads it, to show everything else.",
    },
    TooManyLines {
        code: "too_many_lines", level: Error, group: Encoding, reference: "RFC 9116 §5.4",
        message: "the file has more than 1,000 lines",
        hint: "shorten the file to at most 1,000 lines",
        sectxt: false,
        explanation: "RFC 9116 lets parsers refuse files with more than 1,000 lines.",
    },
    FieldTooLong {
        code: "field_too_long", level: Error, group: Encoding, reference: "RFC 9116 §5.4",
        message: "the field is longer than 2,048 characters",
        hint: "shorten the value; put long text behind a URI",
        sectxt: false,
        explanation: "RFC 9116 lets parsers refuse fields longer than 2,048 characters.",
    },
    TooManyFindings {
        code: "too_many_findings", level: Notification, group: Encoding, reference: "RFC 9116 §5.4",
        message: "the file has more findings or values than disclose keeps; the rest are counted, not listed",
        hint: "fix the findings listed; the same mistake usually explains the ones left out",
        sectxt: false,
        explanation: "So that no file can make a report (or a crawl's Record) grow without bound, disclose keeps at most 20 findings of one code and 200 in all (errors first, so the verdict stands), at most 100 values of one field, and 300 characters of a finding's detail. This finding says how many of each code were left out and on which lines.",
    },
    HtmlDocument {
        code: "html_document", level: Error, group: Encoding, reference: "RFC 9116 §3, §4",
        message: "the file is an HTML page, not a security.txt file",
        hint: "serve a plain-text file in security.txt format; an HTML redirect page does not count",
        sectxt: false,
        explanation: "Web servers often answer every path with an HTML page (a soft 404) or serve an HTML redirect page. disclose reports that once instead of a line-by-line flood of syntax errors, and reads no fields from it.",
    },

    // ---- Line syntax ----------------------------------------------------------------------
    InvalidLine {
        code: "invalid_line", level: Error, group: Syntax, reference: "RFC 9116 §4",
        message: "the line is not a field, a comment or a blank line",
        hint: "write fields as `Name: value` and start comments with `#`",
        sectxt: true,
        explanation: "Every line must be a field (`Name: value`), a comment starting with `#`, or empty. This line has no colon and is not a comment.",
    },
    PrecWs {
        code: "prec_ws", level: Error, group: Syntax, reference: "RFC 9116 §4 (RFC 5322 §3.6.8)",
        message: "there is whitespace between the field name and the colon",
        hint: "remove the whitespace before the colon: `Contact: …`",
        sectxt: true,
        explanation: "A field name is followed directly by a colon. disclose still reads the field.",
    },
    NoSpace {
        code: "no_space", level: Error, group: Syntax, reference: "RFC 9116 §4",
        message: "the colon is not followed by a single space",
        hint: "put exactly one space after the colon: `Contact: mailto:…`",
        sectxt: true,
        explanation: "The grammar requires one space (not a tab, not nothing) between the colon and the value. disclose still reads the field.",
    },
    EmptyKey {
        code: "empty_key", level: Error, group: Syntax, reference: "RFC 9116 §2, §4",
        message: "the line has a colon but no field name before it",
        hint: "write the field name before the colon, or start the line with `#` to make it a comment",
        sectxt: true,
        explanation: "A field must have a name.",
    },
    EmptyValue {
        code: "empty_value", level: Error, group: Syntax, reference: "RFC 9116 §2",
        message: "the field has no value",
        hint: "give the field a value or remove the line",
        sectxt: true,
        explanation: "A field must always consist of a name and a value. Template files often leave fields such as `Encryption:` empty.",
    },
    LeadingWhitespace {
        code: "leading_whitespace", level: Error, group: Syntax, reference: "RFC 9116 §4",
        message: "the line starts with whitespace",
        hint: "remove the indentation",
        sectxt: false,
        explanation: "Field names and comments start at the beginning of the line; an indented line matches no rule of the grammar. disclose still reads the field, so that one indented line does not also cause a missing Contact or Expires; sectxt instead reports an unknown field.",
    },
    InvalidFieldName {
        code: "invalid_field_name", level: Error, group: Syntax, reference: "RFC 9116 §4 (RFC 5322 §3.6.8)",
        message: "the field name contains characters a field name cannot have",
        hint: "field names are printable ASCII without spaces, e.g. `Contact`, `Preferred-Languages`",
        sectxt: false,
        explanation: "A field name is one or more printable ASCII characters other than the colon: no spaces and no non-ASCII letters. A line like `Security policy: …` is therefore not a field.",
    },
    HtmlComment {
        code: "html_comment", level: Error, group: Syntax, reference: "RFC 9116 §2.1",
        message: "HTML comment syntax (`<!-- … -->`) is not a comment in security.txt",
        hint: "start comment lines with `#` instead",
        sectxt: false,
        explanation: "Only lines starting with `#` are comments. A field wrapped in `<!-- … -->` is neither a comment nor a field, and parsers disagree on what it means.",
    },

    // ---- Fields and their values ----------------------------------------------------------
    NoContact {
        code: "no_contact", level: Error, group: Fields, reference: "RFC 9116 §2.5.3",
        message: "the file has no Contact field",
        hint: "add at least one line like `Contact: mailto:security@example.com`",
        sectxt: true,
        explanation: "Contact is the one field a security.txt file exists for, and it must be present at least once. In a signed file only the signed text counts.",
    },
    NoExpire {
        code: "no_expire", level: Error, group: Fields, reference: "RFC 9116 §2.5.5",
        message: "the file has no Expires field",
        hint: "add a line like `Expires: 2027-01-01T00:00:00Z`, less than a year ahead",
        sectxt: true,
        explanation: "Expires must be present exactly once, so that stale files can be recognised. Files written for the early drafts often lack it.",
    },
    MultiExpire {
        code: "multi_expire", level: Error, group: Fields, reference: "RFC 9116 §2.5.5",
        message: "the Expires field appears more than once",
        hint: "keep a single Expires line",
        sectxt: true,
        explanation: "Expires must not appear more than once. The finding points at each extra occurrence.",
    },
    InvalidExpiry {
        code: "invalid_expiry", level: Error, group: Fields, reference: "RFC 9116 §2.5.5 (RFC 3339 §5.6)",
        message: "the Expires value is not an RFC 3339 date-time",
        hint: "write the date and time with an offset, like `2027-01-01T00:00:00Z`",
        sectxt: true,
        explanation: "Expires must be an RFC 3339 `date-time`: date, `T`, time with seconds, and `Z` or a numeric offset. Date-only values, missing seconds, missing offsets, `GMT` and the RFC 5322 dates of the early drafts are all invalid; the finding says which rule the value breaks. Unlike sectxt, disclose does not crash on huge numbers or a `+24:00` offset.",
    },
    Expired {
        code: "expired", level: Error, group: Fields, reference: "RFC 9116 §2.5.5, §5.3",
        message: "the Expires date has passed",
        hint: "update the file's contents and set Expires to a date less than a year ahead",
        sectxt: true,
        explanation: "After the Expires date the contents are stale and should not be used. Following sectxt and internet.nl, an expired file is an error.",
    },
    LongExpiry {
        code: "long_expiry", level: Recommendation, group: Fields, reference: "RFC 9116 §2.5.5",
        message: "the Expires date is more than a year ahead",
        hint: "set Expires to less than a year ahead and renew the file regularly",
        sectxt: true,
        explanation: "It is recommended that Expires is less than a year in the future, so that forgotten files go stale.",
    },
    ExpiresSoon {
        code: "expires_soon", level: Notification, group: Fields, reference: "RFC 9116 §5.3",
        message: "the Expires date is less than 30 days ahead",
        hint: "renew the file before it expires",
        sectxt: false,
        explanation: "The file is still valid, but will be stale within a month.",
    },
    InvalidLang {
        code: "invalid_lang", level: Error, group: Fields, reference: "RFC 9116 §2.5.8 (RFC 5646)",
        message: "a Preferred-Languages entry is not a well-formed language tag",
        hint: "use comma-separated RFC 5646 tags, like `en, nl`",
        sectxt: true,
        explanation: "Preferred-Languages is a comma-separated list of language tags, well-formed as RFC 5646 §2.1 defines them: `en_US` uses the wrong separator, `en de` is two tags without a comma, a subtag has 1 to 8 letters or digits. A well-formed tag with a subtag the IANA registry does not have is `unregistered_lang`, a recommendation.",
    },
    UnregisteredLang {
        code: "unregistered_lang", level: Recommendation, group: Fields, reference: "RFC 9116 §2.5.8 (RFC 5646 §2.2.9)",
        message: "a Preferred-Languages tag is well-formed but names a subtag the IANA registry does not have",
        hint: "use the registered subtag, like `cs` for Czech (`cz` is the country)",
        sectxt: false,
        explanation: "RFC 9116 asks for well-formed tags (RFC 5646 §2.1); whether each subtag is registered is RFC 5646's stricter \"valid\" (§2.2.9). A reader can still use the tag, but it probably does not say what was meant: `cz` and `ua` are country codes (Czech is `cs`, Ukrainian `uk`), `english` is not a subtag (`en`). Checked against the IANA Language Subtag Registry of 2024-05-16. sectxt reports none of these.",
    },
    MultiLang {
        code: "multi_lang", level: Error, group: Fields, reference: "RFC 9116 §2.5.8",
        message: "the Preferred-Languages field appears more than once",
        hint: "list all languages in one field: `Preferred-Languages: en, nl`",
        sectxt: true,
        explanation: "Preferred-Languages must not appear more than once.",
    },
    NoUri {
        code: "no_uri", level: Error, group: Fields, reference: "RFC 9116 §2.5.3, §4 (RFC 3986)",
        message: "the value is not a URI: it has no scheme",
        hint: "start the value with a scheme: `mailto:` for e-mail, `tel:` for phone, `https://` for web",
        sectxt: true,
        explanation: "Contact, Encryption, Policy, Acknowledgments, Canonical, Hiring and CSAF take URIs. A bare e-mail address or phone number is the most common mistake; the finding proposes the URI.",
    },
    InvalidUri {
        code: "invalid_uri", level: Error, group: Fields, reference: "RFC 9116 §4 (RFC 3986)",
        message: "the value is not a valid URI",
        hint: "percent-encode characters that a URI cannot contain, such as spaces",
        sectxt: false,
        explanation: "The value has a scheme but breaks the URI syntax of RFC 3986: a space, a backslash, a non-ASCII character, a bad percent-escape, an empty host, a non-numeric port. sectxt only checks for a scheme.",
    },
    TemplatePlaceholder {
        code: "template_placeholder", level: Error, group: Fields, reference: "RFC 9116 §2.5",
        message: "the value is a template placeholder that was never filled in",
        hint: "replace the placeholder with the real value, e.g. `mailto:security@your-organisation.example`",
        sectxt: false,
        explanation: "Generators and examples write `{Contact URL}`, `[yourdomain]`, `<EMAIL>` or `DATE_EXP` where the real value belongs; a file published with them has no usable value there. sectxt reports them as the field's generic syntax error (`no_uri`, `invalid_uri`, `invalid_expiry`, `invalid_lang`), whose advice does not fit.",
    },
    ExampleDomain {
        code: "example_domain", level: Error, group: Fields, reference: "RFC 9116 §2.5 (RFC 2606, RFC 6761)",
        message: "the value points to a domain reserved for documentation",
        hint: "use your organisation's own domain",
        sectxt: false,
        explanation: "example.com, example.net, example.org and the top-level domains .example, .invalid and .localhost are reserved (RFC 2606 §2–3, RFC 6761 §6) and reach nobody: a file that names them was copied from an example and never finished. A contact there cannot be used.",
    },
    Openpgp4fprKeyId {
        code: "openpgp4fpr_key_id", level: Recommendation, group: Fields, reference: "RFC 9116 §2.5.4 (RFC 9580 §5.5.4)",
        message: "an `openpgp4fpr:` URI holds a 16-digit key ID, not a fingerprint",
        hint: "give the key's full fingerprint, e.g. `openpgp4fpr:` followed by 40 hexadecimal digits",
        sectxt: false,
        explanation: "The value is a valid URI, which is all RFC 9116 §2.5.4 requires of Encryption. But a 16-digit key ID is not a fingerprint (40 digits for a version 4 key, 64 for version 6): key IDs collide, and keyservers will not look one up by it safely.",
    },
    NoHttps {
        code: "no_https", level: Error, group: Fields, reference: "RFC 9116 §2.5",
        message: "a web URI must use https",
        hint: "change `http://` to `https://`",
        sectxt: true,
        explanation: "Every field that holds a web URI requires it to begin with `https://`.",
    },
    UnexpectedScheme {
        code: "unexpected_scheme", level: Recommendation, group: Fields, reference: "RFC 9116 §2.5",
        message: "the URI scheme is not one this field is meant for",
        hint: "Contact takes mailto:, tel: or https:; Encryption takes https:, dns: or openpgp4fpr:; other fields take https:",
        sectxt: false,
        explanation: "RFC 9116 describes Contact as an e-mail address, a phone number or a web page, Encryption as a key location (https, DNS OPENPGPKEY, a fingerprint), and the other URI fields as web pages. Other schemes are not forbidden, but notification tools cannot use them, and a mistyped scheme such as `httpd://` ends up here.",
    },
    InvalidEmail {
        code: "invalid_email", level: Error, group: Fields, reference: "RFC 9116 §2.5.3 (RFC 6068)",
        message: "the mailto: URI does not hold a valid e-mail address",
        hint: "write `mailto:` followed by a complete address, like `mailto:security@example.com`",
        sectxt: false,
        explanation: "A mailto: URI needs at least one address with a local part, an `@` and a domain name.",
    },
    InvalidTel {
        code: "invalid_tel", level: Error, group: Fields, reference: "RFC 9116 §2.5.3 (RFC 3966)",
        message: "the tel: URI is not a valid telephone number",
        hint: "write the number in international form without spaces, like `tel:+31-70-123-4567`",
        sectxt: false,
        explanation: "A tel: URI holds a global number (`+`, country code, digits, with `-`, `.` or parentheses as visual separators) or a local number with a `phone-context` parameter. Spaces are not allowed in a URI.",
    },
    InlineKey {
        code: "inline_key", level: Error, group: Fields, reference: "RFC 9116 §2.5.4",
        message: "the file contains key material itself instead of a URI to the key",
        hint: "publish the key at an https URI (or in DNS) and put that URI in Encryption",
        sectxt: false,
        explanation: "Keys must not appear in Encryption; its value must point to where the key can be retrieved. A `data:` URI or an armoured key block pasted into the file breaks that rule.",
    },
    ChainedValues {
        code: "chained_values", level: Error, group: Fields, reference: "RFC 9116 §2",
        message: "several values are chained in one field",
        hint: "put each value on its own line, repeating the field name",
        sectxt: false,
        explanation: "Multiple values must not be chained into one field unless the field allows it (only Preferred-Languages does). Repeat the field instead: one `Contact:` line per contact.",
    },
    NoEncryption {
        code: "no_encryption", level: Recommendation, group: Fields, reference: "RFC 9116 §2.5.3, §2.5.4",
        message: "there is an e-mail Contact but no Encryption field",
        hint: "add `Encryption:` with the URI of an OpenPGP key, so reports can be sent encrypted",
        sectxt: true,
        explanation: "Encryption is recommended when Contact is an e-mail address.",
    },
    NoCanonicalMatch {
        code: "no_canonical_match", level: Error, group: Fields, reference: "RFC 9116 §2.5.2",
        message: "none of the Canonical URIs is the URL the file was retrieved from",
        hint: "list every URL the file is served from in Canonical, or remove the copied file",
        sectxt: true,
        explanation: "If Canonical is present and the retrieval URL is not among its values, the contents should not be trusted: the file was probably copied from another site. disclose compares both the requested URL and the final URL after redirects, normalised as RFC 3986 §6.2.2 allows (case of scheme and host, default port, percent-escapes).",
    },
    CanonicalPartialMatch {
        code: "canonical_partial_match", level: Notification, group: Fields, reference: "RFC 9116 §2.5.2",
        message: "Canonical lists only one of the requested URL and the final URL after redirects",
        hint: "list both URLs in Canonical if both should be authoritative",
        sectxt: false,
        explanation: "RFC 9116 leaves open which URL Canonical must match after a redirect. disclose accepts either, and says which one matched.",
    },
    NoCsafFile {
        code: "no_csaf_file", level: Error, group: Fields, reference: "CSAF 2.0 §7.1.8 (Requirement 8)",
        message: "the CSAF URI does not point to a provider-metadata.json file",
        hint: "point CSAF to your provider-metadata.json, e.g. https://example.com/.well-known/csaf/provider-metadata.json",
        sectxt: true,
        explanation: "The CSAF field names the CSAF provider metadata file, which is called `provider-metadata.json`, not an advisory or an index.",
    },
    MultipleCsafFields {
        code: "multiple_csaf_fields", level: Recommendation, group: Fields, reference: "CSAF 2.0 §7.1.8 (Requirement 8)",
        message: "the CSAF field appears more than once",
        hint: "keep a single CSAF field",
        sectxt: true,
        explanation: "CSAF 2.0 says several CSAF fields should not be used.",
    },
    InvalidBugBounty {
        code: "invalid_bug_bounty", level: Error, group: Fields, reference: "IANA security.txt Fields registry (Bug-Bounty)",
        message: "the Bug-Bounty value must be `True` or `False`",
        hint: "write `Bug-Bounty: True` or `Bug-Bounty: False`",
        sectxt: false,
        explanation: "Bug-Bounty, registered with IANA, says whether the organisation pays bounties; its only values are `True` and `False`.",
    },
    MultiBugBounty {
        code: "multi_bug_bounty", level: Error, group: Fields, reference: "IANA security.txt Fields registry (Bug-Bounty)",
        message: "the Bug-Bounty field appears more than once",
        hint: "keep a single Bug-Bounty line",
        sectxt: false,
        explanation: "The registry allows Bug-Bounty at most once.",
    },
    UnknownField {
        code: "unknown_field", level: Notification, group: Fields, reference: "RFC 9116 §2.4",
        message: "the field is not defined by RFC 9116 or registered with IANA",
        hint: "check the spelling; researchers ignore unknown fields",
        sectxt: true,
        explanation: "Unknown fields are allowed and must be ignored by readers, so this is only a notice. Unlike sectxt, disclose knows the IANA-registered Bug-Bounty field.",
    },
    MisspelledField {
        code: "misspelled_field", level: Recommendation, group: Fields, reference: "RFC 9116 §2.4, §2.5",
        message: "the field name looks like a misspelling of a defined field",
        hint: "use the defined spelling; readers ignore the misspelled field",
        sectxt: false,
        explanation: "A near miss such as `Acknowledgements`, `Contacts` or `Prefered-Languages` is an unknown field that every reader ignores, so what it says is lost. The finding names the field it probably meant.",
    },
    ObsoleteField {
        code: "obsolete_field", level: Notification, group: Fields, reference: "RFC 9116 §2.3, §2.4",
        message: "the field was used in early drafts of security.txt and is not part of RFC 9116",
        hint: "remove it; sign the file itself with an OpenPGP cleartext signature instead",
        sectxt: false,
        explanation: "`Signature:` pointed to a detached signature in the drafts before draft-10. RFC 9116 replaced it with an inline OpenPGP cleartext signature; readers ignore the field.",
    },

    // ---- OpenPGP signature envelope -------------------------------------------------------
    NotSigned {
        code: "not_signed", level: Recommendation, group: Signature, reference: "RFC 9116 §2.3",
        message: "the file is not signed",
        hint: "sign the file with an OpenPGP cleartext signature (`gpg --clearsign`)",
        sectxt: true,
        explanation: "A cleartext signature lets readers check that the file was not tampered with.",
    },
    NoCanonical {
        code: "no_canonical", level: Recommendation, group: Signature, reference: "RFC 9116 §2.3",
        message: "the file is signed but has no Canonical field",
        hint: "add `Canonical:` with the URL(s) the file is served from, then sign again",
        sectxt: true,
        explanation: "Without Canonical, a signed file copied to another site is still validly signed; Canonical tells readers where it belongs.",
    },
    SignedFormatIssue {
        code: "signed_format_issue", level: Error, group: Signature, reference: "RFC 9116 §4 (RFC 9580 §7)",
        message: "the signed-message header is not on the first line",
        hint: "remove everything before `-----BEGIN PGP SIGNED MESSAGE-----`",
        sectxt: true,
        explanation: "A signed file starts with the cleartext header. Text before it is not covered by the signature; disclose does not read fields from it.",
    },
    DataAfterSig {
        code: "data_after_sig", level: Error, group: Signature, reference: "RFC 9116 §4",
        message: "there is text after the end of the signature",
        hint: "remove it, or move it inside the signed text and sign again",
        sectxt: true,
        explanation: "Anything after `-----END PGP SIGNATURE-----` is not signed. disclose reports each such line, lists its fields as unsigned, and never uses them as contacts of the file.",
    },
    TooManyLineSeparators {
        code: "too_many_line_separators", level: Error, group: Signature, reference: "RFC 9116 §4",
        message: "the signed file ends with blank lines after the signature",
        hint: "end the file right after `-----END PGP SIGNATURE-----` and one line break",
        sectxt: true,
        explanation: "The grammar ends a signed file with the armour tail line.",
    },
    PgpDataError {
        code: "pgp_data_error", level: Error, group: Signature, reference: "RFC 9116 §2.3 (RFC 9580 §6, §7)",
        message: "the OpenPGP cleartext structure is broken",
        hint: "sign the file again with `gpg --clearsign` and publish the output unchanged",
        sectxt: true,
        explanation: "The ASCII armour is wrong: a missing signature block or END line, a missing blank line after the armour headers, an unknown hash algorithm, a signed line starting with `-` that is not dash-escaped, a signature block without a signed message, or signature data that is not base64. A common cause of the last is quoted-printable encoding by a mail client or CMS (`=3D` where `=` belongs); the finding says so when it sees it.",
    },
    PgpError {
        code: "pgp_error", level: Error, group: Signature, reference: "RFC 9116 §2.3 (RFC 9580 §6)",
        message: "the signature block cannot be decoded",
        hint: "sign the file again and publish the armoured output byte for byte",
        sectxt: true,
        explanation: "The armour is base64, but its CRC-24 checksum does not match the data, or the data is not OpenPGP packets: the block was damaged after signing.",
    },
    PgpSignatureError {
        code: "pgp_signature_error", level: Error, group: Signature, reference: "RFC 9116 §2.3 (RFC 9580 §5.2)",
        message: "the signature block does not hold a well-formed signature",
        hint: "sign the file again with `gpg --clearsign`",
        sectxt: true,
        explanation: "The armour decodes into OpenPGP packets, but they are not well-formed signatures: a packet of another kind, a truncated signature, or no signature at all.",
    },
    HashHeaderMismatch {
        code: "hash_header_mismatch", level: Error, group: Signature, reference: "RFC 9116 §4 (RFC 9580 §7.1, RFC 4880 §7)",
        message: "the `Hash:` armour header does not name the hash algorithm the signature uses",
        hint: "sign the file again with `gpg --clearsign` and publish the output unchanged, `Hash:` line included",
        sectxt: false,
        explanation: "RFC 9116's grammar requires one or more `Hash:` headers after `-----BEGIN PGP SIGNED MESSAGE-----`, naming the signature's hash algorithm; without one, OpenPGP (RFC 4880 §7) means MD5. When they disagree, GnuPG reports a \"signature digest conflict\" and refuses to check the signature, as OpenPGP.js does; disclose gives the verdict `malformed` likewise, whatever the key says.",
    },
    MultipleSignatures {
        code: "multiple_signatures", level: Notification, group: Signature, reference: "RFC 9580 §7",
        message: "the signature block holds more than one signature",
        hint: "nothing to fix if each signer is intended; a reader needs only one signer's key",
        sectxt: false,
        explanation: "A cleartext signature may carry several signatures, for instance by two team members. The finding names each issuer.",
    },
    BadSignature {
        code: "bad_signature", level: Error, group: Signature, reference: "RFC 9116 §2.3, §5.1",
        message: "the signature does not match the signed text: the file was changed after signing",
        hint: "sign the file again after editing it, and publish exactly what was signed",
        sectxt: false,
        explanation: "A key named by the signature was found, and the signature does not verify over the signed text. Either the file was edited after signing, or it is not what its owner published. Its contents should not be trusted. sectxt does not verify signatures and reports such a file as valid.",
    },
    SigningKeyNotFound {
        code: "signing_key_not_found", level: Notification, group: Signature, reference: "RFC 9116 §2.3",
        message: "no key named by the signature could be found, so it could not be verified",
        hint: "publish the signing key where readers look: an https URL or dns: name in Encryption, or your Web Key Directory",
        sectxt: false,
        explanation: "disclose looks for the key in the keyring you give (`--keyring`), at the file's Encryption URIs (https, dns: OPENPGPKEY, openpgp4fpr: with `--keyserver`) and in the Web Key Directory of its e-mail contacts. A key is used only if its fingerprint is one the signature names. The finding lists the issuers and where disclose looked.",
    },
    SigningKeyExpired {
        code: "signing_key_expired", level: Recommendation, group: Signature, reference: "RFC 9116 §2.3, §5.3",
        message: "the key that made the signature has expired",
        hint: "extend the key's expiry or sign with a current key, and publish the key again",
        sectxt: false,
        explanation: "The signature verifies, but the key has passed its expiry (the finding says whether it had already when it signed). Readers who check key validity will distrust the signature.",
    },
    SigningKeyUnevaluated {
        code: "signing_key_unevaluated", level: Notification, group: Signature, reference: "RFC 9116 §2.3",
        message: "the signature verifies, but the signing key's expiry and revocation could not be read",
        hint: "publish the key with self-signatures a current OpenPGP implementation can verify",
        sectxt: false,
        explanation: "A key's life (when it expires, whether it was revoked) is stated in self-signatures its certificate makes over it. When none of them can be verified (an algorithm or key size no backend here supports), disclose says so rather than call the key valid: the signature is authentic, the key's state unknown.",
    },
    SigningKeyRevoked {
        code: "signing_key_revoked", level: Recommendation, group: Signature, reference: "RFC 9116 §2.3",
        message: "the key that made the signature is revoked",
        hint: "sign the file with a key that is not revoked",
        sectxt: false,
        explanation: "The signature verifies, but the key or its certificate has been revoked by its owner.",
    },
    ExpiresAfterKey {
        code: "expires_after_key", level: Recommendation, group: Signature, reference: "RFC 9116 §2.5.5",
        message: "the file's Expires is later than the signing key's expiry",
        hint: "set Expires no later than the key's expiry, or extend the key",
        sectxt: false,
        explanation: "Before the file expires, its signature will stop being verifiable with a valid key.",
    },
    EncryptionKeyUnreachable {
        code: "encryption_key_unreachable", level: Notification, group: Signature, reference: "RFC 9116 §2.5.4",
        message: "a key named in Encryption could not be retrieved",
        hint: "make sure the URI serves the key (an armoured or binary OpenPGP key) over https",
        sectxt: false,
        explanation: "disclose fetched the Encryption URI to look for the signing key and got no key: the finding says what happened (a status, a DNS failure, an address it may not contact, data that is not a key). Researchers who want to encrypt a report will fail the same way.",
    },
    SignatureNumberEncoding {
        code: "signature_number_encoding", level: Recommendation, group: Signature, reference: "RFC 9580 §3.2",
        message: "the signature encodes a number with leading zero bits, which strict OpenPGP implementations reject",
        hint: "sign the file again with a current OpenPGP implementation",
        sectxt: false,
        explanation: "OpenPGP numbers (MPIs) must be encoded from their most significant set bit. GnuPG accepts a non-minimal encoding; sequoia and other strict implementations reject the signature as malformed. disclose re-encodes the number (which does not change the signature) to verify it, and tells you so.",
    },
    HashInSignedText {
        code: "hash_in_signed_text", level: Notification, group: Signature, reference: "RFC 9580 §7",
        message: "a `Hash:` line is part of the signed text",
        hint: "remove the duplicated `Hash:` line from the text before signing",
        sectxt: false,
        explanation: "The `Hash:` armour header belongs before the blank line that starts the signed text. A second `Hash:` line after it, a known artefact of signing an already-signed template, is signed content: harmless, but it reads as an unknown field.",
    },

    // ---- How the file was served ----------------------------------------------------------
    Location {
        code: "location", level: Error, group: Transport, reference: "RFC 9116 §3",
        message: "the file was found only at the legacy location /security.txt",
        hint: "serve the file at /.well-known/security.txt (the top-level path may redirect there)",
        sectxt: true,
        explanation: "The file must be at `/.well-known/security.txt`; the top-level path is allowed only for legacy compatibility, next to the well-known one.",
    },
    InvalidUriScheme {
        code: "invalid_uri_scheme", level: Error, group: Transport, reference: "RFC 9116 §3",
        message: "the file was retrieved over plain http",
        hint: "serve the file over https",
        sectxt: true,
        explanation: "The file must be retrieved over https. disclose applies this to the final URL after redirects, so a downgrade to http is caught too.",
    },
    NoContentType {
        code: "no_content_type", level: Error, group: Transport, reference: "RFC 9116 §3",
        message: "the response has no Content-Type header",
        hint: "serve the file with `Content-Type: text/plain; charset=utf-8`",
        sectxt: true,
        explanation: "The file must be served as `text/plain`.",
    },
    InvalidMedia {
        code: "invalid_media", level: Error, group: Transport, reference: "RFC 9116 §3",
        message: "the Content-Type is not text/plain",
        hint: "serve the file with `Content-Type: text/plain; charset=utf-8`",
        sectxt: true,
        explanation: "The media type must be `text/plain`. disclose compares it case-insensitively, as media types are (sectxt rejects `Text/Plain`).",
    },
    InvalidCharset {
        code: "invalid_charset", level: Error, group: Transport, reference: "RFC 9116 §3",
        message: "the charset parameter is not utf-8",
        hint: "serve the file with `charset=utf-8`",
        sectxt: true,
        explanation: "The file is UTF-8, and the charset parameter, when present, must say so.",
    },
    NoCharset {
        code: "no_charset", level: Recommendation, group: Transport, reference: "RFC 9116 §3",
        message: "the Content-Type has no charset parameter",
        hint: "serve the file with `Content-Type: text/plain; charset=utf-8`",
        sectxt: false,
        explanation: "RFC 9116 asks for text/plain with the charset parameter set to utf-8. Peers disagree on whether a missing charset is an error; disclose decided it is a recommendation, since the file is UTF-8 by definition.",
    },
}

/// Renders the whole catalogue as the Markdown page `docs/diagnostics.md`.
pub fn render_markdown() -> String {
    use std::fmt::Write;
    let mut out = String::new();
    out.push_str("# Diagnostics\n\n");
    out.push_str(
        "Every finding disclose reports about a security.txt file. \
         Generated from the catalogue in `src/format/catalogue.rs` by \
         `disclose explain --markdown`; a test fails when this page is out of date.\n\n",
    );
    out.push_str(
        "Levels have the meaning sectxt and internet.nl give them: an **error** makes the file \
         invalid; a **recommendation** and a **notification** do not. The *sectxt* column says \
         whether the Dutch `sectxt` validator 0.9.8 (and so internet.nl) reports the same \
         condition under the same code.\n\n",
    );
    for group in Group::ALL {
        let _ = writeln!(out, "## {}\n", group.title());
        out.push_str("| code | level | requirement | message | sectxt |\n");
        out.push_str("|---|---|---|---|---|\n");
        for code in Code::ALL.iter().filter(|c| c.entry().group == group) {
            let e = code.entry();
            let _ = writeln!(
                out,
                "| [`{}`](#{}) | {} | {} | {} | {} |",
                e.code,
                e.code,
                e.level,
                e.reference,
                e.message.replace('|', "\\|"),
                if e.sectxt { "same" } else { "—" }
            );
        }
        out.push('\n');
    }
    out.push_str("## Entries\n\n");
    for code in Code::ALL {
        let e = code.entry();
        let _ = writeln!(out, "### {}\n", e.code);
        let _ = writeln!(out, "**{}** · {} · {}\n", e.level, e.reference, e.message);
        let _ = writeln!(out, "{}\n", e.explanation);
        let _ = writeln!(out, "Fix: {}\n", e.hint);
    }
    out
}
