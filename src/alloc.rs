//! The binary's memory allocator (mimalloc), and how long it keeps memory that was freed.
//!
//! `keep_freed_memory` binds one mimalloc function by hand: the `mimalloc` crate exposes none of
//! the allocator's options, and the extended API of `libmimalloc-sys` has no constant for
//! mimalloc 3's `purge_delay`, so its number would be written here either way. The unit test
//! checks that the number names that option (its default, 1000 ms, and the value set).

use std::ffi::{c_int, c_long};

// A crawl allocates and frees many small buffers per domain on every worker thread. Measured A/B
// on the lab (5,000 valid domains): mimalloc cost ~7 % less CPU per domain than glibc's
// allocator, which also grew and trimmed a thread arena about once per domain, for ~20 MB more
// resident memory (flat in the length of the list). Since the HTTP client and the resolver were
// made lean (fewer allocations per domain) the gain is ~3 %; transparent huge pages, which
// mimalloc uses, made no measurable difference either way.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (`include/mimalloc.h`).
const MI_OPTION_PURGE_DELAY: c_int = 15;

unsafe extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
    #[cfg(test)]
    fn mi_option_get(option: c_int) -> c_long;
}

/// Keeps memory that was freed for the process to reuse, instead of giving it back to the
/// system a second after (mimalloc's default). For the commands that read the store in bulk
/// (`lookup`, `export`, `report`, `diff`, `certs`): their memory is flat from the first thousand
/// rows on, so what was given back was asked for again at once, each time a fresh page the
/// kernel had to clear. Measured on the 1,000,000-Record benchmark store, interleaved pairs:
/// `lookup` of the 100,000-item feed 5–15 % less wall time (0.15–0.25 s less system time),
/// `export --format jsonl` 10–25 %, `report` ~20 %, peak resident memory the same. The crawl
/// keeps the default (its memory follows the domains in flight; not measured), but for the few
/// items `lookup --crawl-missing` crawls.
pub fn keep_freed_memory() {
    // SAFETY: mimalloc range-checks the option and only stores the value in its option table;
    // a purge delay of -1 is documented ("-1 for no purging at all").
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // mimalloc reads MIMALLOC_PURGE_DELAY from the environment for the default.
        // SAFETY: mimalloc range-checks the option and only reads its option table.
        let purge_delay = || unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay(), 1000);
        }
        keep_freed_memory();
        assert_eq!(purge_delay(), -1);
    }
}
