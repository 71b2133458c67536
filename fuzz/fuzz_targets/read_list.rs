//! A crawl list or a lookup feed as people hand them over: streamed rows with line numbers in
//! order, never a panic; a target's host is stable under a second normalisation; a feed item reads or
//! says why not.
#![no_main]

use disclose::input::InputFormat;
use disclose::target::{TargetReader, normalise_host};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = TargetReader::new(std::io::Cursor::new(data.to_vec()), InputFormat::Auto) {
        // Rows come in the order of their lines (also when a row with a quote never closed makes
        // the reader read the lines after it again); lines end at a line feed, so records a lone
        // carriage return separates share one.
        let mut last_line = 0;
        for item in reader.take(1000) {
            let line = match item {
                Ok(Ok(target)) => {
                    assert_eq!(normalise_host(&target.domain).as_deref(), Ok(target.domain.as_str()));
                    target.line
                }
                Ok(Err(e)) => e.line,
                Err(_) => break,
            };
            assert!(line >= last_line, "line {line} after line {last_line}");
            last_line = line;
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = disclose::directory::lookup::parse_item(text);
    }
});
