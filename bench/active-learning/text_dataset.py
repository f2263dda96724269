"""Writes a labeled text data set in the .jsonl layout that `labelloop simulate` and the modAL loop read."""

import json
import os


def write(out, file_name, rows, classes):
    """Writes rows of (id, text, label) to OUT/FILE_NAME, one JSON object per line, and prints the count per class."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, file_name)
    with open(path, "w", encoding="utf-8") as f:
        for name, text, label in rows:
            f.write(json.dumps({"id": name, "text": text, "label": label}) + "\n")
    counts = {c: sum(1 for r in rows if r[2] == c) for c in classes}
    print(f"{len(rows)} descriptions in {out}/{file_name}: {counts}")
