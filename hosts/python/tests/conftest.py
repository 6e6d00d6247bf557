"""Fixtures: the connector component built by scripts/dist.sh, and a fresh fake-zoho on
127.0.0.1 for each test: the workspace's `fake-zoho-checked`, which checks every exchange against
Zoho's published contract (a test fails on any violation). Nothing here reaches any other
address."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zoho_connector import Connector, StaticCredentials  # noqa: E402


def _target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def dist_artifact(variable: str, name: str) -> Path:
    """An artifact of scripts/dist.sh, or the file `variable` names instead."""
    path = Path(os.environ.get(variable, ROOT / "dist" / name))
    if not path.exists():
        pytest.fail(f"{path} is missing: run scripts/dist.sh first")
    return path


@pytest.fixture(scope="session")
def wasm() -> Path:
    return dist_artifact("ZOHO_CONNECTOR_WASM", "zoho-connector.wasm")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("compiled")


class Fake:
    """A running fake-zoho: its API domain, the token it accepts, and its clock."""

    def __init__(self) -> None:
        binary = Path(os.environ.get("FAKE_ZOHO_BIN", _target_dir() / "debug" / "fake-zoho-checked"))
        if not binary.exists():
            pytest.fail(f"{binary} is missing: run cargo build -p zoho-contract-check --bins first")
        self.scratch = Path(tempfile.mkdtemp(prefix="zoho-python-host-"))
        self.violations = self.scratch / "violations.txt"
        self.process = subprocess.Popen(
            [str(binary), "--sandbox"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "ZOHO_CONTRACT_VIOLATIONS": str(self.violations)},
        )
        assert self.process.stdout is not None
        lines = dict(self.process.stdout.readline().strip().split("=", 1) for _ in range(2))
        self.api_domain = lines["ZOHO_API_DOMAIN"]
        self.token = lines["ZOHO_ACCESS_TOKEN"]

    def advance(self, seconds: int) -> None:
        """Moves Zoho's clock (the fake's) on, so trigger tests wait on Zoho's time."""
        request = urllib.request.Request(
            f"{self.api_domain}/__fake/clock/advance", data=json.dumps({"seconds": seconds}).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 204

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        found = self.violations.read_text().strip() if self.violations.exists() else ""
        shutil.rmtree(self.scratch, ignore_errors=True)
        assert not found, f"exchanges with fake-zoho broke Zoho's published contract:\n{found}"


@pytest.fixture
def fake():
    running = Fake()
    yield running
    running.stop()


@pytest.fixture
def connector(fake: Fake, wasm: Path, cache_dir: Path) -> Connector:
    return Connector(wasm, credentials=StaticCredentials(fake.token, fake.api_domain), cache_dir=cache_dir)
