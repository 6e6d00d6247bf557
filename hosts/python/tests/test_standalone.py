"""dist/zoho-connector-standalone.wasm imports only standard WASI: it runs in wasmtime-py with
nothing but `add_wasip2` and `add_wasi_http`, its credentials from the WASI environment and
its log on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import wasmtime
from wasmtime import component as wc

from conftest import dist_artifact
from zoho_connector import PACKAGE, VERSION


@pytest.fixture(scope="session")
def standalone() -> Path:
    return dist_artifact("ZOHO_CONNECTOR_STANDALONE_WASM", "zoho-connector-standalone.wasm")


def call(path: Path, environment: list[tuple[str, str]], interface: str, function: str, *args):
    engine = wasmtime.Engine()
    component = wc.Component.from_file(engine, str(path))
    linker = wc.Linker(engine)
    linker.add_wasip2()
    linker.add_wasi_http()
    store = wasmtime.Store(engine)
    config = wasmtime.WasiConfig()
    config.env = environment
    store.set_wasi(config)
    store.set_wasi_http()
    instance = linker.instantiate(store, component)
    exported = instance.get_export_index(store, f"{PACKAGE}/{interface}@{VERSION}")
    func = instance.get_func(store, instance.get_export_index(store, function, exported))
    result = func(store, *args)
    func.post_return(store)
    return result


def test_the_standalone_artifact_runs_with_wasi_alone(fake, standalone: Path) -> None:
    environment = [("ZOHO_ACCESS_TOKEN", fake.token), ("ZOHO_API_DOMAIN", fake.api_domain)]
    output = call(
        standalone,
        environment,
        "actions",
        "invoke",
        "crmGetRecords",
        "default",
        json.dumps({"recordType": "Leads", "fields": "Last_Name", "perPage": 3}),
    )
    assert isinstance(output, str), output
    assert len(json.loads(output)["data"]) == 3
    manifest = call(standalone, environment, "actions", "manifest")
    assert any(getattr(action, "key") == "crmGetRecords" for action in manifest)


def test_without_a_token_in_the_environment_it_is_a_credential_error(standalone: Path) -> None:
    result = call(standalone, [], "actions", "invoke", "crmListModules", "default", "{}")
    assert isinstance(result, wc.Variant) and result.tag == "credential"
    assert "ZOHO_ACCESS_TOKEN" in getattr(result.payload, "message")


def test_both_artifacts_carry_the_documented_wit_package(wasm: Path, standalone: Path) -> None:
    package = dist_artifact("ZOHO_CONNECTOR_WIT_WASM", "zoho-connector-wit.wasm").read_bytes()
    assert b"Triggers: what starts a flow" in package, "the doc comments are in the encoded package"
    for artifact in (wasm, standalone):
        data = artifact.read_bytes()
        assert b"zoho-connector-wit" in data and package in data, artifact
