#!/usr/bin/env python3
"""Cluster search overhead on one machine (issue 21): fitness evaluations/s of `lopper search` with the
local --jobs 1 path, with one worker and with two workers (`lopper worker`, all on loopback), on the 8M
fixture and on a ~270M random shape (bench/vs-llama-cpp's: hidden 1024, 16 layers, MLP 2816, vocabulary
32000), and the time from opening the cluster to the first evaluation.

Evaluations/s are timed from outside: events.jsonl is polled every 20 ms and each 'generation' line is
stamped when it appears; the rate is (evaluations at the last generation - at generation 0) / (time
between them), so start-up, calibration and the initial population are left out, alike for every mode.
Modes run interleaved, ROUNDS times. On a 2-core machine the workers share the driver's cores, so the
figure is the engine's overhead, not a speed-up.

Usage: bench/cluster-throughput/run.py [SIZES] [ROUNDS]   (defaults: "8m 270m" 2)
Writes results/cluster/throughput.json. The 270M folder is made in target/cluster-bench and deleted after
(KEEP=1 keeps it).
"""
import json, os, shutil, signal, socket, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.chdir(ROOT)
sizes = (sys.argv[1] if len(sys.argv) > 1 else "8m 270m").split()
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
data = Path(os.environ.get("LOPPER_DATA", "../shared/data"))
work = ROOT / "target/cluster-bench"
work.mkdir(parents=True, exist_ok=True)
jdk = subprocess.run(["bin/find-jdk"], capture_output=True, text=True, check=True).stdout.strip()
env = dict(os.environ, JAVA_HOME=jdk, LOPPER_TTY="0", LOPPER_JAVA_OPTS="-Xmx1500m -Xms64m -XX:+UseSerialGC")

calib = data / "eval/tinystories/calib.txt"
if not calib.exists():
    calib = work / "calib.txt"
    shutil.copy(ROOT / "README.md", calib)

SHAPES = {
    # (model, fitness windows, fitness length, population, crossovers, mutations, generations)
    "8m": ("models/tiny-llama-gqa-8m", 4, 64, 6, 3, 3, 4),
    "270m": (str(work / "m270"), 2, 64, 4, 2, 2, 1),
}


def make_270m():
    m = work / "m270"
    if (m / "model.safetensors").exists():
        return
    subprocess.run(["mvn", "-q", "-o", "-DskipTests", "test-compile", "dependency:build-classpath",
                    "-Dmdep.outputFile=target/test-classpath.txt"], check=True, env=env)
    cp = "target/test-classes:target/classes:" + (ROOT / "target/test-classpath.txt").read_text().strip()
    java = jdk + "/bin/java"
    subprocess.run([java, "-Xmx4g", "--add-modules", "jdk.incubator.vector", "-cp", cp,
                    "dev.lopper.bench.RandomModelWriter", str(m), "1024", "16", "16", "16", "2816", "32000",
                    str(data / "tokenizers/llama2")], check=True, env=env)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(size, workers):
    model, fw, fl, pop, cx, mu, gens = SHAPES[size]
    out = work / f"run-{size}-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    args = ["./lopper", "search", "--model", model, "--target", "0.3", "--out", str(out), "--calib", str(calib),
            "--calib-samples", "4", "--calib-len", "32", "--fitness-windows", str(fw), "--fitness-len", str(fl),
            "--population", str(pop), "--crossovers", str(cx), "--mutations", str(mu), "--generations", str(gens),
            "--search-seed", "1", "--criterion", "l2", "--quiet"]
    procs = []
    if workers > 0:
        port = free_port()
        args += ["--cluster", f"127.0.0.1:{port}"]
        for w in range(workers):
            procs.append(subprocess.Popen(["./lopper", "worker", "--join", f"127.0.0.1:{port}", "--model", model],
                                          stdout=subprocess.DEVNULL, stderr=open(work / f"worker-{w}.log", "w"), env=env))
    else:
        args += ["--jobs", "1"]
    t0 = time.monotonic()
    driver = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(work / "driver.log", "w"), env=env)
    stamps = {}
    seen = 0
    events = out / "events.jsonl"
    while True:
        alive = driver.poll() is None
        if events.exists():
            lines = events.read_text().splitlines()
            for line in lines[seen:]:
                if line.endswith("}"):
                    e = json.loads(line)
                    if e["type"] == "generation":
                        stamps[e["generation"]] = (time.monotonic() - t0, e["evaluations"])
            seen = len([l for l in lines if l.endswith("}")])
        if not alive:
            break
        time.sleep(0.02)
    for p in procs:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
    if driver.returncode != 0:
        raise SystemExit(f"{size} workers={workers}: search failed:\n" + (work / "driver.log").read_text())
    g0, glast = stamps[0], stamps[max(stamps)]
    r = {"evaluations": glast[1] - g0[1], "seconds": glast[0] - g0[0],
         "evaluationsPerSecond": (glast[1] - g0[1]) / (glast[0] - g0[0]),
         "bestRates": (out / "best-rates.json").read_text()}
    if workers > 0:
        c = json.loads((out / "run.json").read_text())["cluster"]
        r["secondsToListen"] = c["secondsToListen"]
        r["secondsToFirstEvaluation"] = c["secondsToFirstEvaluation"]
        r["perWorker"] = [m["evaluations"] for m in c["members"]]
    shutil.rmtree(out, ignore_errors=True)
    return r


def summary(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": xs}


out = ROOT / "results/cluster/throughput.json"
# Sizes run in separate invocations (e.g. different ROUNDS) add to the file; a size run again replaces its entry.
results = json.loads(out.read_text()) if out.exists() else {"sizes": {}}
subprocess.run(["./lopper", "--version"], check=True, stdout=subprocess.DEVNULL, env=env)
try:
    for size in sizes:
        if size == "270m":
            make_270m()
        model, fw, fl, pop, cx, mu, gens = SHAPES[size]
        modes = {"local --jobs 1": 0, "1 worker": 1, "2 workers": 2}
        load0 = os.getloadavg()
        raw = {m: [] for m in modes}
        for _ in range(rounds):
            for name, k in modes.items():
                raw[name].append(run(size, k))
                print(size, name, {k2: v for k2, v in raw[name][-1].items() if k2 != "bestRates"}, flush=True)
        same = len({r["bestRates"] for rs in raw.values() for r in rs}) == 1
        results["sizes"][size] = {
            "machine": f"{os.cpu_count()} cores, load average at start {load0}", "rounds": rounds,
            "model": model, "fitnessWindows": fw, "fitnessLength": fl, "population": pop, "children": cx + mu,
            "generations": gens, "sameBestRatesInEveryMode": same,
            "modes": {name: {
                "evaluationsPerSecond": summary([r["evaluationsPerSecond"] for r in rs]),
                "evaluationsTimed": rs[0]["evaluations"],
                **({"secondsToFirstEvaluation": summary([r["secondsToFirstEvaluation"] for r in rs]),
                    "secondsToListen": summary([r["secondsToListen"] for r in rs]),
                    "perWorker": [r["perWorker"] for r in rs]} if modes[name] else {}),
            } for name, rs in raw.items()},
        }
finally:
    results["loadAfterLastRun"] = os.getloadavg()
    if os.environ.get("KEEP") != "1":
        shutil.rmtree(work / "m270", ignore_errors=True)
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(results, indent=2) + "\n")
print("wrote", out)
