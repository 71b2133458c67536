//! The SQLite schema, its version, and the upgrade of older stores.
//!
//! Schema 1 held runs and Records (as JSON) only. Schema 2 keeps the Record as the one contract
//! and adds tables derived from it when it is written, indexed for the questions the directory
//! asks (a host's latest file, the domains behind an address, contacts, certificates, tags), so
//! that a lookup or an export never parses a Record's JSON. A schema-1 store is upgraded in
//! place, in one transaction: its Records are kept byte for byte and the derived tables are built
//! from them.

/// The schema this build writes. `PRAGMA user_version` holds it.
pub const SCHEMA_VERSION: i64 = 2;

pub const TABLES: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    started TEXT NOT NULL,
    finished TEXT,
    arguments TEXT NOT NULL,
    version TEXT NOT NULL
);
-- One row per crawled domain and run; `record` is the Record as JSON, the rest is derived.
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs(id),
    domain TEXT NOT NULL,
    registrable_domain TEXT,
    line INTEGER NOT NULL,
    started INTEGER NOT NULL,          -- Unix seconds
    outcome TEXT NOT NULL,             -- the outcome class
    outcome_label TEXT NOT NULL,       -- the class with its detail: `http_status 404`
    found INTEGER NOT NULL,
    tags TEXT,                         -- JSON object of the input's extra columns, or NULL
    record TEXT NOT NULL,
    UNIQUE (run, domain)
);
CREATE INDEX IF NOT EXISTS records_latest ON records (domain, started DESC, id DESC);
-- The file a Record found.
CREATE TABLE IF NOT EXISTS files (
    record INTEGER PRIMARY KEY REFERENCES records(id),
    requested_url TEXT NOT NULL,
    final_url TEXT NOT NULL,
    location TEXT NOT NULL,            -- well_known | legacy
    redirects TEXT NOT NULL,           -- the URLs before the final one, one per line
    address TEXT,                      -- the address the file came from
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT,
    valid INTEGER NOT NULL,            -- no error when crawled
    errors TEXT NOT NULL,              -- error codes when crawled, space-separated
    expires INTEGER,                   -- Unix seconds of a valid Expires
    signature TEXT NOT NULL,           -- the verdict
    independence TEXT,                 -- of a verified signature's key
    signer TEXT,                       -- the certificate fingerprint of a verified signature
    key_sound INTEGER NOT NULL,        -- not revoked, and not expired when it signed
    canonical TEXT NOT NULL,           -- absent | match | partial | mismatch
    languages TEXT NOT NULL,           -- one per line, likewise the URI lists below
    encryption TEXT NOT NULL,
    policy TEXT NOT NULL,
    acknowledgments TEXT NOT NULL,
    hiring TEXT NOT NULL,
    csaf TEXT NOT NULL,
    bug_bounty INTEGER
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256);
-- Contacts in the file's order (the owner's preference).
CREATE TABLE IF NOT EXISTS contacts (
    record INTEGER NOT NULL REFERENCES records(id),
    position INTEGER NOT NULL,
    uri TEXT NOT NULL,
    kind TEXT NOT NULL,                -- email | web | phone | other
    valid INTEGER NOT NULL,
    PRIMARY KEY (record, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contacts_uri ON contacts (uri);
-- The addresses a domain's own host resolved to.
CREATE TABLE IF NOT EXISTS addresses (
    address TEXT NOT NULL,
    record INTEGER NOT NULL REFERENCES records(id),
    PRIMARY KEY (address, record)
) WITHOUT ROWID;
-- The certificate the domain's own host presented.
CREATE TABLE IF NOT EXISTS certificates (
    record INTEGER PRIMARY KEY REFERENCES records(id),
    sha256 TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    not_before INTEGER,
    not_after INTEGER
);
CREATE INDEX IF NOT EXISTS certificates_issuer ON certificates (issuer);
-- The input's extra columns (`organisation`, `sector`, …), for filters and groups.
CREATE TABLE IF NOT EXISTS tags (
    record INTEGER NOT NULL REFERENCES records(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (record, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_key ON tags (key, value);
";

/// The schema-1 tables, as version 1 created them; `records` is renamed before the upgrade.
pub const SCHEMA_1_RECORDS: &str = "records_schema_1";
