//! A crawl list or a lookup feed as people hand them over: streamed rows with line numbers,
//! never a panic; a target's host is stable under a second normalisation; a feed item reads or
//! says why not.
#![no_main]

use disclose::input::InputFormat;
use disclose::target::{TargetReader, normalise_host};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = TargetReader::new(std::io::Cursor::new(data.to_vec()), InputFormat::Auto) {
        for item in reader.take(1000) {
            match item {
                Ok(Ok(target)) => {
                    assert_eq!(normalise_host(&target.domain).as_deref(), Ok(target.domain.as_str()));
                }
                Ok(Err(_)) => {}
                Err(_) => break,
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = disclose::directory::lookup::parse_item(text);
    }
});
