#!/usr/bin/env python3
"""Prints the tables of docs/results/cluster.md from results/cluster/throughput.json and projection.json."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
t = json.loads((ROOT / "results/cluster/throughput.json").read_text())
p = json.loads((ROOT / "results/cluster/projection.json").read_text())


def spread(s, fmt="{:.2f}"):
    if len(s["runs"]) == 1:
        return fmt.format(s["median"])
    return (fmt + " ({}–{})").format(s["median"], fmt.format(s["min"]), fmt.format(s["max"]))


print("| shape | fitness tokens / evaluation | mode | evaluations/s (median, range) | vs local | "
      "s to listen | s from --cluster to first evaluation | evaluations per worker | same best-rates.json |")
print("|---|---|---|---|---|---|---|---|---|")
for size, s in t["sizes"].items():
    local = s["modes"]["local --jobs 1"]["evaluationsPerSecond"]["median"]
    for mode, m in s["modes"].items():
        e = m["evaluationsPerSecond"]
        cells = [size, str(s["fitnessWindows"] * s["fitnessLength"]), mode, spread(e), "{:.2f}".format(e["median"] / local)]
        if "secondsToListen" in m:
            cells += [spread(m["secondsToListen"], "{:.1f}"), spread(m["secondsToFirstEvaluation"], "{:.1f}"),
                      " / ".join(str(x) for x in m["perWorker"])]
        else:
            cells += ["—", "—", "—"]
        cells.append("yes" if s["sameBestRatesInEveryMode"] else "NO")
        print("| " + " | ".join(cells) + " |")
print()
print("| | value |")
print("|---|---|")
print("| FLOPs of one 270M evaluation ({} tokens) | {:.3g} |".format(
    t["sizes"]["270m"]["fitnessWindows"] * t["sizes"]["270m"]["fitnessLength"], p["flopsPerEvaluation270m"]))
print("| measured GFLOP/s (270M, local --jobs 1) | {:.1f} |".format(p["measuredGflops"]))
print("| engine overhead per evaluation (270M, 1 worker vs local) | {:.2f} s |".format(p["engineOverheadSecondsPerEvaluation"]))
for name, e in p["evaluations"].items():
    print("| one {} evaluation, 8 × 128 tokens: {:.3g} FLOPs | {:.0f} s ({:.1f} min) |".format(
        name.upper(), e["flops"], e["seconds"], e["seconds"] / 60))
print()
print("| machines | rounds of evaluations | projected wall time of the 430-evaluation search at 70B |")
print("|---|---|---|")
for n, r in p["search430"].items():
    print("| {} | {} | {:.0f} h ({:.1f} days) |".format(n, r["rounds"], r["hours"], r["hours"] / 24))
