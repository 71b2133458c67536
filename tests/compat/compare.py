#!/usr/bin/env python3
"""Compare disclose's findings with sectxt 0.9.8's on the corpus, file by file.

Run by hand, not in CI (it needs sectxt from PyPI):

    python3 -m venv /tmp/sectxt-venv
    /tmp/sectxt-venv/bin/pip install sectxt==0.9.8
    cargo build
    /tmp/sectxt-venv/bin/python tests/compat/compare.py            # every file that differs
    /tmp/sectxt-venv/bin/python tests/compat/compare.py --summary  # counts per difference

Both tools see the same bytes, no URLs and the same "now" (sectxt's clock is pinned by replacing
the `datetime` it imported). Codes are compared as multisets per file. Codes that sectxt does not
have are listed separately: they are what disclose adds. Every difference that remains is
explained in docs/sectxt-differences.md.
"""
import argparse
import collections
import datetime as dt
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

SECTXT_CODES = {
    "bom_in_file", "utf8", "data_after_sig", "signed_format_issue", "pgp_data_error", "pgp_error",
    "pgp_signature_error", "invalid_line", "prec_ws", "no_space", "empty_key", "empty_value",
    "no_uri", "no_https", "invalid_expiry", "expired", "invalid_lang", "no_expire", "multi_expire",
    "no_canonical_match", "no_line_separators", "too_many_line_separators", "no_csaf_file",
    "no_contact", "multi_lang", "invalid_cert", "invalid_uri_scheme", "location",
    "no_content_type", "invalid_media", "invalid_charset", "no_security_txt", "long_expiry",
    "no_encryption", "not_signed", "no_canonical", "multiple_csaf_fields", "unknown_field",
}


def sectxt_codes(path, now):
    import sectxt

    class PinnedDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return now.astimezone(tz) if tz else now.replace(tzinfo=None)

    sectxt.datetime = PinnedDatetime
    try:
        p = sectxt.Parser(path.read_bytes())
    except Exception as e:  # sectxt crashes on some inputs; that is a finding in itself
        return None, f"{type(e).__name__}: {e}"
    found = p.errors + p.recommendations + p.notifications
    return collections.Counter(f["code"] for f in found), None


def disclose_codes(paths, now, binary):
    cmd = [binary, "check", "--json", "--now", now.strftime("%Y-%m-%dT%H:%M:%SZ")]
    out = subprocess.run(cmd + [str(p) for p in paths], capture_output=True, text=True)
    if out.returncode == 2:
        sys.exit(f"disclose failed: {out.stderr}")
    result = {}
    for line in out.stdout.splitlines():
        obj = json.loads(line)
        result[obj["file"]] = collections.Counter(d["code"] for d in obj["diagnostics"])
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "tests" / "corpus"))
    ap.add_argument("--now", default="2026-11-22T00:00:00+00:00")
    ap.add_argument("--binary", default=str(ROOT / "target" / "debug" / "disclose"))
    ap.add_argument("--summary", action="store_true", help="print counts per difference only")
    args = ap.parse_args()
    now = dt.datetime.fromisoformat(args.now)
    paths = sorted(pathlib.Path(args.corpus).glob("*.txt"))
    ours = disclose_codes(paths, now, args.binary)

    only_sectxt = collections.Counter()
    only_ours_shared = collections.Counter()
    added = collections.Counter()
    differing = 0
    for path in paths:
        theirs, crash = sectxt_codes(path, now)
        mine = ours[str(path)]
        if crash:
            differing += 1
            if not args.summary:
                print(f"{path.name}: sectxt crashed ({crash}); disclose: {sorted(mine.elements())}")
            only_sectxt["(sectxt crash)"] += 1
            continue
        shared_mine = collections.Counter({c: n for c, n in mine.items() if c in SECTXT_CODES})
        new_mine = collections.Counter({c: n for c, n in mine.items() if c not in SECTXT_CODES})
        missing = theirs - shared_mine
        extra = shared_mine - theirs
        only_sectxt.update(missing)
        only_ours_shared.update(extra)
        added.update(new_mine)
        if (missing or extra) and not args.summary:
            differing += 1
            parts = []
            if missing:
                parts.append(f"only sectxt: {sorted(missing.elements())}")
            if extra:
                parts.append(f"only disclose: {sorted(extra.elements())}")
            if new_mine:
                parts.append(f"(disclose-only codes: {sorted(new_mine.elements())})")
            print(f"{path.name}: " + "; ".join(parts))
        elif missing or extra:
            differing += 1

    print(f"\n{len(paths)} files, {differing} with a difference in sectxt's own codes")
    print("\nsectxt reports, disclose does not (occurrences):")
    for code, n in only_sectxt.most_common():
        print(f"  {code}: {n}")
    print("\ndisclose reports under a sectxt code, sectxt does not (occurrences):")
    for code, n in only_ours_shared.most_common():
        print(f"  {code}: {n}")
    print("\ncodes sectxt does not have (occurrences):")
    for code, n in added.most_common():
        print(f"  {code}: {n}")


if __name__ == "__main__":
    main()
