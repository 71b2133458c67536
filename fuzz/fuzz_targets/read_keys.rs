//! Key material as a server serves it (an `Encryption` URL, WKD, an OPENPGPKEY record): read
//! without panicking, armoured or binary, with non-minimal numbers re-encoded.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = disclose::signature::keys::read_certs(data);
    let _ = disclose::format::armor::normalize_signature_numbers(data);
});
