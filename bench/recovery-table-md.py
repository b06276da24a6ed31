#!/usr/bin/env python3
"""Markdown tables from bench/recovery-table.py's JSON (usage: recovery-table-md.py RESULTS_DIR)."""
import json, os, sys

out = sys.argv[1]


def load(name):
    p = os.path.join(out, name)
    return json.load(open(p)) if os.path.exists(p) else None


def ppl(name):
    e = load(name + ".eval.json")
    return {r["dataset"]: r["ppl"] for r in e["perplexity"]} if e else None


def step(name, kind):
    j = load(f"{name}.{kind}.json")
    if not j:
        return "-"
    run = j["record"]["run"] if kind == "prune" else j["recovery"]["reconstruction"]["run"]
    return f"{run['seconds']:.1f} s, {run['peakMemoryBytes'] / 1e6:.0f} MB"


def cell(d, key):
    return f"{d[key]:.2f}" if d and key in d else "-"


lines = []
for key, title, sets in [("stories260K", "stories260K-hf, held-out TinyStories (heldout.txt), seq 256", ["heldout.txt"]),
                         ("gqa8m", "tiny-llama-gqa-8m, WikiText-2 / PTB test (first windows), seq 128", ["wikitext2", "ptb"])]:
    dense = ppl(f"{key}-dense")
    if not dense:
        continue
    lines += [f"### {title}", "", f"Dense: " + " / ".join(cell(dense, s) for s in sets), "",
              "| 50% preset | no recovery | + reconstruction one-shot | + reconstruction sequential | prune step | one-shot step | sequential step |",
              "|---|---|---|---|---|---|---|"]
    for method in ["wanda-sp", "flap", "llm-pruner", "hywia"]:
        n = f"{key}-{method}"
        row = [method] + [" / ".join(cell(ppl(x), s) for s in sets) for x in (n, n + "-one-shot", n + "-sequential")]
        row += [step(n, "prune"), step(n + "-one-shot", "recover"), step(n + "-sequential", "recover")]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")

flap = ppl("best-flap")
if flap:
    lines += ["### Training-free pipelines on stories260K-hf at 50% (held-out perplexity, seq 256)", "",
              "| pipeline | held-out ppl | vs `--method flap` | prune step | reconstruction step |", "|---|---|---|---|---|"]
    for f in sorted(x for x in os.listdir(out) if x.startswith("best-") and x.endswith(".eval.json")):
        n = f[:-len(".eval.json")]
        p = ppl(n)
        v = p["heldout.txt"]
        lines.append(f"| {n[5:]} | {v:.2f} | {v / flap['heldout.txt']:.3f}x | {step(n, 'prune')} | {step(n + '-rec', 'recover')} |")
    lines.append("")
print("\n".join(lines))
