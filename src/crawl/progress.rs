//! What the crawl tells the person watching it: a progress bar on a terminal (done, rate, found,
//! failed, ETA), nothing when standard error is not a terminal, and notes (bad input lines,
//! duplicates) that go above the bar instead of through it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

pub struct Progress {
    bar: ProgressBar,
    visible: bool,
    found: u64,
    failed: u64,
}

impl Progress {
    /// A bar for `total` domains (unknown when reading standard input), shown only on a terminal.
    pub fn new(total: Option<u64>, enabled: bool) -> Progress {
        let visible = enabled && std::io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(total, target);
        let template = if total.is_some() {
            "{elapsed_precise} [{bar:30}] {pos}/{len} domains, {per_sec}, {msg}, ETA {eta}"
        } else {
            "{elapsed_precise} {spinner} {pos} domains, {per_sec}, {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        if visible {
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        let p = Progress {
            bar,
            visible,
            found: 0,
            failed: 0,
        };
        p.update_message();
        p
    }

    fn update_message(&self) {
        // Nobody sees a hidden bar's message; formatting it once per domain showed in profiles.
        if !self.visible {
            return;
        }
        self.bar
            .set_message(format!("{} found, {} failed", self.found, self.failed));
    }

    /// One domain finished.
    pub fn done(&mut self, found: bool, failed: bool) {
        self.found += u64::from(found);
        self.failed += u64::from(failed);
        self.bar.inc(1);
        self.update_message();
    }

    /// A domain that needs no crawling (already recorded) still counts towards the total.
    pub fn skipped(&mut self) {
        self.bar.inc(1);
    }

    /// A line for the person watching, above the bar.
    pub fn note(&self, text: &str) {
        if self.visible {
            self.bar.println(text);
        } else {
            eprintln!("{text}");
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A bar for a long job of `total` steps that is not a crawl (upgrading a store), on standard
/// error when it is a terminal and `show` is set; hidden otherwise.
pub fn upgrade_bar(total: u64, show: bool) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} Records, ETA {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
