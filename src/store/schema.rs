//! The SQLite schema, its version, and the upgrade of older stores.
//!
//! Schema 1 held runs and Records (as JSON) only. Schema 2 keeps the Record as the one contract
//! (`record_json`) and derives from it, when it is written, the rows the directory's questions
//! need, indexed: one `records` row per domain and run with the file's columns (a host's latest
//! entry is one index seek and one row), the domains behind an address, contacts, certificates
//! and tags; a lookup or an export never parses a Record's JSON. A schema-1 store is upgraded in
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
-- One row per crawled domain and run, derived from its Record (in `record_json`), with the file
-- it found (the file's columns are NULL without one). One row is all a directory entry needs, so
-- that a lookup is one index seek and one row, and an export one scan.
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
    redirected_to TEXT,                -- the host a redirect of its own host led to, if another
    tags TEXT,                         -- JSON object of the input's extra columns, or NULL
    -- The file found:
    requested_url TEXT,
    final_url TEXT,
    location TEXT,                     -- well_known | legacy
    redirects TEXT,                    -- the URLs before the final one, one per line
    address TEXT,                      -- the address the file came from
    sha256 TEXT,
    size INTEGER,
    content_type TEXT,
    valid INTEGER,                     -- no error when crawled
    errors TEXT,                       -- error codes when crawled, space-separated
    expires INTEGER,                   -- Unix seconds of a valid Expires
    signature TEXT,                    -- the verdict
    independence TEXT,                 -- of a verified signature's key
    signer TEXT,                       -- the certificate fingerprint of a verified signature
    key_sound INTEGER,                 -- not revoked, and not expired when it signed
    canonical TEXT,                    -- absent | match | partial | mismatch
    canonical_urls TEXT,               -- the Canonical URIs, one per line
    contact_list TEXT,                 -- the contacts in order, one per line: kind, valid, URI (tab-separated)
    languages TEXT,                    -- one per line, likewise the URI lists below
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
-- The Record itself, as JSON: the one contract, kept apart from the rows derived from it.
CREATE TABLE IF NOT EXISTS record_json (
    record INTEGER PRIMARY KEY REFERENCES records(id),
    json TEXT NOT NULL
);
-- Contacts in the file's order (the owner's preference), for questions about contacts
-- themselves (who shares one, which domains name an address).
CREATE TABLE IF NOT EXISTS contacts (
    record INTEGER NOT NULL REFERENCES records(id),
    position INTEGER NOT NULL,
    uri TEXT NOT NULL,
    kind TEXT NOT NULL,                -- email | web | phone | other
    valid INTEGER NOT NULL,
    PRIMARY KEY (record, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contacts_uri ON contacts (uri);
-- The addresses a domain's own host resolved to, with the domain and run (so that the domains
-- behind an address are counted from this table alone).
CREATE TABLE IF NOT EXISTS addresses (
    address TEXT NOT NULL,
    domain TEXT NOT NULL,
    run INTEGER NOT NULL REFERENCES runs(id),
    record INTEGER NOT NULL REFERENCES records(id),
    PRIMARY KEY (address, domain, run)
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
-- The certificates that host sent after its leaf (intermediates, sometimes a root), for the
-- certificate inventory's questions about a CA. Added within schema 2: a store without it gets it
-- when opened, and a Record written without chains simply has no rows here.
CREATE TABLE IF NOT EXISTS chain_certificates (
    record INTEGER NOT NULL REFERENCES records(id),
    position INTEGER NOT NULL,         -- 1: the first certificate after the leaf
    sha256 TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    not_after INTEGER,
    PRIMARY KEY (record, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chain_certificates_sha256 ON chain_certificates (sha256);
CREATE INDEX IF NOT EXISTS chain_certificates_subject ON chain_certificates (subject);
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
