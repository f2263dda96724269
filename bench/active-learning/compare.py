#!/usr/bin/env python3
"""Side-by-side table of LabelLoop's and the modAL loop's curves (curves.csv from `labelloop simulate` and from
peer_al.py): mean accuracy per budget over seeds, the mean from 100 to 300 labels, and which budgets LabelLoop trails.

usage: compare.py --peer PEER_DIR [PEER_DIR...] --labelloop LL_DIR [LL_DIR...] [--from 50 --to 300]
"""
import argparse
import csv
import statistics
from collections import defaultdict
from pathlib import Path


def curves(dirs):
    points = defaultdict(lambda: defaultdict(list))  # strategy -> labels -> [accuracy %]
    for d in dirs:
        with open(Path(d) / "curves.csv", newline="") as f:
            for row in csv.DictReader(f):
                acc = float(row["accuracy"])
                points[row["strategy"]][int(row["labels"])].append(acc * 100 if acc <= 1.0 else acc)
    return points


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer", nargs="+", required=True)
    parser.add_argument("--labelloop", nargs="+", required=True)
    parser.add_argument("--from", dest="low", type=int, default=50)
    parser.add_argument("--to", dest="high", type=int, default=300)
    args = parser.parse_args()
    peer, ours = curves(args.peer), curves(args.labelloop)
    budgets = sorted({n for s in list(peer.values()) + list(ours.values()) for n in s})
    print("| curve | seeds | " + " | ".join(str(n) for n in budgets) + " | mean 100-300 |")
    print("|---|---:|" + "---:|" * (len(budgets) + 1))
    rows = [(f"peer {s}", peer[s]) for s in sorted(peer)] + [(f"LabelLoop {s}", ours[s]) for s in sorted(ours)]
    for name, pts in rows:
        means = {n: statistics.mean(v) for n, v in pts.items()}
        seeds = max(len(v) for v in pts.values())
        window = [means[n] for n in budgets if 100 <= n <= 300 and n in means]
        print(f"| {name} | {seeds} | " + " | ".join(f"{means[n]:.1f}" if n in means else "" for n in budgets)
              + f" | {statistics.mean(window):.1f} |")
    print()
    for s in sorted(ours):
        if s not in peer:
            continue
        gaps = [(n, statistics.mean(ours[s][n]) - statistics.mean(peer[s][n]))
                for n in budgets if args.low <= n <= args.high and n in ours[s] and n in peer[s]]
        behind = [f"{n} ({d:+.1f})" for n, d in gaps if d < 0]
        window = [d for n, d in gaps if 100 <= n <= 300]
        print(f"{s}: LabelLoop minus peer over 100-300 {statistics.mean(window):+.1f} points; "
              f"behind at {', '.join(behind) if behind else 'no budget'} in {args.low}-{args.high}")
    if "random" in ours:
        for s in sorted(ours):
            if s.startswith("qbc"):
                gaps = [statistics.mean(ours[s][n]) - statistics.mean(ours["random"][n]) for n in budgets
                        if args.low <= n <= args.high and n in ours[s]]
                print(f"{s} minus LabelLoop random, mean over {args.low}-{args.high}: {statistics.mean(gaps):+.1f} points; "
                      f"lowest {min(gaps):+.1f}")


if __name__ == "__main__":
    main()
