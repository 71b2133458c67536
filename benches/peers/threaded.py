"""The driver the blocking Python peers share: domains on stdin, a thread pool of `--threads`,
one `domain<TAB>status<TAB>contact,contact` line per domain on stdout, in input order."""
import argparse
import sys
from concurrent.futures import ThreadPoolExecutor


def run(check):
    """Runs `check(domain) -> (domain, status, contacts)` over the domains on stdin."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    domains = [l.strip() for l in sys.stdin if l.strip() and not l.startswith("#")]
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        for domain, status, contacts in pool.map(check, domains):
            print(f"{domain}\t{status}\t{','.join(contacts)}")
