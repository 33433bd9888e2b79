"""A bounded load test of the studio on loopback: status requests and job submissions at once.

Starts ``fitcontent serve`` (preview backend, one worker) in its own data folder and store, then, from
``--threads`` client threads with one connection each: ``--submissions`` job submissions (one small squat
job each) and ``--status`` status requests (``GET /api/jobs/<id>`` and ``GET /api/jobs``, alternating),
interleaved. Reports latency percentiles per kind, errors (anything but 200/201, or a 429 beyond the queue
limit), and how long the queued jobs took to finish. Raw JSON: benchmarks/results/studio_load.json.

Usage: python benchmarks/studio_load.py [--status 200] [--submissions 20] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

JOB = {"request": {"exercises": ["squat"], "angles": ["front"], "errors": ["none"], "frames": 9,
                   "layouts": ["demo"]}}


def start(root: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "FITCONTENT_CACHE": str(root / "store")}
    log = (root / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "fitcontent", "serve", "--data", str(root / "data"),
                               "--port", "0", "--queue-limit", "50"], stdout=log, stderr=subprocess.STDOUT, env=env)
    for _ in range(600):
        found = re.findall(r"Uvicorn running on (http://\S+:\d+)", (root / "server.log").read_text())
        if found:
            return server, found[0]
        time.sleep(0.1)
    raise SystemExit("the server did not start: " + (root / "server.log").read_text()[-2000:])


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000  # noqa: E731
    return {"n": len(values), "p50_ms": round(pick(0.5), 1), "p95_ms": round(pick(0.95), 1),
            "p99_ms": round(pick(0.99), 1), "max_ms": round(max(values) * 1000, 1),
            "mean_ms": round(statistics.mean(values) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="studio-load-"))
    server, url = start(root)
    try:
        token = subprocess.run([sys.executable, "-m", "fitcontent", "tokens", "create", "load", "--data",
                                str(root / "data")], capture_output=True, text=True, check=True).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers) as client:
            first = client.post("/api/jobs", json=JOB).json()["id"]  # something to ask the status of
        work = ["submit"] * args.submissions + ["status"] * args.status
        work = [work[i] for i in sorted(range(len(work)), key=lambda i: (i * 7919) % len(work))]  # interleaved
        timings: dict[str, list[float]] = {"submit": [], "status": []}
        codes: dict[str, int] = {}
        created: list[str] = []
        lock = threading.Lock()

        def client_thread(share: list[str]) -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
                for number, kind in enumerate(share):
                    started = time.perf_counter()
                    if kind == "submit":
                        answer = client.post("/api/jobs", json=JOB)
                    else:
                        answer = client.get(f"/api/jobs/{first}" if number % 2 else "/api/jobs")
                    seconds = time.perf_counter() - started
                    with lock:
                        timings[kind].append(seconds)
                        codes[f"{kind} {answer.status_code}"] = codes.get(f"{kind} {answer.status_code}", 0) + 1
                        if answer.status_code == 201:
                            created.append(answer.json()["id"])

        threads = [threading.Thread(target=client_thread, args=(work[i::args.threads],)) for i in range(args.threads)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            while True:
                states = [job["state"] for job in client.get("/api/jobs").json()]
                if all(state in ("done", "failed", "cancelled") for state in states):
                    break
                time.sleep(0.2)
            drained = time.perf_counter() - started
        errors = sum(n for key, n in codes.items() if not key.endswith((" 200", " 201")))
        document = {"date": time.strftime("%Y-%m-%d"), "argv": sys.argv[1:], "threads": args.threads,
                    "status": percentiles(timings["status"]), "submit": percentiles(timings["submit"]),
                    "codes": codes, "errors": errors, "requests_per_s": round(len(work) / wall, 1),
                    "requests_wall_s": round(wall, 2), "jobs_created": len(created) + 1,
                    "jobs_done": states.count("done"), "all_jobs_finished_s": round(drained, 1)}
    finally:
        server.terminate()
        server.wait(timeout=30)
    out = Path(__file__).parent / "results" / "studio_load.json"
    out.write_text(json.dumps(document, indent=1) + "\n")
    print(json.dumps(document, indent=1))


if __name__ == "__main__":
    main()
