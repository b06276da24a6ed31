"""Prints the Markdown table of bench/search-table's JSON results."""
import json, os, sys

out = sys.argv[1]

def load(name, kind):
    p = os.path.join(out, f"{name}.{kind}.json")
    return json.load(open(p)) if os.path.exists(p) else None

def ppls(ev):
    return {r["dataset"]: r["ppl"] for r in ev["perplexity"]}

def best(run):
    p = os.path.join(out, "runs", run, "best.json")
    return json.load(open(p)) if os.path.exists(p) else None

labels = {"uniform": "uniform", "owl": "OWL", "ga-ppl": "ga search, ppl fitness",
          "ga-kl": "ga search, kl fitness", "self": "self search (ppl)"}
for key, title in (("stories260K", "stories260K-hf (held-out: tinystories/heldout.txt)"),
                   ("gqa8m", "tiny-llama-gqa-8m (WikiText-2 / PTB test)")):
    dense = load(f"{key}-dense", "eval")
    if not dense:
        continue
    sets = list(ppls(dense).keys())
    print(f"\n**{title}**\n")
    print("| target | rates | removed | " + " | ".join(f"{s} ppl" for s in sets)
          + " | fitness evals | fallbacks | wall time (s) |")
    print("|---|---|---:|" + "---:|" * len(sets) + "---:|---:|---:|")
    print("| 0 | dense | 0 | " + " | ".join(f"{ppls(dense)[s]:.2f}" for s in sets) + " | | | |")
    for target in ("0.3", "0.5"):
        uni = None
        for v in ("uniform", "owl", "ga-ppl", "ga-kl", "self"):
            name = f"{key}-{target}-{v}"
            ev, pr, tm = load(name, "eval"), load(name, "prune"), load(name, "time")
            if not ev or not pr:
                print(f"| {float(target):.0%} | {labels[v]} | (missing) |" + " |" * len(sets) + " | | |")
                continue
            p = ppls(ev)
            if v == "uniform":
                uni = p
            b = best(name)
            evals = b["evaluations"] if b else ""
            fb = ""
            if b and v == "self":
                fb = sum(c for k, c in b["counters"].items() if k.startswith("fallbacks."))
            cells = []
            for s in sets:
                mark = ""
                if uni and v not in ("uniform",):
                    mark = " ✓" if p[s] < uni[s] else " ✗"
                cells.append(f"{p[s]:.2f}{mark}")
            print(f"| {float(target):.0%} | {labels[v]} | {pr['record']['parameters']['fractionRemoved']:.2%} | "
                  + " | ".join(cells) + f" | {evals} | {fb} | {tm['seconds']:.0f} |")
