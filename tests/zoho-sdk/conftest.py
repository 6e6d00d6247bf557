"""Zoho's official Python SDK (zohocrmsdk8-0) pointed at a fake-zoho on 127.0.0.1.

The SDK is a client written by Zoho from Zoho's own contract, not from our reading of it: what
it sends, fake-zoho must accept, and what fake-zoho answers, the SDK must parse. The fake runs
as the workspace's `fake-zoho` binary; nothing here reaches any other address.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "1000.sdk-test-token.fake"


class Fake:
    """A running fake-zoho with the sandbox's sample records and a known token."""

    def __init__(self) -> None:
        target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
        binary = Path(os.environ.get("FAKE_ZOHO_BIN", target / "debug" / "fake-zoho"))
        if not binary.exists():
            pytest.fail(f"{binary} is missing: run cargo build -p fake-zoho first")
        self.process = subprocess.Popen(
            [str(binary), "--sandbox", "--token", TOKEN],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        lines = dict(self.process.stdout.readline().strip().split("=", 1) for _ in range(2))
        self.api_domain = lines["ZOHO_API_DOMAIN"]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def fake():
    running = Fake()
    initialize(running.api_domain)
    yield running
    running.stop()


def initialize(api_domain: str) -> None:
    """Points the SDK at the fake as a custom environment with a fixed access token."""
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
    from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
    from zohocrmsdk.src.com.zoho.api.logger import Logger
    from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
    from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig

    workdir = tempfile.mkdtemp(prefix="zoho-sdk-")
    environment = DataCenter.Environment(api_domain, f"{api_domain}/oauth/v2/token", api_domain)
    Initializer.initialize(
        environment=environment,
        token=OAuthToken(access_token=TOKEN),
        store=FileStore(f"{workdir}/tokens.txt"),
        sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
        resource_path=workdir,
        logger=Logger.get_instance(level=Logger.Levels.CRITICAL, file_path=f"{workdir}/sdk.log"),
    )
