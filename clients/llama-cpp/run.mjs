// Runs a GGUF in the real llama.cpp (node-llama-cpp's prebuilt CPU binaries) and prints JSON.
//
//   node run.mjs REQUEST.json        (or the request on stdin)
//
// The request: {"threads": 1, "contextSize": 1024, "kvType": "F32",
//               "runs": [{"model": "x.gguf", "vocabOnly": false, "jobs": [JOB, ...]}, ...]}
// (one process for several models: loading llama.cpp takes seconds); each JOB is one of
//   {"op": "info"}                                  architecture, vocabulary size, BOS/EOS, llama.cpp release
//   {"op": "tokenize", "text": "...", "special": false}
//                                                   llama.cpp's tokens (no BOS; the caller adds it); with
//                                                   "special", special tokens written in the text are parsed
//                                                   as such (as Hugging Face tokenizers do)
//   {"op": "greedy", "tokens": [...], "n": 32}      argmax continuation; the log-probability of each chosen token
//   {"op": "score", "tokens": [...]}                teacher-forced log-probability of tokens[1..] (for perplexity)
//   {"op": "bench", "promptTokens": [...], "decode": 128, "runs": 3}
//                                                   prefill and decode wall times per run
// With {"serve": true, "model": "x.gguf"} instead of "runs", the model stays loaded and each line on
// stdin is one JOB, answered by one line of JSON on stdout (bench/vs-llama-cpp interleaves runs so).
// Log-probabilities are log-softmax of llama.cpp's raw logits, computed here in double precision.
// llama.cpp is never downloaded or built: getLlama uses the prebuilt binaries or fails.
import {readFileSync} from "node:fs";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const request = JSON.parse(readFileSync(process.argv[2] ?? 0, "utf8"));
const threads = request.threads ?? 1;

const llama = await getLlama({
    gpu: false,
    build: "never",
    usePrebuiltBinaries: true,
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    maxThreads: threads
});
let model = null;
let context = null;
let sequence = null;

async function freshSequence() {
    if (context == null) {
        const size = request.contextSize ?? 1024;
        context = await model.createContext({
            contextSize: size,
            batchSize: size,
            threads,
            sequences: 1,
            flashAttention: false,
            experimentalKvCacheKeyType: request.kvType ?? "F32",
            experimentalKvCacheValueType: request.kvType ?? "F32"
        });
        sequence = context.getSequence();
    } else {
        await sequence.clearHistory();
    }
    return sequence;
}

/** log-softmax of the logit of {@code token} over a full-vocabulary logits map. */
function logProb(logits, token) {
    let max = -Infinity;
    for (const v of logits.values()) if (v > max) max = v;
    let sum = 0;
    for (const v of logits.values()) sum += Math.exp(v - max);
    return logits.get(token) - max - Math.log(sum);
}

/** The argmax token: the first entry (the map is sorted by logit); the lowest id among equal maxima. */
function argmax(logits) {
    let best = -1, bestValue = -Infinity;
    for (const [token, v] of logits) {
        if (v > bestValue || (v === bestValue && token < best)) {
            best = token;
            bestValue = v;
        }
    }
    return best;
}

async function greedy(job) {
    const seq = await freshSequence();
    let input = job.tokens.map((t, i) => i === job.tokens.length - 1 ? [t, {generateNext: {logits: true}}] : t);
    const tokens = [], logprobs = [], margins = [];
    for (let step = 0; step < job.n; step++) {
        const out = await seq.controlledEvaluate(input);
        const logits = out[input.length - 1].next.logits;
        const next = argmax(logits);
        const values = [...logits.values()];
        tokens.push(next);
        logprobs.push(logProb(logits, next));
        margins.push(values[0] - values[1]);
        input = [[next, {generateNext: {logits: true}}]];
    }
    return {tokens, logprobs, margins};
}

async function score(job) {
    const seq = await freshSequence();
    const input = job.tokens.map((t, i) => i < job.tokens.length - 1 ? [t, {generateNext: {logits: true}}] : t);
    const out = await seq.controlledEvaluate(input);
    const logprobs = [];
    let nll = 0;
    for (let i = 0; i + 1 < job.tokens.length; i++) {
        const lp = logProb(out[i].next.logits, job.tokens[i + 1]);
        logprobs.push(lp);
        nll -= lp;
    }
    return {logprobs, nll, predicted: job.tokens.length - 1};
}

async function bench(job) {
    const runs = [];
    for (let r = 0; r < (job.runs ?? 1); r++) {
        const seq = await freshSequence();
        const prompt = job.promptTokens;
        const t0 = process.hrtime.bigint();
        const out = await seq.controlledEvaluate(prompt.map((t, i) => i === prompt.length - 1
            ? [t, {generateNext: {token: true, options: {temperature: 0}}}] : t));
        const t1 = process.hrtime.bigint();
        let next = out[prompt.length - 1].next.token;
        for (let i = 0; i < (job.decode ?? 0); i++) {
            const o = await seq.controlledEvaluate([[next, {generateNext: {token: true, options: {temperature: 0}}}]]);
            next = o[0].next.token;
        }
        const t2 = process.hrtime.bigint();
        runs.push({prefillSeconds: Number(t1 - t0) / 1e9, decodeSeconds: Number(t2 - t1) / 1e9});
    }
    return {runs};
}

async function runJobs(jobs) {
const results = [];
for (const job of jobs) {
    switch (job.op) {
        case "info":
            results.push({
                architecture: model.fileInfo.metadata.general.architecture,
                vocabSize: model.tokens.vocabSize ?? null,
                bos: model.tokens.bos, eos: model.tokens.eos,
                shouldPrependBos: model.tokens.shouldPrependBosToken,
                llamaCppRelease: llama.llamaCppRelease?.release ?? null,
                gpu: llama.gpu,
                threads
            });
            break;
        case "tokenize":
            results.push({tokens: Array.from(model.tokenize(job.text, job.special ?? false))});
            break;
        case "detokenize":
            results.push({text: model.detokenize(job.tokens, false)});
            break;
        case "greedy":
            results.push(await greedy(job));
            break;
        case "score":
            results.push(await score(job));
            break;
        case "bench":
            results.push(await bench(job));
            break;
        default:
            throw new Error("unknown op " + job.op);
    }
}
return results;
}

if (request.serve) {
    const {createInterface} = await import("node:readline");
    model = await llama.loadModel({modelPath: request.model, gpuLayers: 0, useMlock: false});
    process.stdout.write(JSON.stringify({ready: true}) + "\n");
    for await (const line of createInterface({input: process.stdin})) {
        if (line.trim() === "") continue;
        const [result] = await runJobs([JSON.parse(line)]);
        process.stdout.write(JSON.stringify(result) + "\n");
    }
    await context?.dispose();
    await model.dispose();
    await llama.dispose();
    process.exit(0);
}

const runs = [];
for (const run of request.runs) {
    model = await llama.loadModel({modelPath: run.model, gpuLayers: 0, vocabOnly: run.vocabOnly ?? false, useMlock: false});
    context = null;
    sequence = null;
    runs.push({model: run.model, results: await runJobs(run.jobs)});
    await context?.dispose();
    await model.dispose();
}
process.stdout.write(JSON.stringify({runs}) + "\n");
await llama.dispose();
