#!/usr/bin/env python3
"""Projection (not a measurement) of the paper-sized search at 70B on 1, 10 and 50 machines, from
results/cluster/throughput.json (bench/cluster-throughput/run.py): the 270M shape's measured local
evaluations/s give this machine's GFLOP/s for a masked fitness evaluation (FLOPs counted below); the
cluster's measured evaluations/s with one worker give the engine's overhead per evaluation. A 7B or 70B
evaluation on 8 windows of 128 tokens (Lopper's defaults, ~1K tokens) then costs FLOPs / GFLOP/s; the
search (population 30, 20 generations of 10 crossovers + 10 mutations = 430 evaluations, one stage, no
repeats) runs each generation's candidates as ceil(candidates / machines) rounds of evaluations.
Writes results/cluster/projection.json.
"""
import json, math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
t = json.loads((ROOT / "results/cluster/throughput.json").read_text())


def flops_per_token(hidden, layers, heads, kv, inter, vocab, ctx):
    hd = hidden // heads
    proj = 2 * (2 * hidden * hidden + 2 * hidden * kv * hd)   # q, o; k, v
    mlp = 2 * 3 * hidden * inter
    attn = 2 * 2 * heads * hd * (ctx + 1) / 2                  # scores and weighted values, mean context
    return layers * (proj + mlp + attn) + 2 * hidden * vocab


SHAPES = {  # hidden, layers, heads, kv heads, intermediate, vocabulary
    "270m": (1024, 16, 16, 16, 2816, 32000),
    "7b": (4096, 32, 32, 32, 11008, 32000),      # LLaMA-2-7B
    "70b": (8192, 80, 64, 8, 28672, 32000),      # LLaMA-2-70B
}
s270 = t["sizes"]["270m"]
tokens270 = s270["fitnessWindows"] * s270["fitnessLength"]
f270 = flops_per_token(*SHAPES["270m"], s270["fitnessLength"]) * tokens270
local = s270["modes"]["local --jobs 1"]["evaluationsPerSecond"]["median"]
one = s270["modes"]["1 worker"]["evaluationsPerSecond"]["median"]
gflops = f270 * local / 1e9
overhead = 1 / one - 1 / local          # seconds per evaluation added by the engine (may be < 0 within noise)
first = s270["modes"]["1 worker"]["secondsToFirstEvaluation"]["median"]

out = {"note": "projection from measured figures, not a measurement", "measuredOn": t["sizes"]["270m"]["machine"],
       "flopsPerEvaluation270m": f270, "measuredGflops": gflops, "engineOverheadSecondsPerEvaluation": overhead,
       "secondsToFirstEvaluation270m": first, "evaluations": {}, "search430": {}}
for name in ("7b", "70b"):
    f = flops_per_token(*SHAPES[name], 128) * 8 * 128
    out["evaluations"][name] = {"flops": f, "seconds": f / (gflops * 1e9)}
sec70 = out["evaluations"]["70b"]["seconds"]
for machines in (1, 10, 50):
    rounds = math.ceil(30 / machines) + 20 * math.ceil(20 / machines)
    out["search430"][str(machines)] = {"rounds": rounds, "seconds": rounds * (sec70 + max(0.0, overhead)),
                                       "hours": rounds * (sec70 + max(0.0, overhead)) / 3600}
(ROOT / "results/cluster/projection.json").write_text(json.dumps(out, indent=2) + "\n")
print(json.dumps(out, indent=2))
