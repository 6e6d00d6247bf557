"""Fixtures: the connector component built by scripts/dist.sh, and a fresh fake-zoho (the
workspace's binary) on 127.0.0.1 for each test. Nothing here reaches any other address."""

from __future__ import annotations

import os
import subprocess
import sys
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
    """A running fake-zoho: its API domain and the token it accepts."""

    def __init__(self) -> None:
        binary = Path(os.environ.get("FAKE_ZOHO_BIN", _target_dir() / "debug" / "fake-zoho"))
        if not binary.exists():
            pytest.fail(f"{binary} is missing: run cargo build -p fake-zoho first")
        self.process = subprocess.Popen(
            [str(binary), "--sandbox"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        lines = dict(self.process.stdout.readline().strip().split("=", 1) for _ in range(2))
        self.api_domain = lines["ZOHO_API_DOMAIN"]
        self.token = lines["ZOHO_ACCESS_TOKEN"]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def fake():
    running = Fake()
    yield running
    running.stop()


@pytest.fixture
def connector(fake: Fake, wasm: Path, cache_dir: Path) -> Connector:
    return Connector(wasm, credentials=StaticCredentials(fake.token, fake.api_domain), cache_dir=cache_dir)
