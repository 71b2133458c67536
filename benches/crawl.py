#!/usr/bin/env python3
"""The crawl benchmark: disclose side by side with a bare Rust TLS fetch loop and the existing
security.txt tools, all against the same lab, in one run. Not run in CI.

    python3 benches/crawl.py --quick      # about 15 minutes on 2 cores, after the build
    python3 benches/crawl.py              # the full sizes: a few hours

Needs root (the lab listens on 127.53.53.53:53 and port 443, and contenders that resolve
through the system run in a private mount namespace, `unshare -m`, whose /etc/resolv.conf points
at the lab) and the package registries (peers are installed into --work). Contenders run pinned
to CPU 0, the lab to CPU 1. For each contender and workload it measures wall time, CPU seconds
(user + system of the contender's processes only, from their rusage), peak RSS, peak open
sockets, and accuracy against the lab's ground truth; ratios are against the bare baseline and
the best peer of the same run. Results go to docs/benchmarks.md.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DNS = "127.53.53.53:53"
CPU_TOOL, CPU_LAB = "0", "1"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Building and installing the contenders


def build_disclose():
    log("building disclose (release) and the baseline")
    run(["cargo", "build", "--release", "--locked"], cwd=ROOT)
    out = run(["cargo", "bench", "--bench", "baseline", "--no-run", "--message-format=json"], cwd=ROOT)
    baseline = None
    for line in out.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "baseline" and msg.get("executable"):
            baseline = msg["executable"]
    return str(ROOT / "target/release/disclose"), baseline


def install_peers(work):
    """Installs the peers; returns {name: (command prefix, version) or error text}."""
    peers = {}
    venv = work / "venv"
    try:
        if not venv.exists():
            run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin/pip"), "install", "-q", "sectxt==0.9.8", "pysecuritytxt==1.4.0", "aiohttp"])
        py = str(venv / "bin/python")
        versions = run([py, "-c", "import importlib.metadata as m; print(m.version('sectxt'), m.version('pysecuritytxt'), m.version('aiohttp'))"]).stdout.split()
        peers["python"] = (py, dict(zip(["sectxt", "pysecuritytxt", "aiohttp"], versions)))
    except subprocess.CalledProcessError as e:
        peers["python"] = f"pip failed: {e.stderr.strip()[-300:]}"
    sectxt_rs = work / "sectxt-rs"
    binary = sectxt_rs / "bin/sectxt"
    if not binary.exists():
        log("installing the Rust sectxt 0.5.0 from crates.io (RUSTFLAGS=--cfg tracing_unstable, as it needs)")
        env = dict(os.environ, RUSTFLAGS="--cfg tracing_unstable")
        try:
            run(["cargo", "install", "sectxt", "--version", "0.5.0", "--locked", "--root", str(sectxt_rs)], env=env)
        except subprocess.CalledProcessError as e:
            try:
                run(["cargo", "install", "sectxt", "--version", "0.5.0", "--root", str(sectxt_rs)], env=env)
            except subprocess.CalledProcessError as e2:
                peers["sectxt-rs"] = f"cargo install failed: {e2.stderr.strip()[-300:]}"
    if binary.exists():
        peers["sectxt-rs"] = (str(binary), "0.5.0")
    return peers


# ---------------------------------------------------------------------------------------------
# The lab


class Lab:
    def __init__(self, disclose, work, domains, seed, mix):
        self.dir = work / f"lab-{mix}-{domains}"
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.proc = subprocess.Popen(
            ["taskset", "-c", CPU_LAB, disclose, "lab", "serve", "--domains", str(domains), "--seed", str(seed),
             "--mix", mix, "--out", str(self.dir), "--dns-listen", DNS, "--https-port", "443"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in self.proc.stdout:
            if line.startswith("serving"):
                break
        else:
            raise RuntimeError(f"the lab did not start: {self.proc.stderr.read()}")
        self.resolv = self.dir / "resolv.conf"
        self.resolv.write_text(f"nameserver {DNS.split(':')[0]}\noptions timeout:2 attempts:1\n")
        self.truth = {}
        for line in (self.dir / "truth.jsonl").read_text().splitlines():
            t = json.loads(line)
            self.truth[t["domain"]] = t
        self.domains_file = self.dir / "domains.txt"
        self.ca = self.dir / "ca.pem"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


# ---------------------------------------------------------------------------------------------
# Running a contender and measuring it


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def count_sockets(pids):
    n = 0
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                        n += 1
                except OSError:
                    pass
        except OSError:
            pass
    return n


class Killed(Exception):
    """A contender that passed the memory or time guard: it is stopped and reported, not awaited."""


# A contender past these is killed: a tool that reads the lab's endless body without a cap would
# otherwise take the machine's memory with it.
RSS_LIMIT_MB = 2048
TIME_LIMIT_S = {"value": 1800}  # 120 with --quick, set in main


def tree_rss_mb(pids):
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total / 1024


def measure(cmd, resolv, env=None, stdin=None, stdout=None):
    """Runs `cmd` pinned to CPU_TOOL in a mount namespace with `resolv` as /etc/resolv.conf;
    returns wall seconds, CPU seconds (user + system of the whole process tree), peak RSS in MB,
    peak open sockets. Raises Killed if the tree passes RSS_LIMIT_MB or TIME_LIMIT_S."""
    time_limit = TIME_LIMIT_S["value"]
    inner = " ".join(f"'{c}'" for c in cmd)
    wrapped = ["/usr/bin/time", "-f", "TIME %e %U %S %M", "taskset", "-c", CPU_TOOL, "unshare", "-m", "sh", "-c",
               f"mount --bind '{resolv}' /etc/resolv.conf && exec {inner}"]
    peak = [0]
    killed = [None]
    started = time.monotonic()
    proc = subprocess.Popen(wrapped, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(env or {})))
    done = threading.Event()

    def sample():
        while not done.is_set():
            tree = descendants(proc.pid)
            peak[0] = max(peak[0], count_sockets(tree))
            rss = tree_rss_mb(tree)
            elapsed = time.monotonic() - started
            if rss > RSS_LIMIT_MB or (time_limit and elapsed > time_limit):
                killed[0] = (f"killed after {elapsed:.0f} s: resident memory passed {RSS_LIMIT_MB:,} MB"
                             if rss > RSS_LIMIT_MB else f"killed: still running after {time_limit} s")
                for pid in tree[1:]:  # all but /usr/bin/time, which then reports and exits
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                return
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    if killed[0]:
        raise Killed(killed[0])
    line = [l for l in err.splitlines() if l.startswith("TIME ")]
    if not line:
        raise RuntimeError(f"{cmd[0]} failed: {err[-500:]}")
    wall, user, sys_, rss = line[-1].split()[1:]
    return float(wall), float(user) + float(sys_), int(rss) / 1024, peak[0]


# ---------------------------------------------------------------------------------------------
# Contenders: each returns {domain: (found, contacts)} with contacts a list, or an int (count only)


def run_disclose(bin_, lab, work, extra, name):
    db = work / f"{name}.db"
    for suffix in ["", "-wal", "-shm"]:
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    cmd = [bin_, "crawl", str(lab.domains_file), "--db", str(db), "--run", "bench", "--no-progress",
           "--dns-server", DNS, "--ca-file", str(lab.ca), "--allow-loopback"] + extra
    m = measure(cmd, lab.resolv, stdout=subprocess.DEVNULL)
    results, labels = {}, {}
    # Schema 2 keeps each Record's JSON in `record_json` beside the derived `records` row.
    for (rec,) in sqlite3.connect(db).execute("SELECT json FROM record_json"):
        r = json.loads(rec)
        f = r.get("file")
        results[r["domain"]] = (f is not None, [c["uri"] for c in f["fields"]["contact"]] if f else [])
        o = r["outcome"]
        label = o["class"]
        if o["class"] == "http_status":
            label += f" {o['status']}"
        elif o["class"] in ("tls_error", "redirect_error"):
            label += f" {o['reason']}"
        labels[r["domain"]] = label
    return m, results, labels


def run_lines(cmd, lab, parse, env=None, limit=None, exclude=frozenset()):
    """Runs a contender that reads domains on stdin (the first `limit` only, for slow ones; without
    the domains in `exclude`)."""
    out_path = lab.dir / "contender.out"
    domains_file = lab.domains_file
    if limit or exclude:
        domains = [d for d in lab.domains_file.read_text().split()[:limit] if d not in exclude]
        domains_file = lab.dir / "domains-given.txt"
        domains_file.write_text("\n".join(domains) + "\n")
    with open(domains_file) as stdin, open(out_path, "w") as stdout:
        m = measure(cmd, lab.resolv, env=env, stdin=stdin, stdout=stdout)
    results = {}
    for line in out_path.read_text().splitlines():
        parsed = parse(line)
        if parsed:
            domain, found, contacts = parsed
            results[domain] = (found, contacts)
    return m, results, None


def tsv_count(line):
    domain, status, contacts = (line.split("\t") + ["", ""])[:3]
    found = status == "200" and contacts.isdigit() and int(contacts) > 0
    return domain, found, int(contacts) if contacts.isdigit() else 0


def tsv_list(line):
    domain, status, contacts = (line.split("\t") + ["", ""])[:3]
    return domain, status in ("found", "valid"), [c for c in contacts.split(",") if c]


def run_curl(lab, work):
    out_dir = work / "curl-bodies"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    config = lab.dir / "curl.cfg"
    with open(config, "w") as f:
        for d in lab.domains_file.read_text().split():
            f.write(f'url = "https://{d}/.well-known/security.txt"\noutput = "{out_dir}/{d}"\n')
    write_out = work / "curl.out"
    cmd = ["curl", "--parallel", "--parallel-max", "64", "--cacert", str(lab.ca), "-s", "--max-time", "10",
           "--connect-timeout", "5", "--max-filesize", "32768", "-K", str(config),
           "-w", "%{url_effective}\\t%{http_code}\\n"]
    with open(write_out, "w") as stdout:
        m = measure(cmd, lab.resolv, stdout=stdout)
    results = {}
    for line in write_out.read_text().splitlines():
        url, _, code = line.partition("\t")
        domain = url.split("/")[2] if url.count("/") >= 2 else url
        body = out_dir / domain
        text = body.read_text(errors="replace") if body.exists() else ""
        contacts = sum(1 for l in text.splitlines() if l.lower().startswith("contact:"))
        results[domain] = (code == "200" and contacts > 0, contacts)
    return m, results, None


def run_sectxt_rs(binary, lab, exclude):
    cmd = [binary, "--threads", "64", "--timeout", "5"]
    def parse(line):
        # Its output is its tracing log: {"fields": {"domain", "content": {"contact": [...]}, "status"}}.
        try:
            fields = json.loads(line).get("fields", {})
        except json.JSONDecodeError:
            return None
        domain = fields.get("domain", "").removeprefix("https://").split("/")[0]
        content = fields.get("content") if isinstance(fields.get("content"), dict) else {}
        return domain, fields.get("status") == "OK", list(content.get("contact", []))
    return run_lines(cmd, lab, parse, env={"SSL_CERT_FILE": str(lab.ca)}, exclude=exclude)


# ---------------------------------------------------------------------------------------------
# Accuracy


def accuracy(truth, results, labels, domains=None):
    if domains is not None:
        truth = {d: t for d, t in truth.items() if d in domains}
    positives = {d for d, t in truth.items() if t["expected_outcome"] == "found"}
    found = {d for d, (f, _) in results.items() if f}
    tp = len(found & positives)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(positives) if positives else 1.0
    exact = 0
    for d in found & positives:
        expected = truth[d]["expected_contacts"]
        got = results[d][1]
        if (isinstance(got, int) and got == len(expected)) or got == expected:
            exact += 1
    contacts = exact / tp if tp else 1.0
    classes = None
    if labels is not None:
        classes = sum(1 for d, t in truth.items() if labels.get(d) == t["expected_outcome"]) / len(truth)
    return {"precision": precision, "recall": recall, "contacts": contacts, "classes": classes,
            "answered": len(results) / len(truth)}


# ---------------------------------------------------------------------------------------------


def size_of(lab):
    return len(lab.truth)


def workload(name, mix, domains, tools, args, work, report):
    log(f"workload {name}: {domains} domains ({mix})")
    lab = Lab(tools["disclose"], work, domains, seed=1, mix=mix)
    rows = []
    try:
        order = lab.domains_file.read_text().split()

        # Servers that never finish or inflate without bound: a tool without a size cap or an overall
        # deadline cannot get past them.
        hostile = frozenset(d for d, t in lab.truth.items()
                            if t["scenario"] in ("endless_body", "gzip_bomb", "slow_body", "slow_headers"))

        def add(contender, fn, limit=None):
            """`fn(exclude)` runs the contender without the domains in `exclude`. One that is
            killed by the guard is run again without the hostile servers, and says so."""
            log(f"  {contender}")
            exclude = frozenset()
            try:
                try:
                    (wall, cpu, rss, sockets), results, labels = fn(exclude)
                except Killed as e:
                    if not hostile:
                        raise
                    log(f"    {e}; again without the {len(hostile)} hostile servers")
                    exclude = hostile
                    contender += f" [{e}; figures without the endless, trickling and gzip-bomb servers]"
                    (wall, cpu, rss, sockets), results, labels = fn(exclude)
            except Exception as e:  # a contender that cannot run is reported, not dropped
                rows.append({"contender": contender, "error": str(e)[:200]})
                return
            given = set(order[:limit] if limit else order) - exclude
            n = len(given)
            rows.append({"contender": contender, "domains": n, "wall": wall, "rate": n / wall if wall else 0,
                         "cpu_per_1k": cpu / n * 1000, "rss": rss, "sockets": sockets,
                         **accuracy(lab.truth, results, labels, given)})
            log(f"    {n} domains in {wall:.1f} s, {cpu / n * 1000:.2f} CPU s per 1k, {rss:.0f} MB")

        add("disclose (defaults)", lambda _: run_disclose(tools["disclose"], lab, work, [], "defaults"))
        add("disclose (tuned)", lambda _: run_disclose(
            tools["disclose"], lab, work,
            ["--concurrency", "256", "--per-ip-concurrency", "64", "--per-ip-rate", "100000",
             "--per-site-concurrency", "64", "--dns-concurrency", "256"], "tuned"))
        add("baseline (bare rustls loop)", lambda x: run_lines(
            [tools["baseline"], "--dns", DNS, "--ca", str(lab.ca), "--concurrency", "256"], lab, tsv_count,
            exclude=x))
        add("curl --parallel (64)", lambda _: run_curl(lab, work))
        peers = tools["peers"]
        py = peers.get("python")
        if isinstance(py, tuple):
            ca_env = {"REQUESTS_CA_BUNDLE": str(lab.ca), "SSL_CERT_FILE": str(lab.ca)}
            add("Python aiohttp (64)", lambda x: run_lines(
                [py[0], str(ROOT / "benches/peers/aiohttp_fetch.py"), "--ca", str(lab.ca), "--concurrency", "64"],
                lab, tsv_count, exclude=x))
            # Sequential, they would take hours on the full list: they get its first part, which
            # holds every scenario (the lab lists each once before drawing the mix).
            sample = min(size_of(lab), 100 if args.quick else 1_000)
            for threads, limit in [(1, sample), (64, None)]:
                label = "sequential" if threads == 1 else f"{threads} threads"
                add(f"sectxt {py[1]['sectxt']} ({label})", lambda x, t=threads, l=limit: run_lines(
                    [py[0], str(ROOT / "benches/peers/sectxt_fetch.py"), "--threads", str(t)], lab, tsv_list,
                    env=ca_env, limit=l, exclude=x), limit)
                add(f"pysecuritytxt {py[1]['pysecuritytxt']} ({label})", lambda x, t=threads, l=limit: run_lines(
                    [py[0], str(ROOT / "benches/peers/pysecuritytxt_fetch.py"), "--threads", str(t)], lab, tsv_list,
                    env=ca_env, limit=l, exclude=x), limit)
        else:
            rows.append({"contender": "Python peers", "error": py})
        rs = peers.get("sectxt-rs")
        if isinstance(rs, tuple):
            add("Rust sectxt 0.5.0 (64 threads)", lambda x: run_sectxt_rs(rs[0], lab, x))
        else:
            rows.append({"contender": "Rust sectxt 0.5.0", "error": rs})
    finally:
        lab.stop()
    report.append((name, mix, domains, rows))


def scale(tools, args, work, report):
    """Memory against list length: a list of names that do not exist, streamed through disclose."""
    sizes = [100_000, 1_000_000] if not args.quick else [20_000, 200_000]
    lab = Lab(tools["disclose"], work, 10, seed=1, mix="realistic")
    rows = []
    try:
        for n in sizes:
            log(f"scale: {n} lines")
            path = work / f"scale-{n}.txt"
            with open(path, "w") as f:
                for i in range(n):
                    f.write(f"absent-{i:07d}.test\n")
            db = work / f"scale-{n}.db"
            for suffix in ["", "-wal", "-shm"]:
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            cmd = [tools["disclose"], "crawl", str(path), "--db", str(db), "--run", "scale", "--no-progress",
                   "--dns-server", DNS, "--ca-file", str(lab.ca), "--allow-loopback", "--concurrency", "1024",
                   "--dns-concurrency", "256"]
            wall, cpu, rss, sockets = measure(cmd, lab.resolv, stdout=subprocess.DEVNULL)
            rows.append({"contender": f"disclose, {n:,} lines (all NXDOMAIN)", "domains": n, "wall": wall,
                         "rate": n / wall, "cpu_per_1k": cpu / n * 1000, "rss": rss, "sockets": sockets})
    finally:
        lab.stop()
    inflight = 10_000 if not args.quick else 2_000
    lab = Lab(tools["disclose"], work, inflight * 2, seed=3, mix="realistic")
    try:
        log(f"scale: {inflight} in flight")
        db = work / "inflight.db"
        for suffix in ["", "-wal", "-shm"]:
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        cmd = [tools["disclose"], "crawl", str(lab.domains_file), "--db", str(db), "--run", "inflight",
               "--no-progress", "--dns-server", DNS, "--ca-file", str(lab.ca), "--allow-loopback",
               "--concurrency", str(inflight), "--per-ip-concurrency", "64", "--per-ip-rate", "100000",
               "--per-site-concurrency", "64", "--dns-concurrency", "256", "--timeout", "3", "--retries", "0"]
        wall, cpu, rss, sockets = measure(cmd, lab.resolv, stdout=subprocess.DEVNULL)
        n = len(lab.truth)
        rows.append({"contender": f"disclose, {inflight:,} domains in flight", "domains": n, "wall": wall,
                     "rate": n / wall, "cpu_per_1k": cpu / n * 1000, "rss": rss, "sockets": sockets})
    finally:
        lab.stop()
    report.append(("scale", "streamed input and concurrency", None, rows))


# ---------------------------------------------------------------------------------------------
# The report


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


READING = [
    "How to read the figures:",
    "",
    "- *all-valid* isolates the cost of one domain that serves a file: one DNS answer, one TLS 1.3",
    "  handshake, one GET. The TLS handshake (ECDHE and two ECDSA verifications) is most of the bare",
    "  baseline's CPU; what disclose spends above it is validation, the Record and the store (about",
    "  5% for the store alone), politeness, and the error classification of its HTTP client and resolver.",
    "- *realistic* wall time is bounded by the slowest scenarios, not by CPU: a server that stalls or",
    "  trickles, or a name server that does not answer, is given its time limits and retries",
    "  (disclose's defaults: 10 s per attempt, DNS 5 s tried twice, two retries), so the last domains",
    "  finish about 30 s after the first. Tools that only ask",
    "  `/.well-known/security.txt` once and accept any 200 finish sooner and are less accurate.",
    "- The ratios to the baseline in *realistic* compare unlike work: the baseline asks once and gives",
    "  up; disclose retries what timed out, follows redirects, asks the legacy `/security.txt` and",
    "  tells every failure apart (compare the accuracy columns). The per-domain target is *all-valid*'s.",
    "- A contender marked *killed* passed the memory guard (2,048 MB of resident memory) or the time guard;",
    "  it was run again without the endless, trickling and gzip-bomb servers, and its figures are for",
    "  that easier list. The Python tools read a body without a size limit, so an endless or",
    "  compressed-bomb answer grows their memory until something stops them.",
    "- *disclose (defaults)* is polite: 10 requests per second and 2 in flight per address, 2 per",
    "  registrable domain; the lab puts many domains on one address, so its rate is politeness-bound.",
    "  *tuned* lifts those limits, as one would for a lab or a list of unrelated hosts, and keeps",
    "  256 domains in flight, as the baseline does (more in flight only costs memory and cache misses",
    "  once the CPU is busy: 1,024 measured ~8% more CPU per domain on *all-valid*).",
    "",
]


def write_report(path, report, tools, args, started):
    cpu_model = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                      if l.startswith("model name")), "unknown")
    commit = run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT).stdout.strip()
    rustc = run(["rustc", "--version"]).stdout.strip()
    curl = run(["curl", "--version"]).stdout.splitlines()[0]
    py = tools["peers"].get("python")
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `python3 benches/crawl.py{' --quick' if args.quick else ''}` on {started:%Y-%m-%d %H:%M} UTC.",
        "Every contender crawls the same lab in the same run; ratios compare figures of this run only.",
        "",
        "## Machine and versions",
        "",
        f"- {os.cpu_count()} CPUs ({cpu_model}), Linux {platform.release()}; contenders pinned to CPU {CPU_TOOL}, "
        f"the lab (`disclose lab serve`) to CPU {CPU_LAB}",
        f"- disclose {commit} (release), {rustc}",
        f"- {curl}",
        f"- Python {platform.python_version()}" + (f", sectxt {py[1]['sectxt']}, pysecuritytxt {py[1]['pysecuritytxt']}, "
                                                   f"aiohttp {py[1]['aiohttp']}" if isinstance(py, tuple) else ""),
        "",
        "CPU is user + system seconds of the contender's own processes (the lab's are not counted), per 1,000",
        "domains. *Found*: precision and recall of \"has a security.txt file\" against the ground truth (tools that",
        "only ask `/.well-known/security.txt` miss the legacy-only and some redirected files; tools that do not",
        "filter soft 404s lose precision). *Contacts*: found files whose contacts match the truth (a count where the",
        "tool reports only a count). *Classes*: Records whose outcome class matches the truth (only disclose",
        "reports classes).",
        "",
    ]
    lines += READING
    for name, mix, domains, rows in report:
        title = f"## {name}" + (f": {domains:,} domains, {mix} mix" if domains else f": {mix}")
        lines += [title, "", "| contender | domains | domains/s | CPU s per 1k | peak RSS MB | peak sockets | found (precision / recall) | contacts | classes |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            if "error" in r:
                lines.append(f"| {r['contender']} | not run: {r['error'].replace('|', '/')} | | | | | | | |")
                continue
            found = f"{r['precision']:.1%} / {r['recall']:.1%}" if "precision" in r else "—"
            contacts = f"{r['contacts']:.1%}" if "contacts" in r else "—"
            lines.append(f"| {r['contender']} | {r['domains']:,} | {r['rate']:.0f} | {r['cpu_per_1k']:.2f} | {r['rss']:.0f} | {r['sockets']} | "
                         f"{found} | {contacts} | {fmt(r.get('classes'), '.1%')} |")
        base = next((r for r in rows if r.get("contender", "").startswith("baseline") and "cpu_per_1k" in r), None)
        ours = [r for r in rows if r.get("contender", "").startswith("disclose") and "cpu_per_1k" in r]
        peers = [r for r in rows if not r["contender"].startswith(("disclose", "baseline")) and "cpu_per_1k" in r]
        if base and ours:
            lines.append("")
            best = min(peers, key=lambda r: r["cpu_per_1k"]) if peers else None
            for o in ours:
                text = f"- {o['contender']}: CPU per domain {o['cpu_per_1k'] / base['cpu_per_1k']:.2f}× the bare baseline"
                if best:
                    text += f"; the most CPU-frugal peer ({best['contender']}) uses {best['cpu_per_1k'] / o['cpu_per_1k']:.1f}× as much"
                lines.append(text)
        lines.append("")
    path.write_text("\n".join(lines))
    log(f"wrote {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: about 15 minutes")
    ap.add_argument("--work", default="/tmp/disclose-bench", help="where peers, labs and databases go")
    ap.add_argument("--out", default=str(ROOT / "docs/benchmarks.md"))
    ap.add_argument("--skip-scale", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("the benchmark needs root: the lab binds port 443 and 53, contenders run in a mount namespace")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    TIME_LIMIT_S["value"] = 120 if args.quick else 1800
    disclose, baseline = build_disclose()
    tools = {"disclose": disclose, "baseline": baseline, "peers": install_peers(work)}
    report = []
    size = 1_000 if args.quick else 10_000
    workload("all-valid", "all-valid", size, tools, args, work, report)
    workload("realistic", "realistic", size, tools, args, work, report)
    if not args.skip_scale:
        scale(tools, args, work, report)
    write_report(Path(args.out), report, tools, args, started)


if __name__ == "__main__":
    main()
