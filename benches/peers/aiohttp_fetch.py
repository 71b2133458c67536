"""Benchmark contender: a plain asyncio/aiohttp fetch loop (no politeness, no validation).

Reads domains on stdin, fetches https://DOMAIN/.well-known/security.txt with `--concurrency`
requests in flight and a new connection each, prints `domain<TAB>status<TAB>contacts`.
The CA comes from `--ca`; names resolve through the system (the benchmark's resolv.conf).
"""
import argparse
import asyncio
import ssl
import sys

import aiohttp


async def fetch(session, semaphore, domain):
    async with semaphore:
        try:
            async with session.get(f"https://{domain}/.well-known/security.txt") as response:
                body = await response.content.read(32 * 1024)
                text = body.decode("utf-8", "replace")
                contacts = sum(1 for l in text.splitlines() if l.lower().startswith("contact:"))
                return domain, str(response.status), contacts
        except Exception as e:  # every failure is one line of output, like the other contenders
            return domain, f"error:{type(e).__name__}", 0


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ca", required=True)
    ap.add_argument("--concurrency", type=int, default=64)
    args = ap.parse_args()
    domains = [l.strip() for l in sys.stdin if l.strip() and not l.startswith("#")]
    context = ssl.create_default_context(cafile=args.ca)
    connector = aiohttp.TCPConnector(ssl=context, limit=args.concurrency, force_close=True)
    timeout = aiohttp.ClientTimeout(total=10, connect=5)
    semaphore = asyncio.Semaphore(args.concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for coro in asyncio.as_completed([fetch(session, semaphore, d) for d in domains]):
            domain, status, contacts = await coro
            print(f"{domain}\t{status}\t{contacts}")


asyncio.run(main())
