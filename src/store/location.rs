//! Where a store lives, as `--db` and `DISCLOSE_DB` name it: an SQLite file (a path), or a
//! PostgreSQL database (`postgres://` or `postgresql://`, libpq's URL form) that several crawler
//! machines share. Owns how a location is shown: a password never reaches a message, a log line
//! or a run's recorded arguments (`redact_arguments`).
//!
//! The password itself is best kept out of the URL: rust-postgres does not read libpq's
//! `PGPASSWORD` or password file (rust-postgres/rust-postgres#729), so this module does, as libpq
//! does: the URL's password, else `PGPASSWORD`, else the first matching line of `PGPASSFILE` or
//! `~/.pgpass` (`host:port:database:user:password`, `*` matching anything, `\` escaping `:` and
//! `\`). That format is five fields on a line; a crate for it would be larger than the reader.

use anyhow::{Context, Result, bail};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A store's location.
#[derive(Clone)]
pub enum StoreLocation {
    Sqlite(PathBuf),
    Postgres(Box<PostgresLocation>),
}

/// A PostgreSQL database: how to connect, and how to show it without its password.
#[derive(Clone)]
pub struct PostgresLocation {
    config: postgres::Config,
    shown: String,
}

impl PostgresLocation {
    /// The connection settings, the password filled in from the environment when the URL has
    /// none (see the module doc).
    pub fn config(&self) -> postgres::Config {
        let mut config = self.config.clone();
        if config.get_password().is_none()
            && let Some(password) = password_from_environment(&config)
        {
            config.password(password);
        }
        config
    }

    /// The database's name as connected to (for messages).
    pub fn database(&self) -> &str {
        self.config.get_dbname().unwrap_or("postgres")
    }
}

impl fmt::Display for PostgresLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for PostgresLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Sqlite(path) => write!(f, "{}", path.display()),
            StoreLocation::Postgres(pg) => pg.fmt(f),
        }
    }
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Whether `text` names a PostgreSQL database rather than a file.
pub fn is_postgres_url(text: &str) -> bool {
    let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

impl FromStr for StoreLocation {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<StoreLocation> {
        if !is_postgres_url(text) {
            if text.is_empty() {
                bail!("the database is empty: give a file name or a postgres:// URL");
            }
            return Ok(StoreLocation::Sqlite(PathBuf::from(text)));
        }
        let shown = redact_url(text);
        // rust-postgres reads the scheme in lower case only.
        let scheme_end = text.find("://").expect("a postgres URL has a scheme");
        let text = format!(
            "{}{}",
            text[..scheme_end].to_ascii_lowercase(),
            &text[scheme_end..]
        );
        let text = text.as_str();
        let mut config = postgres::Config::from_str(text).map_err(|e| {
            // The parser's message may quote the URL; say what is wrong with the shown form.
            anyhow::anyhow!(
                "`{shown}` is not a PostgreSQL URL this build reads ({}): write postgres://USER@HOST[:PORT]/DATABASE, or for a Unix socket postgres:///DATABASE?host=/run/postgresql",
                crate::escape::for_terminal(&redact_text(&e.to_string(), text))
            )
        })?;
        if config.get_user().is_none() {
            // libpq's default: PGUSER, else the login name.
            if let Some(user) = std::env::var("PGUSER")
                .ok()
                .or_else(|| std::env::var("USER").ok())
                .filter(|u| !u.is_empty())
            {
                config.user(&user);
            }
        }
        if config.get_hosts().is_empty() {
            // libpq's default: PGHOST, else the usual Unix socket directory.
            let host = std::env::var("PGHOST").unwrap_or_else(|_| "/run/postgresql".to_owned());
            config.host(&host);
        }
        Ok(StoreLocation::Postgres(Box::new(PostgresLocation {
            config,
            shown,
        })))
    }
}

impl StoreLocation {
    /// The SQLite file, or an error naming what the command needs when it is a PostgreSQL one.
    pub fn sqlite_path(&self, needed_for: &str) -> Result<&Path> {
        match self {
            StoreLocation::Sqlite(path) => Ok(path),
            StoreLocation::Postgres(pg) => {
                bail!("{needed_for} does not use PostgreSQL stores yet (`{pg}`): give --db a file")
            }
        }
    }
}

/// `url` with its password (in the user part or a `password=` parameter) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(rest_at) = out.find("://").map(|i| i + 3) {
        let authority_end = out[rest_at..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| rest_at + i);
        if let Some(at) = out[rest_at..authority_end].rfind('@').map(|i| rest_at + i)
            && let Some(colon) = out[rest_at..at].find(':').map(|i| rest_at + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    if let Some(query) = out.find('?') {
        let (head, params) = out.split_at(query + 1);
        let params: Vec<String> = params
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => p.to_owned(),
            })
            .collect();
        out = format!("{head}{}", params.join("&"));
    }
    out
}

/// `text` with every PostgreSQL URL's password in it replaced (see `redact_url`).
fn redact_text(text: &str, url: &str) -> String {
    text.replace(url, &redact_url(url))
}

/// The command line as a run records it: every PostgreSQL URL's password replaced, whether the
/// URL is an argument of its own or follows `--db=`.
pub fn redact_arguments<S: AsRef<str>>(arguments: &[S]) -> String {
    arguments
        .iter()
        .map(|a| {
            let a = a.as_ref();
            match a.find("postgres") {
                Some(at) if is_postgres_url(&a[at..]) => {
                    format!("{}{}", &a[..at], redact_url(&a[at..]))
                }
                _ => a.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The password for `config` from `PGPASSWORD`, else from the password file.
fn password_from_environment(config: &postgres::Config) -> Option<String> {
    if let Ok(password) = std::env::var("PGPASSWORD") {
        return Some(password);
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(name)) => name.clone(),
        // libpq matches a socket directory as `localhost`.
        _ => "localhost".to_owned(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let database = config.get_dbname().unwrap_or("postgres");
    let user = config.get_user().unwrap_or_default();
    password_file_match(&text, [&host, &port, database, user])
}

/// The password of the first line of a password file whose four fields match `wanted`.
fn password_file_match(text: &str, wanted: [&str; 4]) -> Option<String> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = split_password_line(line)?;
            let matches = fields[..4]
                .iter()
                .zip(wanted)
                .all(|(field, want)| field == "*" || field == want);
            matches.then(|| fields[4].clone())
        })
}

/// The five fields of a password-file line, unescaped; `None` for a line with fewer.
fn split_password_line(line: &str) -> Option<Vec<String>> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut()?.push(chars.next().unwrap_or('\\')),
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    (fields.len() == 5).then_some(fields)
}

/// Reads `--db`'s value (clap's parser).
pub fn parse_store_location(text: &str) -> Result<StoreLocation, String> {
    StoreLocation::from_str(text)
        .context("--db")
        .map_err(|e| format!("{:#}", e.root_cause()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_an_sqlite_store_and_a_url_a_postgres_one() {
        assert!(matches!(
            "crawl.db".parse::<StoreLocation>().unwrap(),
            StoreLocation::Sqlite(p) if p == Path::new("crawl.db")
        ));
        for url in [
            "postgres://crawler@db.example/disclose",
            "POSTGRESQL://crawler@db.example:5433/disclose",
            "postgres:///disclose?host=/tmp",
        ] {
            assert!(
                matches!(
                    url.parse::<StoreLocation>().unwrap(),
                    StoreLocation::Postgres(_)
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn a_password_is_never_shown() {
        let cases = [
            (
                "postgres://crawler:s3cret@db.example/disclose",
                "postgres://crawler:***@db.example/disclose",
            ),
            (
                "postgresql://crawler:p%40ss:w@db.example:5433/d?sslmode=disable",
                "postgresql://crawler:***@db.example:5433/d?sslmode=disable",
            ),
            (
                "postgres://db.example/d?user=c&password=s3cret&application_name=x",
                "postgres://db.example/d?user=c&password=***&application_name=x",
            ),
            (
                "postgres://crawler@db.example/disclose",
                "postgres://crawler@db.example/disclose",
            ),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown);
            let location: StoreLocation = url.parse().unwrap();
            assert_eq!(location.to_string(), shown);
            assert_eq!(format!("{location:?}"), shown);
        }
        assert_eq!(
            redact_arguments(&[
                "disclose",
                "crawl",
                "--db=postgres://c:s3cret@h/d",
                "--db",
                "postgres://c:s3cret@h/d",
                "list.txt"
            ]),
            "disclose crawl --db=postgres://c:***@h/d --db postgres://c:***@h/d list.txt"
        );
    }

    #[test]
    fn a_malformed_url_is_refused_without_its_password() {
        let e = "postgres://c:s3cret@h:notaport/d"
            .parse::<StoreLocation>()
            .err()
            .unwrap()
            .to_string();
        assert!(!e.contains("s3cret"), "{e}");
        assert!(e.contains("postgres://c:***@h:notaport/d"), "{e}");
    }

    #[test]
    fn the_password_file_is_read_as_libpq_reads_it() {
        let file = "# comment\n\
                    other.example:5432:*:crawler:wrong\n\
                    db.example:5432:disclose:crawler:right\\:one\n\
                    *:*:*:*:fallback\n";
        assert_eq!(
            password_file_match(file, ["db.example", "5432", "disclose", "crawler"]).as_deref(),
            Some("right:one")
        );
        assert_eq!(
            password_file_match(file, ["db.example", "5433", "disclose", "crawler"]).as_deref(),
            Some("fallback")
        );
        assert_eq!(
            password_file_match("short:line\n", ["a", "b", "c", "d"]),
            None
        );
    }
}
