"""Per-call cost of the Python host on the hosts' shared workload: `crmGetRecord` against a local
fake-zoho, a fresh instance per call. Prints one JSON line (microseconds).
Usage: python hosts/python/bench.py [CALLS] (scripts/bench-hosts.sh runs it)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

from conftest import ROOT, Fake  # noqa: E402
from zoho_connector import Connector, StaticCredentials  # noqa: E402


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    fake = Fake()
    try:
        connector = Connector(
            ROOT / "dist" / "zoho-connector.wasm", credentials=StaticCredentials(fake.token, fake.api_domain)
        )
        created = connector.invoke("crmCreateRecord", "bench", {"recordType": "Leads", "values": {"Last_Name": "Bench"}})
        payload = {"recordType": "Leads", "recordId": created["data"][0]["id"]}
        micros = []
        for round_ in range(calls + 20):
            started = time.perf_counter()
            connector.invoke("crmGetRecord", "bench", payload)
            if round_ >= 20:
                micros.append((time.perf_counter() - started) * 1e6)
        print(json.dumps({"host": "python (wasmtime-py)", "calls": calls, "mean_us": round(statistics.mean(micros)), "median_us": round(statistics.median(micros))}))
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
