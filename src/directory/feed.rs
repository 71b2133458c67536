//! Answering a long feed on several threads, in feed order.
//!
//! A lookup is bound by the store's random reads (an index seek and a row per host, a few per
//! address), which one thread does one at a time. Each thread here has its own connection and
//! its own `Resolver` (a connection is not `Sync`); the feed is handed out in chunks, and the
//! answers are given back in the feed's order, whatever thread finished first. Each thread also
//! renders its answers (into the output's bytes), so that the answers are made, written out and
//! dropped on one thread, and the caller only puts the pieces together. At most a few chunks per
//! thread are in flight, so memory does not grow with the feed.

use super::Filter;
use super::lookup::{Answer, Resolver, Status};
use crate::format::Timestamp;
use crate::store::entries::Scope;
use crate::store::read::ReadStore;
use anyhow::{Result, anyhow};
use std::collections::BTreeMap;
use std::sync::{Mutex, mpsc};

/// Items a thread takes at a time: enough that handing out costs nothing beside the lookups,
/// few enough that the threads stay busy to the end of a short feed.
const CHUNK: usize = 256;

/// Chunks in flight per thread (handed out or answered, not yet written).
const IN_FLIGHT_PER_THREAD: usize = 4;

/// How to answer: where the store is, in what scope, judged when, admitting what.
pub struct Answering<'a> {
    /// Opens a connection of the thread's own to the store.
    pub open: &'a (dyn Fn() -> Result<Box<dyn ReadStore>> + Sync),
    pub scope: Scope,
    pub now: Timestamp,
    pub filter: Filter,
    /// Threads answering; 1 answers on one thread beside the caller's.
    pub threads: usize,
}

/// The threads worth using on this machine for a lookup.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

/// The answer to a row without an item.
fn empty_item_answer() -> Answer {
    Answer {
        item: String::new(),
        kind: None,
        host: None,
        address: None,
        status: Status::Invalid,
        crawled: None,
        matches: vec![],
        address_info: None,
        error: Some("no item in this row".into()),
    }
}

type Chunk<T> = (u64, Vec<(T, String)>);
type Rendered<R> = (u64, Result<Vec<R>>);

/// A thread's renderer: turns a row and its answer into what the caller takes.
pub type Renderer<'r, T, R> = Box<dyn FnMut(T, Answer) -> Result<R> + 'r>;

/// Answers each row's item (`rows` gives a row and its item's text), renders the row and its
/// answer with a renderer each thread makes for itself with `renderer`, and calls `each` with
/// what was rendered, in the order of `rows`. A row that cannot be read, a store that fails, or
/// an `each` that fails ends it with that error.
pub fn answer_rows<T: Send, R: Send>(
    answering: &Answering<'_>,
    rows: impl Iterator<Item = Result<(T, String)>>,
    renderer: &(dyn Fn() -> Renderer<'static, T, R> + Sync),
    mut each: impl FnMut(R) -> Result<()>,
) -> Result<()> {
    let threads = answering.threads.max(1);
    let (chunk_tx, chunk_rx) = mpsc::channel::<Chunk<T>>();
    let chunk_rx = Mutex::new(chunk_rx);
    let (answer_tx, answer_rx) = mpsc::channel::<Rendered<R>>();
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..threads {
            let answer_tx = answer_tx.clone();
            let chunk_rx = &chunk_rx;
            scope.spawn(move || answer_chunks(answering, renderer, chunk_rx, answer_tx));
        }
        drop(answer_tx);
        let outcome = hand_out(threads, rows, &chunk_tx, &answer_rx, &mut each);
        // Closing the hand-out channel ends the threads, also when `each` failed midway.
        drop(chunk_tx);
        outcome
    })
}

/// The caller's side: reads the rows into chunks, keeps a few per thread in flight, and writes
/// the answers as their turn comes.
fn hand_out<T, R>(
    threads: usize,
    rows: impl Iterator<Item = Result<(T, String)>>,
    chunk_tx: &mpsc::Sender<Chunk<T>>,
    answer_rx: &mpsc::Receiver<Rendered<R>>,
    each: &mut impl FnMut(R) -> Result<()>,
) -> Result<()> {
    let mut rows = rows.peekable();
    let (mut sent, mut next) = (0u64, 0u64);
    let mut waiting: BTreeMap<u64, Vec<R>> = BTreeMap::new();
    // A row that cannot be read ends the feed there; the rows before it are still answered.
    let mut unreadable = None;
    loop {
        while sent - next < (threads * IN_FLIGHT_PER_THREAD) as u64
            && unreadable.is_none()
            && rows.peek().is_some()
        {
            let mut chunk = Vec::with_capacity(CHUNK);
            for row in rows.by_ref().take(CHUNK) {
                match row {
                    Ok(row) => chunk.push(row),
                    Err(e) => {
                        unreadable = Some(e);
                        break;
                    }
                }
            }
            chunk_tx
                .send((sent, chunk))
                .map_err(|_| anyhow!("the lookup threads ended early"))?;
            sent += 1;
        }
        if next == sent {
            return unreadable.map_or(Ok(()), Err);
        }
        let (number, answers) = answer_rx
            .recv()
            .map_err(|_| anyhow!("the lookup threads ended early"))?;
        waiting.insert(number, answers?);
        while let Some(answers) = waiting.remove(&next) {
            for rendered in answers {
                each(rendered)?;
            }
            next += 1;
        }
    }
}

/// A thread's side: opens its own store and answers chunks until there are none.
fn answer_chunks<T, R>(
    answering: &Answering<'_>,
    renderer: &(dyn Fn() -> Renderer<'static, T, R> + Sync),
    chunk_rx: &Mutex<mpsc::Receiver<Chunk<T>>>,
    answer_tx: mpsc::Sender<Rendered<R>>,
) {
    let store = match (answering.open)() {
        Ok(store) => store,
        Err(e) => {
            let _ = answer_tx.send((u64::MAX, Err(e)));
            return;
        }
    };
    let mut resolver = match Resolver::new(
        &*store,
        answering.scope,
        answering.now,
        answering.filter.clone(),
    ) {
        Ok(resolver) => resolver,
        Err(e) => {
            let _ = answer_tx.send((u64::MAX, Err(e)));
            return;
        }
    };
    let mut render = renderer();
    loop {
        // The lock is held only to take a chunk, never while answering.
        let next = chunk_rx.lock().map(|rx| rx.recv());
        let Ok(Ok((number, chunk))) = next else {
            return;
        };
        // A panic is turned into an error, so that the caller is not left waiting for this
        // chunk while the other threads wait for more.
        let answers = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // Sized at once: grown from nothing, each chunk's vector took fresh pages from
            // the allocator as it doubled (it is freed on the caller's thread).
            let mut answers = Vec::with_capacity(chunk.len());
            for (row, item) in chunk {
                let answer = if item.is_empty() {
                    empty_item_answer()
                } else {
                    resolver.answer(&item)?
                };
                answers.push(render(row, answer)?);
            }
            Ok(answers)
        }))
        .unwrap_or_else(|_| Err(anyhow!("a lookup thread failed")));
        let failed = answers.is_err();
        if answer_tx.send((number, answers)).is_err() || failed {
            return;
        }
    }
}
