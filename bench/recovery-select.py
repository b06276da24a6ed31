#!/usr/bin/env python3
"""Chooses reconstruction's default --ridge and --reconstruct-mode without touching held-out text.

stories260K-hf pruned 50% with --method flap on the first 80% of tinystories/calib.txt (by lines);
reconstruction on the same 80%; perplexity (seq 256) on the last 20% of calib.txt (validation).
Usage: bench/recovery-select.py [OUT_DIR]   (default results/recovery/select; one JSON per run)
"""
import json, os, subprocess, sys
here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "results/recovery/select")
os.makedirs(out, exist_ok=True)
shared = os.path.join(here, "..", "shared", "data")
model = os.path.join(shared, "models/stories260K-hf")
lines = open(os.path.join(shared, "eval/tinystories/calib.txt"), encoding="utf-8").read().splitlines(keepends=True)
cut = int(len(lines) * 0.8)
fit, val = os.path.join(out, "calib-fit.txt"), os.path.join(out, "calib-val.txt")
open(fit, "w", encoding="utf-8").write("".join(lines[:cut]))
open(val, "w", encoding="utf-8").write("".join(lines[cut:]))
lopper = os.path.join(here, "lopper")
work = os.path.join(out, "work")

def run(*args):
    subprocess.run([lopper, *args, "--quiet"], check=True, stdout=subprocess.DEVNULL)

pruned = os.path.join(work, "flap")
run("prune", "--model", model, "--method", "flap", "--target", "0.5", "--calib", fit, "--out", pruned, "--force")
rows = []
for mode in ["one-shot", "sequential"]:
    for ridge in ["0.001", "0.01", "0.1", "1"]:
        name = f"{mode}-ridge{ridge}"
        j = os.path.join(out, name + ".json")
        run("recover", "--model", pruned, "--teacher", model, "--reconstruct", "--reconstruct-mode", mode,
            "--ridge", ridge, "--calib", fit, "--calib-windows", "128", "--calib-len", "256",
            "--eval-data", val, "--seq-len", "256", "--out", os.path.join(work, name), "--force", "--json", j)
        r = json.load(open(j))
        rows.append((mode, ridge, r["perplexityBefore"], r["perplexityAfter"]))
        print(f"| {mode} | {ridge} | {r['perplexityBefore']:.2f} | {r['perplexityAfter']:.2f} |", flush=True)
subprocess.run(["rm", "-rf", work])
