//! Entries as the disclose.io program list (diodb's `program-list-schema.json`, the file `diosts`
//! writes), for teams already on it: one program per organisation (the input's `organisation`
//! tag, else the registrable domain), only for files with a Policy (the list's one required
//! field), mapped as `diosts` maps them but never with a `mailto:` in `contact_url`; fields
//! security.txt cannot say are left out rather than written empty. Written as diodb's CI
//! formats the list (`jq --indent 3`, sorted by `program_name`, one per name): so the
//! programs, one small record each, are held until the end.

use super::Export;
use crate::directory::Entry;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// One program of the disclose.io list, with the constraints of diodb's
/// `program-list-schema.json` (required fields, URI and e-mail formats, the values of
/// `public_disclosure`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// The organisation: the crawled list's `organisation` tag, else the registrable domain.
    pub program_name: String,
    /// The file's first Policy.
    #[schemars(extend("format" = "uri"))]
    pub policy_url: String,
    /// The first usable http(s) Contact (never a `mailto:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", extend("format" = "uri"))]
    pub contact_url: Option<String>,
    /// The address of the first usable `mailto:` Contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", extend("format" = "email"))]
    pub contact_email: Option<String>,
    /// Always `""`: security.txt does not say (diodb's schema requires the key).
    #[schemars(extend("enum" = ["nda", "discretionary", "co-ordinated", ""]))]
    pub public_disclosure: String,
    /// The first Acknowledgments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", extend("format" = "uri"))]
    pub hall_of_fame: Option<String>,
    /// The first Encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", extend("format" = "uri"))]
    pub pgp_key: Option<String>,
    /// The first Hiring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", extend("format" = "uri"))]
    pub hiring: Option<String>,
    /// The URL the file was actually fetched from.
    #[schemars(extend("format" = "uri"))]
    pub securitytxt_url: String,
    /// Preferred-Languages, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub preferred_languages: Option<String>,
}

/// The program of an entry, when its file has a Policy and a contact the list can hold.
pub fn program(entry: &Entry) -> Option<Program> {
    let file = entry.file.as_ref()?;
    let policy_url = file.policy.first()?.clone();
    let usable: Vec<_> = entry.usable_contacts().collect();
    let contact_url = usable
        .iter()
        .find(|c| c.uri.starts_with("https://") || c.uri.starts_with("http://"))
        .map(|c| c.uri.clone());
    let contact_email = usable.iter().find_map(|c| c.email.clone());
    if contact_url.is_none() && contact_email.is_none() {
        return None;
    }
    let program_name = entry
        .tags
        .get("organisation")
        .or_else(|| entry.tags.get("organization"))
        .cloned()
        .or_else(|| entry.registrable_domain.clone())
        .unwrap_or_else(|| entry.domain.clone());
    Some(Program {
        program_name,
        policy_url,
        contact_url,
        contact_email,
        public_disclosure: String::new(),
        hall_of_fame: file.acknowledgments.first().cloned(),
        pgp_key: file.encryption.first().cloned(),
        hiring: file.hiring.first().cloned(),
        securitytxt_url: file.provenance.final_url.clone(),
        preferred_languages: (!file.preferred_languages.is_empty())
            .then(|| file.preferred_languages.join(", ")),
    })
}

#[derive(Default)]
pub struct DiscloseIoExport {
    programs: BTreeMap<String, Program>,
}

impl Export for DiscloseIoExport {
    fn entry(&mut self, _out: &mut dyn Write, entry: &Entry) -> io::Result<()> {
        if let Some(p) = program(entry) {
            // The first entry of a program wins, as `jq unique_by` keeps the first.
            self.programs.entry(p.program_name.clone()).or_insert(p);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let programs: Vec<&Program> = self.programs.values().collect();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"   ");
        let mut ser = serde_json::Serializer::with_formatter(&mut *out, formatter);
        programs.serialize(&mut ser)?;
        out.write_all(b"\n")
    }
}
