"""Benchmark contender: the Dutch validator sectxt 0.9.8 (internet.nl's library) from PyPI.

Reads domains on stdin and runs `sectxt.SecurityTXT(domain)` for each, sequentially or with a
thread pool (`--threads`), printing `domain<TAB>found|valid<TAB>contact,contact`. The CA comes
from REQUESTS_CA_BUNDLE; names resolve through the system.
"""

import sectxt
from threaded import run


def check(domain):
    try:
        s = sectxt.SecurityTXT(domain)
        found = not any(e["code"] == "no_security_txt" for e in s.errors)
        contacts = s._values.get("contact", []) if found else []
        return domain, ("valid" if s.is_valid() else "found") if found else "none", contacts
    except Exception as e:
        return domain, f"error:{type(e).__name__}", []


run(check)
