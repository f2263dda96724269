#!/usr/bin/env python3
"""Writes a paragraph-text classification set from this machine's apt AppStream metadata: each Debian desktop
application's summary and long description (a paragraph or a few, 58 words at the median), labeled by its one main
freedesktop.org category (applications listed under two or more main categories are left out), as the JSONL import
layout (`{"id", "text", "label"}`). Ten classes, 57 to 411 items each, 1,678 in all.

Usage: appstream-apps.py OUT_DIR   (needs the dep11 Components file `apt-get update` leaves in /var/lib/apt/lists)
"""
import glob
import gzip
import html
import random
import re
import sys

import yaml

import text_dataset

MAIN = ["AudioVideo", "Development", "Education", "Game", "Graphics", "Network", "Office", "Science", "System", "Utility"]


def components():
    paths = sorted(glob.glob("/var/lib/apt/lists/*_dists_bookworm_main_dep11_Components-amd64.yml.gz"))
    if not paths:
        sys.exit("no dep11 Components file under /var/lib/apt/lists: run apt-get update first")
    with gzip.open(paths[0], "rt", encoding="utf-8") as f:
        for doc in yaml.safe_load_all(f):
            if doc and "ID" in doc:
                yield doc


def plain(markup):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "appstream-apps"
    rows, seen = [], set()
    for doc in components():
        categories = [c for c in doc.get("Categories") or [] if c in MAIN]
        description = (doc.get("Description") or {}).get("C")
        summary = (doc.get("Summary") or {}).get("C", "")
        if len(categories) != 1 or not description:
            continue
        text = plain(f"{summary}. {description}")
        # One item per text: a package's variants (-qt, -gtk, ...) often share one description.
        if text in seen or doc["ID"] in seen:
            continue
        seen.update([text, doc["ID"]])
        rows.append((doc["ID"], text, categories[0]))
    random.Random(7).shuffle(rows)
    text_dataset.write(out, "appstream-apps.jsonl", rows, MAIN)


if __name__ == "__main__":
    main()
