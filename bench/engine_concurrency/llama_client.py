#!/usr/bin/env python3
"""Streams N concurrent /completion requests to a llama.cpp llama-server; prints one JSON line like
bench_engine_concurrency: aggregate tok/s, TTFT mean/p99, ITL p50/p99. Arguments: port streams prompt gen rounds
stagger lone_request_seconds. Prompts are random token ids (1 = BOS first), greedy, EOS ignored."""
import json
import random
import sys
import threading
import time
import urllib.request

port, n, prompt, gen, rounds, stagger, lone = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                               int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] != "0",
                                               float(sys.argv[7]))
results = [dict(ttft=[], itl=[], tokens=0) for _ in range(n)]


def one(rng, res):
    tokens = [1] + [rng.randrange(3, 32000) for _ in range(prompt - 1)]
    body = json.dumps({"prompt": tokens, "n_predict": gen, "stream": True, "temperature": 0, "ignore_eos": True,
                       "cache_prompt": False}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/completion", data=body,
                                 headers={"Content-Type": "application/json"})
    start = last = time.perf_counter()
    first = True
    with urllib.request.urlopen(req) as resp:
        for raw in resp:
            line = raw.decode().strip()
            if not line.startswith("data:"):
                continue
            d = json.loads(line[5:])
            if d.get("stop"):
                break
            now = time.perf_counter()
            (res["ttft"] if first else res["itl"]).append((now - (start if first else last)) * 1e3)
            first = False
            last = now
            res["tokens"] += 1


def stream(i, t0):
    if stagger and lone > 0:
        time.sleep(max(0.0, t0 + lone * i / n - time.perf_counter()))
    rng = random.Random(1000 + i)
    for _ in range(rounds):
        one(rng, results[i])


t0 = time.perf_counter()
threads = [threading.Thread(target=stream, args=(i, t0)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.perf_counter() - t0


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))] if v else 0


ttft = [x for r in results for x in r["ttft"]]
itl = [x for r in results for x in r["itl"]]
tok = sum(r["tokens"] for r in results)
print(json.dumps({"streams": n, "tokens": tok, "wall_s": wall, "tps": tok / wall,
                  "ttft_mean_ms": sum(ttft) / max(1, len(ttft)), "ttft_p99_ms": pct(ttft, 0.99),
                  "itl_p50_ms": pct(itl, 0.5), "itl_p99_ms": pct(itl, 0.99)}))
