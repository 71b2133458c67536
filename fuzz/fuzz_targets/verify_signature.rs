//! A signed file checked against a real key (corpus file 017's, embedded): whatever the bytes,
//! a verdict and no panic; a `verified` verdict only for a signature the key made.
#![no_main]

use disclose::format::{self, Context, Timestamp};
use disclose::signature::keys::{KeyFinder, Keyring};
use disclose::signature::verify_file;
use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn finder() -> &'static KeyFinder {
    static FINDER: OnceLock<KeyFinder> = OnceLock::new();
    FINDER.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("disclose-fuzz-key-{}.asc", std::process::id()));
        std::fs::write(&path, include_bytes!("../../tests/corpus/017.key.asc")).unwrap();
        KeyFinder::new(vec![Box::new(Keyring::open(&path).unwrap())])
    })
}

fuzz_target!(|data: &[u8]| {
    let now = Timestamp::from_unix(1_795_000_000);
    let checked = format::check(data, &Context::at(now));
    let _ = verify_file(&checked.document, &checked.report.fields, finder(), None, now)
        .now_or_never()
        .expect("a keyring does not wait");
});
