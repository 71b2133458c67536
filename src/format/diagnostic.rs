//! One finding about one file: a catalogue code, where it is, and what this instance is about.

use super::catalogue::{Code, Level};
use serde::Deserialize;
use serde::ser::{Serialize, SerializeStruct, Serializer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    /// 1-based line number; `None` for a finding about the whole file.
    pub line: Option<usize>,
    /// 1-based column in characters of the line as written (dash-escape included).
    pub column: Option<usize>,
    /// How many characters the finding covers, for underlining; at least 1.
    pub width: usize,
    /// What this instance is about, beyond the catalogue's general message.
    pub detail: Option<String>,
}

impl Diagnostic {
    /// A finding about the whole file.
    pub fn file(code: Code) -> Diagnostic {
        Diagnostic {
            code,
            line: None,
            column: None,
            width: 1,
            detail: None,
        }
    }

    /// A finding about a line as a whole.
    pub fn line(code: Code, line: usize) -> Diagnostic {
        Diagnostic {
            line: Some(line),
            ..Diagnostic::file(code)
        }
    }

    /// A finding about `width` characters from `column` of a line.
    pub fn at(code: Code, line: usize, column: usize, width: usize) -> Diagnostic {
        Diagnostic {
            line: Some(line),
            column: Some(column),
            width: width.max(1),
            ..Diagnostic::file(code)
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Diagnostic {
        self.detail = Some(detail.into());
        self
    }

    pub fn level(&self) -> Level {
        self.code.level()
    }

    pub fn message(&self) -> &'static str {
        self.code.entry().message
    }

    /// Sort key: file-level findings first, then by position, then by code.
    pub(crate) fn position(&self) -> (usize, usize, Code) {
        (self.line.unwrap_or(0), self.column.unwrap_or(0), self.code)
    }
}

/// The stored form: what this instance is (code, position, detail). The level, message, hint and
/// reference are the catalogue's for the code, so a Record does not repeat them; `Full` writes
/// them too, for people and programs reading one file's findings.
impl Serialize for Diagnostic {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = 1
            + usize::from(self.line.is_some())
            + usize::from(self.column.is_some())
            + usize::from(self.width != 1)
            + usize::from(self.detail.is_some());
        let mut st = s.serialize_struct("Diagnostic", fields)?;
        st.serialize_field("code", self.code.as_str())?;
        if let Some(line) = self.line {
            st.serialize_field("line", &line)?;
        }
        if let Some(column) = self.column {
            st.serialize_field("column", &column)?;
        }
        if self.width != 1 {
            st.serialize_field("width", &self.width)?;
        }
        if let Some(detail) = &self.detail {
            st.serialize_field("detail", detail)?;
        }
        st.end()
    }
}

/// A finding with its catalogue text: `code`, `level`, `line`, `column`, `width`, `message`,
/// `detail`, `hint`, `reference`, every key present (`null` when it does not apply). The form of
/// `disclose check --json`.
#[derive(Debug, Clone, Copy)]
pub struct Full<'a>(pub &'a Diagnostic);

impl Serialize for Full<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let entry = d.code.entry();
        let mut st = s.serialize_struct("Diagnostic", 9)?;
        st.serialize_field("code", entry.code)?;
        st.serialize_field("level", &entry.level)?;
        st.serialize_field("line", &d.line)?;
        st.serialize_field("column", &d.column)?;
        st.serialize_field("width", &d.width)?;
        st.serialize_field("message", entry.message)?;
        st.serialize_field("detail", &d.detail)?;
        st.serialize_field("hint", entry.hint)?;
        st.serialize_field("reference", entry.reference)?;
        st.end()
    }
}

/// Serialises a list of findings in their `Full` form.
pub fn serialize_full<S: Serializer>(diagnostics: &[Diagnostic], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(diagnostics.iter().map(Full))
}

/// Reads back the stored form, and the full form of Records before version 3 (level, message,
/// hint and reference are ignored: they come from the catalogue).
impl<'de> Deserialize<'de> for Diagnostic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Diagnostic, D::Error> {
        #[derive(Deserialize)]
        struct Stored {
            code: Code,
            #[serde(default)]
            line: Option<usize>,
            #[serde(default)]
            column: Option<usize>,
            #[serde(default = "one")]
            width: usize,
            #[serde(default)]
            detail: Option<String>,
        }
        fn one() -> usize {
            1
        }
        let s = Stored::deserialize(d)?;
        Ok(Diagnostic {
            code: s.code,
            line: s.line,
            column: s.column,
            width: s.width,
            detail: s.detail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_leaves_the_catalogue_text_out_and_the_full_form_has_it() {
        let d = Diagnostic::at(Code::NoUri, 1, 10, 20).with_detail("did you mean `mailto:a@b.c`?");
        let stored = serde_json::to_string(&d).unwrap();
        assert_eq!(
            stored,
            r#"{"code":"no_uri","line":1,"column":10,"width":20,"detail":"did you mean `mailto:a@b.c`?"}"#
        );
        assert_eq!(
            serde_json::to_string(&Diagnostic::file(Code::NotSigned)).unwrap(),
            r#"{"code":"not_signed"}"#
        );
        let full = serde_json::to_value(Full(&d)).unwrap();
        assert_eq!(full["level"], "error");
        assert_eq!(full["message"], d.message());
        assert_eq!(full["hint"], Code::NoUri.entry().hint);
        assert_eq!(full["reference"], Code::NoUri.entry().reference);
        // Both forms read back to the same finding (Records before version 3 hold the full one).
        assert_eq!(serde_json::from_str::<Diagnostic>(&stored).unwrap(), d);
        assert_eq!(serde_json::from_value::<Diagnostic>(full).unwrap(), d);
        let file: Diagnostic = serde_json::from_str(r#"{"code":"not_signed"}"#).unwrap();
        assert_eq!(file, Diagnostic::file(Code::NotSigned));
    }
}
