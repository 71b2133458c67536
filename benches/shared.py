#!/usr/bin/env python3
"""The shared-crawl benchmark: one worker on SQLite, then 1, 2 and 4 workers on one PostgreSQL,
crawling the same lab with politeness lifted (CPU-bound), in one session so that the figures
compare. Reports, per configuration: wall time and domains per second, disclose's CPU per domain
(all its workers), the PostgreSQL server's CPU per domain (the queue's and store's own cost on the
server side), and their sum beside the SQLite run's.

Run: `python3 benches/shared.py [--domains N] [--repeat R]` after `cargo build --release`. Needs
Debian's postgresql (initdb, pg_ctl; as root they run as the `postgres` user) and a free loopback.
Prints a Markdown table (the one in docs/benchmarks.md).
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISCLOSE = ROOT / "target/release/disclose"
TUNED = ["--concurrency", "256", "--per-ip-concurrency", "64", "--per-ip-rate", "100000",
         "--per-site-concurrency", "64", "--dns-concurrency", "256", "--no-progress"]
TICKS = os.sysconf("SC_CLK_TCK")


def pg_bin():
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
    for candidate in [out.stdout.strip()] + sorted(str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")):
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    sys.exit("PostgreSQL's server programs are not installed (apt-get install postgresql)")


class Cluster:
    def __init__(self):
        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="disclose-bench-pg-"))
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.run("initdb", "-D", str(self.dir / "data"), "-U", "disclose", "--auth=trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")
        # Durable commits as a real deployment has them (fsync on), one machine's disk.
        self.run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "-o",
                 f"-k {self.dir} -c listen_addresses='' -c max_connections=200", "start")

    def run(self, program, *args):
        command = [str(self.bin / program), *args]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def psql(self, sql):
        subprocess.run(["psql", "-h", str(self.dir), "-U", "disclose", "-d", "postgres", "-qc", sql], check=True)

    def url(self, db):
        return f"postgres://disclose@{str(self.dir).replace('/', '%2F')}/{db}"

    def cpu_seconds(self):
        """CPU of the server: the postmaster and every process it started."""
        master = int((self.dir / "data/postmaster.pid").read_text().split()[0])
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == master or ppid == master:
                total += int(fields[11]) + int(fields[12])
            if pid == master:
                # Backends that have exited (one per connection) are counted in their
                # parent's children's time.
                total += int(fields[13]) + int(fields[14])
        return total / TICKS

    def stop(self):
        self.run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def crawl(lab_flags, list_path, db, workers, work_dir):
    """Crawls the list with `workers` processes; returns (wall seconds, their CPU seconds)."""
    before = children_cpu()
    start = time.monotonic()
    common = ["--db", db, "--run", "bench", *TUNED, *lab_flags]
    if workers > 1:
        common += ["--workers", str(workers)]
    first = subprocess.Popen([str(DISCLOSE), "crawl", str(list_path), *common],
                             stdout=subprocess.DEVNULL, stderr=open(work_dir / "first.err", "w"))
    others = []
    if workers > 1:
        # The others join once the first has created the run (they are refused before).
        time.sleep(0.3)
        for i in range(workers - 1):
            others.append(subprocess.Popen([str(DISCLOSE), "crawl", *common], stdout=subprocess.DEVNULL,
                                           stderr=open(work_dir / f"worker{i}.err", "w")))
    for p in [first, *others]:
        if p.wait() != 0:
            sys.exit(f"a worker failed: see {work_dir}")
    return time.monotonic() - start, children_cpu() - before


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--domains", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="disclose-bench-shared-"))
    lab_dir = work / "lab"
    serve = subprocess.Popen([str(DISCLOSE), "lab", "serve", "--domains", str(args.domains), "--mix", "all-valid",
                              "--out", str(lab_dir)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lab_flags = None
    for line in serve.stdout:
        if line.strip().startswith("disclose crawl"):
            words = line.split()
            lab_flags = words[words.index("--dns-server"):]
            lab_flags = [w for w in lab_flags if w not in ("--per-ip-rate", "1000")]
            break
    cluster = Cluster()
    rows = {}
    try:
        configs = [("SQLite, 1 worker", "sqlite", 1), ("PostgreSQL, 1 worker", "pg", 1),
                   ("PostgreSQL, 2 workers", "pg", 2), ("PostgreSQL, 4 workers", "pg", 4)]
        for repeat in range(args.repeat):
            for name, engine, workers in configs:
                tag = f"r{repeat}w{workers}{engine}"
                if engine == "sqlite":
                    db = str(work / f"{tag}.db")
                    server_before = cluster.cpu_seconds()
                else:
                    cluster.psql(f"CREATE DATABASE {tag}")
                    db = cluster.url(tag)
                    server_before = cluster.cpu_seconds()
                wall, cpu = crawl(lab_flags, lab_dir / "domains.txt", db, workers, work)
                server = cluster.cpu_seconds() - server_before if engine == "pg" else 0.0
                rows.setdefault(name, []).append((wall, cpu, server))
                print(f"{name}: {wall:.2f} s, disclose {cpu:.2f} CPU s, server {server:.2f} CPU s",
                      file=sys.stderr)
    finally:
        cluster.stop()
        serve.terminate()
    n = args.domains
    best = {name: min(runs, key=lambda r: r[1] + r[2]) for name, runs in rows.items()}
    sqlite_total = best["SQLite, 1 worker"][1] * 1000 / n
    print(f"{n} domains of the all-valid lab, politeness lifted, best of {args.repeat} (least CPU):\n")
    print("| configuration | wall s | domains/s | disclose CPU ms/domain | PostgreSQL CPU ms/domain "
          "| total CPU ms/domain | vs SQLite |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (wall, cpu, server) in best.items():
        own, srv = cpu * 1000 / n, server * 1000 / n
        print(f"| {name} | {wall:.2f} | {n / wall:.0f} | {own:.3f} | {srv:.3f} | {own + srv:.3f} "
              f"| {(own + srv) / sqlite_total:.2f}× |")


if __name__ == "__main__":
    main()
