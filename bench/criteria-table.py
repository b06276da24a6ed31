"""Prints the Markdown table of bench/criteria-table's JSON results."""
import json, os, sys

out = sys.argv[1]

def load(name, kind):
    p = os.path.join(out, f"{name}.{kind}.json")
    return json.load(open(p)) if os.path.exists(p) else None

def ppl(ev, ds):
    return next(r["ppl"] for r in ev["perplexity"] if r["dataset"] == ds)

dense = load("dense", "eval")
print("| target | criterion | allocation | parameters | removed | WikiText-2 ppl | PTB ppl |")
print("|---|---|---|---:|---:|---:|---:|")
print(f"| 0 | dense | - | {dense['parameters']:,} | 0 | {ppl(dense, 'wikitext2'):.2f} | {ppl(dense, 'ptb'):.2f} |")
for target in ("0.2", "0.5"):
    for crit in ("random", "l1", "l2", "wanda-sp", "flap", "taylor-vector", "taylor-element", "flap-preset"):
        ev, pr = load(f"{crit}-{target}", "eval"), load(f"{crit}-{target}", "prune")
        if not ev or not pr:
            continue
        p = pr["record"]["parameters"]
        alloc = pr["record"]["options"]["allocation"]
        label = "flap (preset: + bias compensation)" if crit == "flap-preset" else crit
        print(f"| {float(target):.0%} | {label} | {alloc} | {p['after']:,} | {p['fractionRemoved']:.2%} "
              f"| {ppl(ev, 'wikitext2'):.2f} | {ppl(ev, 'ptb'):.2f} |")
