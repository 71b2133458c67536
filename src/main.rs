//! The `disclose` binary: parses the command line (`cli`), runs the subcommand, and turns its
//! result into an exit status. Every behaviour lives in the library; every subcommand's flags and
//! printing live in `cli/`; the allocator and its settings in `alloc`.

mod alloc;
mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
