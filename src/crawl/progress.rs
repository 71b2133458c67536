//! What the crawl tells the person watching it: a progress bar on a terminal (done, rate, and
//! how many have a file, answered without one, or could not be reached; time left), nothing when
//! standard error is not a terminal, and notes (bad input lines, duplicates) that go above the bar
//! instead of through it. Standard error closed under it (`… 2>&1 | head`) silences it; the crawl
//! goes on.

use crate::record::Outcome;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct Progress {
    bar: ProgressBar,
    visible: bool,
    /// The bar's position is set from outside (a shared run's progress, all workers), not
    /// counted here.
    external: bool,
    found: u64,
    no_file: u64,
    unreachable: u64,
}

static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);

/// `-q`: from now on `say` says nothing; errors still go out through `say_error`.
pub fn set_quiet() {
    QUIET.store(true, Ordering::Relaxed);
}

/// Writes an error line to standard error, escaped as `say` does, even under `-q`.
pub fn say_error(line: &str) {
    if STDERR_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut err = std::io::stderr().lock();
    if writeln!(err, "{}", crate::escape::for_terminal(line)).is_err() {
        STDERR_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Writes a line to standard error, escaped for a terminal (`escape::for_terminal`): the one
/// path by which messages that quote what strangers wrote (list lines, file values, server
/// answers) reach it. A closed standard error (the reader of a pipe went away) is remembered and
/// every later line dropped: nothing panics, nothing stops.
pub fn say(line: &str) {
    if QUIET.load(Ordering::Relaxed) {
        return;
    }
    say_error(line);
}

/// Standard error was closed under the crawl.
pub fn stderr_closed() -> bool {
    STDERR_CLOSED.load(Ordering::Relaxed)
}

/// How the bar sums an outcome up: a file, a server that answered without one, or a host that
/// could not be reached (DNS, address, connection, TLS, time).
fn bucket(outcome: &Outcome) -> usize {
    if *outcome == Outcome::Found {
        0
    } else if outcome.server_answered() {
        1
    } else {
        2
    }
}

impl Progress {
    /// A bar for `total` domains (unknown when reading standard input), shown only on a terminal.
    pub fn new(total: Option<u64>, enabled: bool) -> Progress {
        let visible = enabled && !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(total, target);
        let template = if total.is_some() {
            "{elapsed_precise} [{bar:30}] {pos}/{len} domains, {rate}, {msg}, ETA {eta}"
        } else {
            "{elapsed_precise} {spinner} {pos} domains, {rate}, {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            let style = style
                .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let rate = s.per_sec();
                    let _ = if rate >= 10.0 {
                        write!(w, "{rate:.0}/s")
                    } else {
                        write!(w, "{rate:.1}/s")
                    };
                })
                .progress_chars("=> ");
            bar.set_style(style);
        }
        if visible {
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        let p = Progress {
            bar,
            visible,
            external: false,
            found: 0,
            no_file: 0,
            unreachable: 0,
        };
        p.update_message();
        p
    }

    /// A bar for a run shared by several workers: its position is the run's, set through
    /// `shared_position` (from the store), starting at `done` of `total`; the message counts
    /// this worker's own domains.
    pub fn shared(total: u64, done: u64, enabled: bool) -> Progress {
        let mut p = Progress::new(Some(total), enabled);
        p.external = true;
        p.bar.set_position(done);
        p
    }

    /// A handle to move a shared run's bar from another thread: `set_position`, `set_length`.
    pub fn shared_position(&self) -> ProgressBar {
        self.bar.clone()
    }

    fn update_message(&self) {
        // Nobody sees a hidden bar's message; formatting it once per domain showed in profiles.
        if !self.visible {
            return;
        }
        self.bar.set_message(format!(
            "{} with a file, {} without, {} unreachable",
            self.found, self.no_file, self.unreachable
        ));
    }

    /// One domain finished.
    pub fn done(&mut self, outcome: &Outcome) {
        match bucket(outcome) {
            0 => self.found += 1,
            1 => self.no_file += 1,
            _ => self.unreachable += 1,
        }
        if !self.external {
            self.bar.inc(1);
        }
        self.update_message();
    }

    /// A domain that needs no crawling (already recorded) still counts towards the total.
    pub fn skipped(&mut self) {
        if !self.external {
            self.bar.inc(1);
        }
    }

    /// A line for the person watching, above the bar.
    pub fn note(&self, text: &str) {
        if self.visible && !stderr_closed() {
            self.bar.println(crate::escape::for_terminal(text));
        } else {
            say(text);
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A bar for a long job of `total` steps that is not a crawl (upgrading a store), on standard
/// error when it is a terminal and `show` is set; hidden otherwise.
pub fn upgrade_bar(total: u64, show: bool) -> ProgressBar {
    if !show || QUIET.load(Ordering::Relaxed) || !std::io::stderr().is_terminal() {
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
