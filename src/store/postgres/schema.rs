//! The PostgreSQL schema: the same tables and columns as SQLite's (`store/schema.rs`, which
//! says what each holds; a test keeps the two in agreement), in PostgreSQL's types. Identifiers
//! are `BIGINT`; flags stay `INTEGER` 0/1 as in SQLite, so that the same `sum(found)` and
//! `found = 1` read alike on both engines. The version lives in `disclose_schema`, PostgreSQL
//! having no `user_version`.

/// The schema this build writes to PostgreSQL.
pub const SCHEMA_VERSION: i64 = 2;

pub const TABLES: &str = "
CREATE TABLE IF NOT EXISTS disclose_schema (
    version BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    started TEXT NOT NULL,
    finished TEXT,
    arguments TEXT NOT NULL,
    version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    id BIGSERIAL PRIMARY KEY,
    run BIGINT NOT NULL REFERENCES runs(id),
    domain TEXT NOT NULL,
    registrable_domain TEXT,
    line BIGINT NOT NULL,
    started BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    outcome_label TEXT NOT NULL,
    found INTEGER NOT NULL,
    redirected_to TEXT,
    tags TEXT,
    requested_url TEXT,
    final_url TEXT,
    location TEXT,
    redirects TEXT,
    address TEXT,
    sha256 TEXT,
    size BIGINT,
    content_type TEXT,
    valid INTEGER,
    errors TEXT,
    expires BIGINT,
    signature TEXT,
    independence TEXT,
    signer TEXT,
    key_sound INTEGER,
    canonical TEXT,
    canonical_urls TEXT,
    contact_list TEXT,
    languages TEXT,
    encryption TEXT,
    policy TEXT,
    acknowledgments TEXT,
    hiring TEXT,
    csaf TEXT,
    bug_bounty INTEGER,
    UNIQUE (run, domain)
);
CREATE INDEX IF NOT EXISTS records_latest ON records (domain, started DESC, id DESC);
CREATE INDEX IF NOT EXISTS records_sha256 ON records (sha256) WHERE sha256 IS NOT NULL;
CREATE TABLE IF NOT EXISTS record_json (
    record BIGINT PRIMARY KEY REFERENCES records(id),
    json TEXT NOT NULL
);
-- Kept out of line uncompressed, as SQLite keeps it: compressing every Record (pglz) cost about
-- a tenth of the server's CPU per domain (benches/shared.py), for JSON that is mostly base64.
ALTER TABLE record_json ALTER COLUMN json SET STORAGE EXTERNAL;
CREATE TABLE IF NOT EXISTS contacts (
    record BIGINT NOT NULL REFERENCES records(id),
    position BIGINT NOT NULL,
    uri TEXT NOT NULL,
    kind TEXT NOT NULL,
    valid INTEGER NOT NULL,
    PRIMARY KEY (record, position)
);
CREATE INDEX IF NOT EXISTS contacts_uri ON contacts (uri);
CREATE TABLE IF NOT EXISTS addresses (
    address TEXT NOT NULL,
    domain TEXT NOT NULL,
    run BIGINT NOT NULL REFERENCES runs(id),
    record BIGINT NOT NULL REFERENCES records(id),
    PRIMARY KEY (address, domain, run)
);
CREATE TABLE IF NOT EXISTS certificates (
    record BIGINT PRIMARY KEY REFERENCES records(id),
    sha256 TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    not_before BIGINT,
    not_after BIGINT
);
CREATE INDEX IF NOT EXISTS certificates_issuer ON certificates (issuer);
CREATE TABLE IF NOT EXISTS chain_certificates (
    record BIGINT NOT NULL REFERENCES records(id),
    position BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    not_after BIGINT,
    PRIMARY KEY (record, position)
);
CREATE INDEX IF NOT EXISTS chain_certificates_sha256 ON chain_certificates (sha256);
CREATE INDEX IF NOT EXISTS chain_certificates_subject ON chain_certificates (subject);
CREATE TABLE IF NOT EXISTS tags (
    record BIGINT NOT NULL REFERENCES records(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (record, key)
);
CREATE INDEX IF NOT EXISTS tags_key ON tags (key, value);
";

/// The work queue of crawls shared by several machines (PostgreSQL only): one row per listed
/// domain and run, claimed by a worker under a lease, done when its Record is written (in the
/// same transaction, so that done and written are one fact).
pub const QUEUE_TABLES: &str = "
CREATE TABLE IF NOT EXISTS workers (
    id BIGSERIAL PRIMARY KEY,
    run BIGINT NOT NULL REFERENCES runs(id),
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    started TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat TIMESTAMPTZ NOT NULL DEFAULT now(),
    stopped TIMESTAMPTZ,
    written BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS queue (
    run BIGINT NOT NULL REFERENCES runs(id),
    domain TEXT NOT NULL,
    registrable_domain TEXT,
    line BIGINT NOT NULL,
    tags TEXT,                         -- JSON object of the list's extra columns, or NULL
    worker BIGINT REFERENCES workers(id),
    lease_until TIMESTAMPTZ,           -- the claim holds until then, unless renewed
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run, domain)
);
-- The domains never claimed, in list order: a claim takes the head of this index. (Stores made
-- before it have `queue_waiting` on (run, line) WHERE done = 0 instead, which answers the same
-- questions more slowly.)
CREATE INDEX IF NOT EXISTS queue_free ON queue (run, line) WHERE done = 0 AND worker IS NULL;
-- A run's list being loaded (1) or loaded (0): a worker that joins an empty queue waits while
-- the machine that started the run is still loading its list.
CREATE TABLE IF NOT EXISTS queue_loads (
    run BIGINT PRIMARY KEY REFERENCES runs(id),
    loading INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_worker ON queue (worker) WHERE done = 0;
";

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// Each table's column names, in order, from `CREATE TABLE` statements.
    fn columns(ddl: &str) -> BTreeMap<String, Vec<String>> {
        let mut tables = BTreeMap::new();
        let mut current: Option<(String, Vec<String>)> = None;
        for line in ddl.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("CREATE TABLE IF NOT EXISTS ") {
                current = Some((rest.trim_end_matches(" (").to_owned(), Vec::new()));
            } else if line.starts_with(')') {
                if let Some((name, cols)) = current.take() {
                    tables.insert(name, cols);
                }
            } else if let Some((_, cols)) = current.as_mut() {
                let first = line.split_whitespace().next().unwrap_or_default();
                let is_column = !first.is_empty()
                    && !first.starts_with("--")
                    && !["PRIMARY", "UNIQUE"].contains(&first);
                if is_column {
                    cols.push(first.to_owned());
                }
            }
        }
        tables
    }

    #[test]
    fn both_engines_have_the_same_tables_and_columns() {
        let mut postgres = columns(super::TABLES);
        assert!(postgres.remove("disclose_schema").is_some());
        let sqlite = columns(crate::store::schema::TABLES);
        assert_eq!(sqlite.len(), 8, "{sqlite:?}");
        assert_eq!(postgres, sqlite);
    }
}
