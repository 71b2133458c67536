"""Benchmark contender: pysecuritytxt 1.4.0 (CIRCL/Lookyloo) from PyPI.

Reads domains on stdin and runs `PySecurityTXT().get(domain, parse=True)` for each,
sequentially or with a thread pool (`--threads`), printing `domain<TAB>found|none<TAB>contacts`.
The CA comes from REQUESTS_CA_BUNDLE; names resolve through the system.
"""
import json

from pysecuritytxt import PySecurityTXT
from threaded import run

client = PySecurityTXT()


def check(domain):
    try:
        parsed = client.get(domain, parse=True)
        if isinstance(parsed, str):
            parsed = json.loads(parsed)
        contacts = parsed.get("contact", [])
        if isinstance(contacts, str):
            contacts = [contacts]
        return domain, "found", contacts
    except Exception as e:
        return domain, "none" if type(e).__name__ == "SecurityTXTNotAvailable" else f"error:{type(e).__name__}", []


run(check)
