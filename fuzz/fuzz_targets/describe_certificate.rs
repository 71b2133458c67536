//! A certificate a server presents, described for its Record: any DER bytes, no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = disclose::net::cert::describe(data);
});
