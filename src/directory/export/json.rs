//! Entries as JSON: an array (`json`) or one per line (`jsonl`), in the shape of
//! `docs/schemas/entry.schema.json`.

use super::Export;
use crate::directory::Entry;
use std::io::{self, Write};

pub struct JsonExport {
    array: bool,
    first: bool,
}

impl JsonExport {
    pub fn array() -> JsonExport {
        JsonExport {
            array: true,
            first: true,
        }
    }

    pub fn lines() -> JsonExport {
        JsonExport {
            array: false,
            first: true,
        }
    }
}

impl Export for JsonExport {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.array {
            out.write_all(b"[")?;
        }
        Ok(())
    }

    fn entry(&mut self, out: &mut dyn Write, entry: &Entry) -> io::Result<()> {
        if self.array {
            out.write_all(if self.first { b"\n" } else { b",\n" })?;
        }
        self.first = false;
        serde_json::to_writer(&mut *out, entry)?;
        if !self.array {
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.array {
            out.write_all(if self.first { b"]\n" } else { b"\n]\n" })?;
        }
        Ok(())
    }
}
