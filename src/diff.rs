//! What changed for each domain between two runs (`disclose diff`): a file appeared or went,
//! contacts were added, removed or reordered, validity changed (with the codes that came and
//! went), the file expired or will soon, the signature's verdict or key changed, the
//! certificate's issuer changed, the outcome class changed. Read from the store's derived rows
//! (`store::facts::each_pair`), never from the network; runs of different lists compare on the
//! domains both crawled.

use crate::format::Timestamp;
use crate::store::facts::Side;
use schemars::JsonSchema;
use serde::Serialize;

/// The kinds of change, in the order a summary lists them.
pub const KINDS: [&str; 12] = [
    "file_appeared",
    "file_disappeared",
    "file_changed",
    "contacts_changed",
    "became_valid",
    "became_invalid",
    "errors_changed",
    "became_expired",
    "expires_soon",
    "signature_changed",
    "issuer_changed",
    "outcome_changed",
];

/// One change of one domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Change {
    pub domain: String,
    /// One of `KINDS`.
    pub kind: &'static str,
    /// The value before and after, in words (`found`, `tls_error unknown_issuer`, a contact).
    pub before: String,
    pub after: String,
    /// What exactly changed: contacts added and removed, codes that came and went.
    pub detail: String,
}

/// When `expires_soon` applies: expiring within `within_days` of `now`, not expired yet.
#[derive(Debug, Clone, Copy)]
pub struct DiffOptions {
    pub now: Timestamp,
    pub within_days: i64,
}

fn verdict(s: &Side) -> String {
    match (&s.signature, &s.signer) {
        (Some(v), Some(signer)) if v == "verified" => format!("verified by {signer}"),
        (Some(v), _) => v.clone(),
        (None, _) => "no file".into(),
    }
}

fn date(unix: Option<i64>) -> String {
    unix.map(|t| Timestamp::from_unix(t).to_rfc3339())
        .unwrap_or_else(|| "none".into())
}

fn list(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The changes of one domain from `a` to `b`, in `KINDS` order.
pub fn compare(domain: &str, a: &Side, b: &Side, options: &DiffOptions) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |kind: &'static str, before: String, after: String, detail: String| {
        out.push(Change {
            domain: domain.to_owned(),
            kind,
            before,
            after,
            detail,
        })
    };
    match (a.found, b.found) {
        (false, true) => push(
            "file_appeared",
            a.outcome_label.clone(),
            "found".into(),
            String::new(),
        ),
        (true, false) => push(
            "file_disappeared",
            "found".into(),
            b.outcome_label.clone(),
            String::new(),
        ),
        _ => {}
    }
    if a.found && b.found {
        if a.sha256 != b.sha256 {
            push(
                "file_changed",
                a.sha256.clone().unwrap_or_default(),
                b.sha256.clone().unwrap_or_default(),
                String::new(),
            );
        }
        if a.contacts != b.contacts {
            let added: Vec<&String> = b
                .contacts
                .iter()
                .filter(|c| !a.contacts.contains(c))
                .collect();
            let removed: Vec<&String> = a
                .contacts
                .iter()
                .filter(|c| !b.contacts.contains(c))
                .collect();
            let mut detail = Vec::new();
            if !added.is_empty() {
                detail.push(format!("added: {}", list(&added)));
            }
            if !removed.is_empty() {
                detail.push(format!("removed: {}", list(&removed)));
            }
            if added.is_empty() && removed.is_empty() {
                detail.push("reordered".into());
            }
            push(
                "contacts_changed",
                a.contacts.join(" "),
                b.contacts.join(" "),
                detail.join("; "),
            );
        }
        if a.valid != b.valid || a.errors != b.errors {
            let came: Vec<&String> = b.errors.iter().filter(|c| !a.errors.contains(c)).collect();
            let went: Vec<&String> = a.errors.iter().filter(|c| !b.errors.contains(c)).collect();
            let mut detail = Vec::new();
            if !came.is_empty() {
                detail.push(format!("new errors: {}", list(&came)));
            }
            if !went.is_empty() {
                detail.push(format!("errors gone: {}", list(&went)));
            }
            let kind = match (a.valid, b.valid) {
                (false, true) => Some("became_valid"),
                (true, false) => Some("became_invalid"),
                // Still invalid, for other reasons.
                (false, false) => Some("errors_changed"),
                (true, true) => None,
            };
            if let Some(kind) = kind {
                let word = |v: bool| if v { "valid" } else { "invalid" }.to_owned();
                push(kind, word(a.valid), word(b.valid), detail.join("; "));
            }
        }
        let now = options.now.unix();
        let unexpired_before = a.expires.is_some_and(|e| e > a.started);
        let expired_now = b.expires.is_some_and(|e| e <= now);
        if unexpired_before && expired_now {
            push(
                "became_expired",
                date(a.expires),
                date(b.expires),
                String::new(),
            );
        } else if let Some(e) = b.expires
            && e > now
            && e <= now + options.within_days * 86_400
        {
            push(
                "expires_soon",
                date(a.expires),
                date(b.expires),
                format!("within {} days", options.within_days),
            );
        }
        if a.signature != b.signature || a.signer != b.signer {
            push("signature_changed", verdict(a), verdict(b), String::new());
        }
    }
    if a.issuer.is_some() && b.issuer.is_some() && a.issuer != b.issuer {
        push(
            "issuer_changed",
            a.issuer.clone().unwrap_or_default(),
            b.issuer.clone().unwrap_or_default(),
            String::new(),
        );
    }
    if a.outcome != b.outcome {
        push(
            "outcome_changed",
            a.outcome_label.clone(),
            b.outcome_label.clone(),
            String::new(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(contacts: &[&str]) -> Side {
        Side {
            outcome: "found".into(),
            outcome_label: "found".into(),
            found: true,
            valid: true,
            expires: Some(2_000_000_000),
            started: 1_790_000_000,
            signature: Some("unsigned".into()),
            contacts: contacts.iter().map(|c| c.to_string()).collect(),
            sha256: Some("aa".into()),
            issuer: Some("CN=CA one".into()),
            ..Side::default()
        }
    }

    fn options() -> DiffOptions {
        DiffOptions {
            now: Timestamp::from_unix(1_800_000_000),
            within_days: 30,
        }
    }

    fn kinds(changes: &[Change]) -> Vec<&'static str> {
        changes.iter().map(|c| c.kind).collect()
    }

    #[test]
    fn nothing_changed_says_nothing() {
        let a = file(&["mailto:a@x.example"]);
        assert!(compare("x.example", &a, &a.clone(), &options()).is_empty());
    }

    #[test]
    fn contacts_added_removed_and_reordered_are_told_apart() {
        let a = file(&["mailto:a@x.example", "https://x.example/report"]);
        let mut b = file(&["https://x.example/report", "mailto:a@x.example"]);
        let c = compare("x.example", &a, &b, &options());
        assert_eq!(kinds(&c), ["contacts_changed"]);
        assert_eq!(c[0].detail, "reordered");
        b.contacts = vec![
            "mailto:b@x.example".into(),
            "https://x.example/report".into(),
        ];
        let c = compare("x.example", &a, &b, &options());
        assert_eq!(
            c[0].detail,
            "added: mailto:b@x.example; removed: mailto:a@x.example"
        );
    }

    #[test]
    fn a_file_that_went_is_also_an_outcome_change() {
        let a = file(&["mailto:a@x.example"]);
        let b = Side {
            outcome: "tls_error".into(),
            outcome_label: "tls_error unknown_issuer".into(),
            ..Side::default()
        };
        let c = compare("x.example", &a, &b, &options());
        assert_eq!(kinds(&c), ["file_disappeared", "outcome_changed"]);
        assert_eq!(c[1].after, "tls_error unknown_issuer");
    }

    #[test]
    fn validity_expiry_signature_and_issuer() {
        let a = file(&["mailto:a@x.example"]);
        let mut b = a.clone();
        b.valid = false;
        b.errors = vec!["expired".into()];
        b.expires = Some(1_799_000_000);
        b.signature = Some("verified".into());
        b.signer = Some("ABCD".into());
        b.issuer = Some("CN=CA two".into());
        let c = compare("x.example", &a, &b, &options());
        assert_eq!(
            kinds(&c),
            [
                "became_invalid",
                "became_expired",
                "signature_changed",
                "issuer_changed"
            ]
        );
        assert_eq!(c[0].detail, "new errors: expired");
        assert_eq!(c[2].after, "verified by ABCD");
        let mut soon = a.clone();
        soon.expires = Some(1_800_000_000 + 10 * 86_400);
        assert_eq!(
            kinds(&compare("x.example", &a, &soon, &options())),
            ["expires_soon"]
        );
    }
}
