//! What every printing command shares: when to colour.

use clap::ValueEnum;
use disclose::check::Styles;
use std::io::IsTerminal;

/// When to colour the human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn styles(self) -> Styles {
        match self {
            ColorChoice::Always => Styles::colored(),
            ColorChoice::Never => Styles::plain(),
            ColorChoice::Auto
                if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() =>
            {
                Styles::colored()
            }
            ColorChoice::Auto => Styles::plain(),
        }
    }
}
