#!/usr/bin/env python3
"""Checks that IntelMQ takes disclose's events as they are.

    python3 -m venv /tmp/imq && /tmp/imq/bin/pip install intelmq==3.5.0
    disclose export --format intelmq > events.jsonl
    disclose lookup --file feed.csv --format intelmq >> events.jsonl
    /tmp/imq/bin/python tests/compat/intelmq_check.py events.jsonl

Each line goes through IntelMQ's own `MessageFactory.unserialize` (what its JSON parser bot
does with a line) and then field by field through `Event.add` with validation, as a parser bot
adds fields. Any key or value IntelMQ refuses raises, naming the line.
"""
import json
import sys

from intelmq.lib.message import Event, MessageFactory

count = 0
with open(sys.argv[1], encoding="utf-8") as lines:
    for number, line in enumerate(lines, start=1):
        try:
            MessageFactory.unserialize(line.strip())
            event = Event()
            for key, value in json.loads(line).items():
                if key != "__type":
                    event.add(key, value, sanitize=True, raise_failure=True)
        except Exception as e:  # noqa: BLE001 - report whatever IntelMQ raises, with the line
            sys.exit(f"line {number}: {type(e).__name__}: {e}")
        count += 1
print(f"IntelMQ took all {count} events")
