#!/usr/bin/env python3
"""Streams N concurrent /completion requests to a llama.cpp llama-server; prints one JSON line like
bench_engine_concurrency: aggregate tok/s while all N streams are in flight (tps) and over the whole run
(tps_run), TTFT mean/p99, ITL p50/p99. Arguments: port streams prompt gen rounds
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
results = [dict(ttft=[], itl=[], tokens=0, at=[], first_submit=0.0, last_end=0.0) for _ in range(n)]


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
            res["at"].append(now)
            res["tokens"] += 1
    res["last_end"] = time.perf_counter()


def stream(i, t0):
    if stagger and lone > 0:
        time.sleep(max(0.0, t0 + lone * i / n - time.perf_counter()))
    rng = random.Random(1000 + i)
    results[i]["first_submit"] = time.perf_counter()
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
# The window in which all n streams have a request in flight, as in bench_engine_concurrency.
w0 = max(r["first_submit"] for r in results)
w1 = min(r["last_end"] for r in results)
in_window = sum(1 for r in results for a in r["at"] if w0 <= a <= w1)
tps = in_window / (w1 - w0) if w1 > w0 else tok / wall
print(json.dumps({"streams": n, "tokens": tok, "wall_s": wall, "tps": tps, "tps_run": tok / wall,
                  "window_s": max(0.0, w1 - w0), "window_tokens": in_window,
                  "ttft_mean_ms": sum(ttft) / max(1, len(ttft)), "ttft_p99_ms": pct(ttft, 0.99),
                  "itl_p50_ms": pct(itl, 0.5), "itl_p99_ms": pct(itl, 0.99)}))
