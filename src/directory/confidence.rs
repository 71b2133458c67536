//! How far a notifier can trust a file's contacts: a ranking a person understands, judged when
//! the directory is read (`now`), not when the file was crawled, since files expire in between.
//!
//! The ranking follows the notification literature (`../shared/research/literature.md` §4.3):
//! a contact the owner published and signed with a key that does not come from the same web
//! server ranks first; a file copied from elsewhere, an expired file, a file at the legacy
//! location and a contact inherited from another host rank lower, each below the one before.

use crate::record::{Independence, Location};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The confidence levels, best first. `Ord` follows the ranking: a smaller level is better.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A valid, unexpired file whose OpenPGP signature verifies with a key that does not come
    /// from the web server that served it (your keyring, DNS, or WKD on the organisation's own
    /// `openpgpkey.` host), and that was neither revoked nor expired when it signed.
    Verified,
    /// A valid, unexpired file on the host itself (unsigned, or signed with a key from the same
    /// server, which proves integrity but not authorship).
    Valid,
    /// A valid, unexpired file whose Canonical names another URL than the one asked for: the
    /// host redirected to a file that belongs elsewhere (a parent organisation, a central file).
    ValidCanonicalElsewhere,
    /// A file with errors that still lists at least one usable contact.
    Invalid,
    /// A file whose Expires has passed: RFC 9116 §2.5.5 says not to use it; a hint at best.
    Expired,
    /// A file found only at the legacy `/security.txt`.
    LegacyOnly,
    /// No file of the host's own: the contact comes from another host (its registrable
    /// domain, its `www.` twin, the site it redirects to). RFC 9116 §3.1 scopes a file to its
    /// own host, so this is a hint, not the host's word.
    Inherited,
    /// A file without a single usable contact.
    NoContact,
}

impl Confidence {
    pub const ALL: [Confidence; 8] = [
        Confidence::Verified,
        Confidence::Valid,
        Confidence::ValidCanonicalElsewhere,
        Confidence::Invalid,
        Confidence::Expired,
        Confidence::LegacyOnly,
        Confidence::Inherited,
        Confidence::NoContact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Verified => "verified",
            Confidence::Valid => "valid",
            Confidence::ValidCanonicalElsewhere => "valid_canonical_elsewhere",
            Confidence::Invalid => "invalid",
            Confidence::Expired => "expired",
            Confidence::LegacyOnly => "legacy_only",
            Confidence::Inherited => "inherited",
            Confidence::NoContact => "no_contact",
        }
    }

    pub fn from_name(name: &str) -> Option<Confidence> {
        Confidence::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// At least as trustworthy as `other`.
    pub fn at_least(self, other: Confidence) -> bool {
        self <= other
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the judgement needs to know about a file.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub usable_contacts: usize,
    pub location: Location,
    pub expired: bool,
    /// The error codes that hold at the time of judgement.
    pub errors: &'a [String],
    /// `absent`, `match`, `partial` or `mismatch`.
    pub canonical: &'a str,
    /// The verdict's name.
    pub signature: &'a str,
    pub independence: Option<Independence>,
    pub key_sound: bool,
}

/// The confidence of a host's own file: the lowest level whose condition holds.
pub fn judge(e: &Evidence<'_>) -> Confidence {
    if e.usable_contacts == 0 {
        Confidence::NoContact
    } else if e.location == Location::Legacy {
        Confidence::LegacyOnly
    } else if e.expired {
        Confidence::Expired
    } else if !e.errors.is_empty() {
        Confidence::Invalid
    } else if e.canonical == "partial" {
        Confidence::ValidCanonicalElsewhere
    } else if e.signature == "verified"
        && matches!(
            e.independence,
            Some(Independence::Pinned | Independence::Independent)
        )
        && e.key_sound
    {
        Confidence::Verified
    } else {
        Confidence::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Evidence<'static> {
        Evidence {
            usable_contacts: 1,
            location: Location::WellKnown,
            expired: false,
            errors: &[],
            canonical: "match",
            signature: "unsigned",
            independence: None,
            key_sound: false,
        }
    }

    #[test]
    fn each_condition_gives_its_level_and_the_lowest_wins() {
        assert_eq!(judge(&valid()), Confidence::Valid);
        let signed = Evidence {
            signature: "verified",
            independence: Some(Independence::Independent),
            key_sound: true,
            ..valid()
        };
        assert_eq!(judge(&signed), Confidence::Verified);
        let same_origin = Evidence {
            independence: Some(Independence::SameOrigin),
            ..signed
        };
        assert_eq!(judge(&same_origin), Confidence::Valid);
        let revoked = Evidence {
            key_sound: false,
            ..signed
        };
        assert_eq!(judge(&revoked), Confidence::Valid);
        let elsewhere = Evidence {
            canonical: "partial",
            ..signed
        };
        assert_eq!(judge(&elsewhere), Confidence::ValidCanonicalElsewhere);
        let errors = ["no_expire".to_owned()];
        let invalid = Evidence {
            errors: &errors,
            ..elsewhere
        };
        assert_eq!(judge(&invalid), Confidence::Invalid);
        let expired = Evidence {
            expired: true,
            ..invalid
        };
        assert_eq!(judge(&expired), Confidence::Expired);
        let legacy = Evidence {
            location: Location::Legacy,
            ..expired
        };
        assert_eq!(judge(&legacy), Confidence::LegacyOnly);
        let none = Evidence {
            usable_contacts: 0,
            ..valid()
        };
        assert_eq!(judge(&none), Confidence::NoContact);
    }

    #[test]
    fn the_order_is_the_ranking() {
        let mut sorted = Confidence::ALL;
        sorted.sort();
        assert_eq!(sorted, Confidence::ALL);
        assert!(Confidence::Verified.at_least(Confidence::Valid));
        assert!(!Confidence::Expired.at_least(Confidence::Invalid));
        for c in Confidence::ALL {
            assert_eq!(Confidence::from_name(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }
}
