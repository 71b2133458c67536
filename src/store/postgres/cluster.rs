//! A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` and `pg_ctl` from the
//! machine's PostgreSQL (Debian's `postgresql` package) into a temporary directory, listening on
//! a Unix socket only, stopped and removed when dropped. `start` returns `None`, with the reason,
//! when the binaries are missing, so that tests can skip and say why.
//!
//! PostgreSQL refuses to run as root; as root the cluster's programs run as the `postgres` user
//! (which Debian's package creates) through `runuser`.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running cluster; stopped (immediately) and removed when dropped.
pub struct ThrowawayCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    as_postgres: bool,
}

/// The directory of PostgreSQL's server programs: `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/N/bin`.
fn server_binaries() -> Option<PathBuf> {
    let from_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let debian = || {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| {
                let e = e.ok()?;
                let n = e.file_name().to_str()?.parse().ok()?;
                Some((n, e.path().join("bin")))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    };
    from_config
        .filter(|b| b.join("initdb").exists())
        .or_else(debian)
        .filter(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
}

fn running_as_root() -> bool {
    // SAFETY-free: `id -u` rather than libc, for one call at start.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl ThrowawayCluster {
    /// Starts a cluster; `Ok(None)` with a message on standard error when PostgreSQL's server
    /// programs are not installed.
    pub fn start() -> Result<Option<ThrowawayCluster>> {
        let Some(bin) = server_binaries() else {
            eprintln!(
                "skipped: PostgreSQL's server programs (initdb, pg_ctl) are not installed; `apt-get install postgresql` to run this test"
            );
            return Ok(None);
        };
        let as_postgres = running_as_root();
        let dir = tempfile::Builder::new()
            .prefix("disclose-pg-")
            .tempdir()
            .context("cannot make the cluster's directory")?;
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()?;
            if !status.success() {
                bail!("cannot hand the cluster's directory to the postgres user");
            }
        }
        let cluster = ThrowawayCluster {
            bin,
            dir,
            as_postgres,
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                data.to_str().context("a non-UTF-8 temporary directory")?,
                "-U",
                "disclose",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        cluster.start_server()?;
        Ok(Some(cluster))
    }

    fn start_server(&self) -> Result<()> {
        let options = format!(
            "-k {} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        let data = self.data();
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().context("a non-UTF-8 temporary directory")?,
                "-o",
                &options,
                "-l",
                log.to_str().context("a non-UTF-8 temporary directory")?,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
    }

    /// Stops the server (its connections cut), waits `down`, and starts it again: a database
    /// restart as workers see it.
    pub fn restart_after(&self, down: std::time::Duration) -> Result<()> {
        let data = self.data();
        let data = data.to_str().context("a non-UTF-8 temporary directory")?;
        self.run("pg_ctl", &["-D", data, "-m", "fast", "-w", "stop"])?;
        std::thread::sleep(down);
        self.start_server()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<()> {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let output = command
            .args(args)
            .output()
            .with_context(|| format!("cannot run {}", path.display()))?;
        if !output.status.success() {
            let log =
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
            bail!(
                "{program} failed: {}{}\n{log}",
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout)
            );
        }
        Ok(())
    }

    /// The directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// A URL for a new, empty database `name` in this cluster (created by this call).
    pub fn database(&self, name: &str) -> Result<String> {
        let mut client = postgres::Config::new()
            .host_path(self.socket_dir())
            .user("disclose")
            .dbname("postgres")
            .connect(postgres::NoTls)
            .context("cannot connect to the throwaway cluster")?;
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .with_context(|| format!("cannot create the database {name}"))?;
        Ok(self.url(name))
    }

    /// The URL of database `name` in this cluster.
    pub fn url(&self, name: &str) -> String {
        let socket = self.socket_dir().display().to_string();
        format!(
            "postgres://disclose@{}/{name}",
            url::form_urlencoded::byte_serialize(socket.as_bytes()).collect::<String>()
        )
    }
}

impl Drop for ThrowawayCluster {
    fn drop(&mut self) {
        let data = self.data();
        if let Some(data) = data.to_str() {
            let _ = self.run("pg_ctl", &["-D", data, "-m", "immediate", "-w", "stop"]);
        }
    }
}
