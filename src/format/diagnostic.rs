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

impl Serialize for Diagnostic {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let entry = self.code.entry();
        let mut st = s.serialize_struct("Diagnostic", 9)?;
        st.serialize_field("code", entry.code)?;
        st.serialize_field("level", &entry.level)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.column)?;
        st.serialize_field("width", &self.width)?;
        st.serialize_field("message", entry.message)?;
        st.serialize_field("detail", &self.detail)?;
        st.serialize_field("hint", entry.hint)?;
        st.serialize_field("reference", entry.reference)?;
        st.end()
    }
}

/// Reads back what `Serialize` wrote; level, message, hint and reference come from the catalogue.
impl<'de> Deserialize<'de> for Diagnostic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Diagnostic, D::Error> {
        #[derive(Deserialize)]
        struct Stored {
            code: Code,
            line: Option<usize>,
            column: Option<usize>,
            #[serde(default = "one")]
            width: usize,
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
