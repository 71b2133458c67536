//! The flags `lookup` and `export` share: which store and run to read, when to judge expiry,
//! and which entries to keep.

use anyhow::{Result, bail};
use clap::Args;
use disclose::directory::{Confidence, Filter};
use disclose::format::Timestamp;
use disclose::store::Store;
use disclose::store::entries::Scope;
use disclose::store::location::StoreLocation;
use disclose::store::postgres::PgStore;
use disclose::store::read::ReadStore;

#[derive(Args, Clone)]
#[command(next_help_heading = "Which entries")]
pub struct DirectoryArgs {
    /// The database to read (as `crawl` wrote it).
    #[arg(
        long,
        value_name = "PATH|URL",
        env = "DISCLOSE_DB",
        default_value = "disclose.db",
        value_parser = disclose::store::location::parse_store_location
    )]
    pub db: disclose::store::location::StoreLocation,

    /// Read the Records of this run. Default: each domain's latest Record across runs.
    #[arg(long, value_name = "NAME")]
    pub run: Option<String>,

    /// Judge expiry and confidence as if it were this time (RFC 3339, e.g.
    /// 2027-01-01T00:00:00Z). Default: now. Files expire after they were crawled; the
    /// directory judges them when it is read.
    #[arg(long, value_name = "RFC3339", value_parser = super::parse_now)]
    pub now: Option<Timestamp>,

    /// Only entries whose Record has this tag (a column of the crawled list), e.g.
    /// `sector=health`. Repeat for several (all must hold).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,

    /// Only entries at least this trustworthy, best first: verified, valid,
    /// valid_canonical_elsewhere, invalid, expired, legacy_only, inherited, no_contact.
    #[arg(long, value_name = "LEVEL", value_parser = parse_confidence)]
    pub min_confidence: Option<Confidence>,

    /// Only entries whose file is valid (no error, judged at --now).
    #[arg(long)]
    pub valid_only: bool,
}

fn parse_tag(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((key, v)) if !key.trim().is_empty() => {
            Ok((key.trim().to_ascii_lowercase(), v.trim().to_owned()))
        }
        _ => Err("expected KEY=VALUE, e.g. `sector=health`".into()),
    }
}

fn parse_confidence(value: &str) -> Result<Confidence, String> {
    Confidence::from_name(value).ok_or_else(|| {
        format!(
            "expected one of {}",
            Confidence::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// How long a reading command waits for a PostgreSQL server that does not answer.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

/// Opens a store that must exist, on either engine, for a command that only reads.
pub fn open_read_store(db: &StoreLocation) -> Result<Box<dyn ReadStore>> {
    Ok(match db {
        StoreLocation::Sqlite(path) => Box::new(Store::open_existing(path)?),
        StoreLocation::Postgres(location) => Box::new(PgStore::open_existing(location, PATIENCE)?),
    })
}

/// What a reading command reads: the store, the scope, the time of judgement, the filter.
pub struct Reading {
    pub store: Box<dyn ReadStore>,
    pub scope: Scope,
    pub now: Timestamp,
    pub filter: Filter,
}

impl DirectoryArgs {
    pub fn filter(&self) -> Filter {
        Filter {
            tags: self.tags.clone(),
            min_confidence: self.min_confidence,
            valid_only: self.valid_only,
        }
    }

    pub fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(disclose::crawl::domain::now)
    }

    /// Opens the store (which must exist) and finds the run.
    pub fn open(&self) -> Result<Reading> {
        let store = open_read_store(&self.db)?;
        let scope = match &self.run {
            None => Scope::Latest,
            Some(name) => match store.run(name)? {
                Some(run) => Scope::Run(run.id),
                None => {
                    let known: Vec<String> = store.runs()?.into_iter().map(|r| r.name).collect();
                    bail!(
                        "`{}` has no run `{name}`{}",
                        self.db,
                        if known.is_empty() {
                            " (it has no runs yet)".to_owned()
                        } else {
                            format!("; its runs: {}", known.join(", "))
                        }
                    );
                }
            },
        };
        Ok(Reading {
            store,
            scope,
            now: self.now(),
            filter: self.filter(),
        })
    }
}
