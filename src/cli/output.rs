//! What every printing command shares: when to colour, how much to buffer.

use clap::ValueEnum;
use disclose::check::Styles;
use std::io::IsTerminal;

/// The buffer between a command that writes many records (export, lookup) and its output:
/// standard output is line-buffered, and at the default 8 KB a lookup's 120 MB of JSON Lines
/// took a write system call every few answers, on the thread that also hands out the feed.
pub const OUTPUT_BUFFER: usize = 256 * 1024;

/// When to colour the human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal that can show colour (`TERM` is not `dumb`), unless `NO_COLOR` is set to
    /// something (no-color.org: an empty value does not count).
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn styles(self) -> Styles {
        if self.colours(
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("TERM").as_deref(),
        ) {
            Styles::colored()
        } else {
            Styles::plain()
        }
    }

    /// Whether to colour, on a terminal or not, with these `NO_COLOR` and `TERM`.
    fn colours(
        self,
        terminal: bool,
        no_color: Option<&std::ffi::OsStr>,
        term: Option<&std::ffi::OsStr>,
    ) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal
                    && no_color.is_none_or(|v| v.is_empty())
                    && term.is_none_or(|t| t != "dumb")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn auto_follows_no_color_and_term_as_the_conventions_say() {
        let auto = |terminal, no_color: Option<&str>, term: Option<&str>| {
            ColorChoice::Auto.colours(terminal, no_color.map(OsStr::new), term.map(OsStr::new))
        };
        assert!(auto(true, None, Some("xterm-256color")));
        assert!(
            auto(true, Some(""), Some("xterm")),
            "an empty NO_COLOR does not count"
        );
        assert!(!auto(true, Some("1"), Some("xterm")));
        assert!(!auto(true, None, Some("dumb")));
        assert!(!auto(false, None, Some("xterm")));
        assert!(ColorChoice::Always.colours(
            false,
            Some(OsStr::new("1")),
            Some(OsStr::new("dumb"))
        ));
        assert!(!ColorChoice::Never.colours(true, None, None));
    }
}
