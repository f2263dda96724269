#!/usr/bin/env python3
"""Writes a short-text classification set from this machine's apt package lists: each Debian package's one-line
description, labeled by its archive section (8 sections whose packages are about something, not a language or a
packaging role), at most 700 per section, as the JSONL import layout (`{"id", "text", "label"}`).

Usage: debian-packages.py OUT_DIR   (needs the lists `apt-get update` leaves in /var/lib/apt/lists)
"""
import glob
import random
import subprocess
import sys

import text_dataset

SECTIONS = ["admin", "games", "graphics", "mail", "net", "science", "sound", "text"]
PER_SECTION = 700


def packages():
    lists = sorted(glob.glob("/var/lib/apt/lists/*_main_binary-amd64_Packages*"))
    if not lists:
        sys.exit("no apt package lists under /var/lib/apt/lists: run apt-get update first")
    for path in lists:
        text = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], check=True, capture_output=True, text=True).stdout
        for stanza in text.split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                if line and not line[0].isspace() and ": " in line:
                    key, value = line.split(": ", 1)
                    fields[key] = value
            if "Package" in fields and "Section" in fields and "Description" in fields:
                yield fields["Package"], fields["Section"].split("/")[-1], fields["Description"].strip()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "debian-packages"
    by_section = {s: {} for s in SECTIONS}
    seen_text = set()
    for name, section, description in packages():
        # One item per description: packages split into -data, -common, ... often share one.
        if section in by_section and description not in seen_text:
            seen_text.add(description)
            by_section[section][name] = description
    rng = random.Random(7)
    rows = []
    for section in SECTIONS:
        names = sorted(by_section[section])
        rng.shuffle(names)
        rows += [(name, by_section[section][name], section) for name in names[:PER_SECTION]]
    rng.shuffle(rows)
    text_dataset.write(out, "debian-packages.jsonl", rows, SECTIONS)


if __name__ == "__main__":
    main()
