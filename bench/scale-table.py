#!/usr/bin/env python3
"""docs/results/scale.md from results/scale/*.json (written by bench/scale): the runs, their stages
with the GEMM rate each reached, the search's evaluations per second, and the LLaMA-2-70B projection
(fitted to the measured llm-pruner runs; stated as a projection). Called by bench/scale-table."""
import glob
import json
import os
import sys

RES, MD = sys.argv[1], sys.argv[2]
SHAPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shapes")


def params(shape):
    """Parameters of a bench/shapes config (the formula bench/make-random prints)."""
    c = json.load(open(os.path.join(SHAPES, shape + ".json")))
    h, f, n, layers, v = c["hidden_size"], c["intermediate_size"], c["num_attention_heads"], c["num_hidden_layers"], c["vocab_size"]
    d, kv = h // n, c.get("num_key_value_heads") or n
    per_layer = h * n * d * 2 + h * kv * d * 2 + 3 * h * f + 2 * h
    return per_layer * layers + v * h * (1 if c.get("tie_word_embeddings") else 2) + h


runs = {}
for path in sorted(glob.glob(os.path.join(RES, "*.json"))):
    r = json.load(open(path))
    runs[r["name"]] = r


def shape_of(name):
    return next(s for s in ("llama-2-13b", "llama-2-7b", "llama-3-8b", "llama-3b", "llama-1b") if name.startswith(s))


def gb(b):
    return "-" if b is None or b < 0 else f"{b / 1e9:.2f} GB"


out = []
w = out.append
w("# Scale: random-weight LLaMA shapes on this machine (2 cores, 24 GB)")
w("")
w("Made by `bench/scale` (models from `bench/make-random`; weights random, so only time, memory and")
w("bytes read mean anything) and `bench/scale-table`. Wall time, CPU time, peak RSS (mapped pages counted) and")
w("bytes read from disk from `/usr/bin/time -v`; stages from `lopper prune --json`. The load average at the")
w("start and end of each run is given (other engineers' builds ran at `nice 19` beside these runs; a load")
w("above 2 means they were waiting for the CPU). See [docs/scale.md](../scale.md) for what the figures say.")
w("")
w("| run | parameters | bf16 size | wall | CPU (user+sys) | peak RSS | peak RSS / model | read from disk | load avg start → end |")
w("|---|---|---|---|---|---|---|---|---|")
for name, r in runs.items():
    p = params(shape_of(name))
    dense = name.endswith("-eval-ppl")
    size = "pruned" if dense else f"{p * 2 / 1e9:.1f} GB"
    ratio = "-" if dense else f"{r['maxRssBytes'] / (p * 2):.2f}"
    start = r.get("loadavgAtStart", "?").split()[0]
    pb = "-" if dense else "%.2f B" % (p / 1e9)
    w(f"| {name} | {pb} | {size} | {r['wallSeconds']:.0f} s | {r.get('cpuSeconds', 0):.0f} s"
      f" | {gb(r['maxRssBytes'])} | {ratio} | {gb(r['fsInputBytes'])} | {start} → {r['loadavg'].split()[0]} |")
w("")
w("## Stages (from `lopper prune --json`)")
w("")
w("GEMM rate: the floating-point operations of the linear layers' products in the stage (`Gemm` counts")
w("them) over the stage's wall time. JMH on a quiet machine: 261 GFLOP/s for the bf16 forward GEMM on both cores.")
w("")
w("| run | stage | seconds | GEMM TFLOP | GEMM GFLOP/s | read from disk | peak RSS so far | RSS at end |")
w("|---|---|---|---|---|---|---|---|")
for name, r in runs.items():
    for s in (r.get("lopper") or {}).get("stages") or []:
        fl = s.get("gemmFlops")
        rate = f"{fl / 1e9 / s['seconds']:.0f}" if fl and s["seconds"] > 0.5 and fl > 1e10 else "-"
        w(f"| {name} | {s['name']} | {s['seconds']:.1f} | {fl / 1e12:.1f} | {rate} | {gb(s['readBytes'])} | "
          f"{gb(s['peakRssBytes'])} | {gb(s['rssBytes'])} |" if fl is not None else
          f"| {name} | {s['name']} | {s['seconds']:.1f} | - | - | {gb(s['readBytes'])} | {gb(s['peakRssBytes'])} | {gb(s['rssBytes'])} |")
w("")

searches = {n: r for n, r in runs.items() if "-search-" in n and r.get("lopper", {}).get("evaluations")}
if searches:
    w("## Search: evaluations per second")
    w("")
    w("| run | fitness evaluations | tokens each | search seconds | evaluations/s | the paper's 430 evaluations, projected |")
    w("|---|---|---|---|---|---|")
    for n, r in searches.items():
        l = r["lopper"]
        rate = l["evaluations"] / l["seconds"]
        w(f"| {n} | {l['evaluations']} | {l['tokensPerEvaluation']} | {l['seconds']:.0f} | {rate:.4f} | "
          f"{430 / rate / 3600:.1f} h |")
    w("")

prunes = sorted(((params(shape_of(n)), r) for n, r in runs.items() if n.endswith("-llm-pruner")), key=lambda t: t[0])
if len(prunes) >= 2:
    p70 = params("llama-2-70b")
    xs = [p for p, _ in prunes]

    def fit(ys):   # least-squares line y = a + b·x over the measured sizes
        n, mx, my = len(xs), sum(xs) / len(xs), sum(ys) / len(ys)
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        return my - b * mx, b

    a_t, b_t = fit([r["wallSeconds"] for _, r in prunes])
    a_c, b_c = fit([r.get("cpuSeconds", r["wallSeconds"]) for _, r in prunes])
    big = [(p, r) for p, r in prunes if p * 2 > 12e9]       # runs that released pages (model > half of RAM)
    w("## Projection: the Self-Pruner headline at LLaMA-2-70B (a projection, not a measurement)")
    w("")
    w(f"LLaMA-2-70B has {p70 / 1e9:.2f} B parameters ({p70 * 2 / 1e9:.0f} GB of bf16: more than this machine's free disk,")
    w("so it cannot be made here). Lines fitted by least squares to the llm-pruner 0.2 runs above "
      "(" + ", ".join("%.1f B" % (p / 1e9) for p in xs) + "):")
    w("")
    w(f"- `prune --method llm-pruner` (the scores the search starts from, and the final cut): wall "
      f"{a_t:.0f} s + {b_t * 1e9:.1f} s per B parameters → **{(a_t + b_t * p70) / 60:.0f} min** at 70B "
      f"(CPU {(a_c + b_c * p70) / 60:.0f} CPU-min).")
    if big:
        listed = ", ".join("%.1f B: %s" % (p / 1e9, gb(r["maxRssBytes"])) for p, r in big)
        if len(big) >= 2:
            (x0, r0), (x1, r1) = big[0], big[-1]
            slope = (r1["maxRssBytes"] - r0["maxRssBytes"]) / (x1 - x0)
            rss70 = r1["maxRssBytes"] + slope * (p70 - x1)
            how = f"the line through them: {slope:.3f} GB per B parameters"
        else:
            rss70 = big[0][1]["maxRssBytes"] / big[0][0] * p70
            how = "in proportion to parameters (one point)"
        reads = [r["fsInputBytes"] / (p * 2) for p, r in big if r["fsInputBytes"] > p]   # runs that read the model from disk
        w(f"- Peak RSS of the runs that release pages layer by layer ({listed}), extended by {how} → "
          f"**{rss70 / 1e9:.0f} GB** at 70B (what grows with size is one layer's tensors and the backward's kept layer "
          "inputs; the mapped pages are released layer by layer).")
        if reads:
            w(f"- Bytes read from disk: {max(reads):.1f}× the bf16 model when it is not cached (forward, the backward's "
              f"recomputation, the writer) → **{max(reads) * p70 * 2 / 1e9:.0f} GB** read at 70B.")
    for n, r in searches.items():
        if not n.startswith("llama-2-7b"):
            continue
        l = r["lopper"]
        per_eval = l["seconds"] / l["evaluations"]
        scale = p70 / params("llama-2-7b")
        w(f"- One `ga` generation (10 crossovers + 10 mutations = 20 fitness evaluations) at 70B: "
          f"{per_eval:.0f} s per evaluation at 7B × {scale:.1f} (parameters) → **{20 * per_eval * scale / 3600:.1f} h**; "
          f"the paper's 430 evaluations → **{430 * per_eval * scale / 3600:.0f} h** on this machine.")
    w("")
w("![time and peak memory against parameters](scale.png)")
open(MD, "w").write("\n".join(out) + "\n")
print("wrote " + MD)
