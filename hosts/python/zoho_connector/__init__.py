"""Run the Zoho connector component from Python, on wasmtime-py.

    from zoho_connector import Connector, StaticCredentials

    connector = Connector(credentials=StaticCredentials(access_token, "https://www.zohoapis.eu"))
    leads = connector.invoke("crmGetRecords", "default", {"recordType": "Leads", "fields": "Last_Name"})

The installed package carries the component (`zoho-connector.wasm` inside it); pass a path or
the bytes of another build as the first argument to use that one instead.

The host owns every secret: the component asks for a connection's token through the
`credentials` callable, and tells it when Zoho rejected one so it can refresh. Each call runs in
a fresh instance (the component keeps nothing between calls); the compiled code is cached on
disk. wasmtime-py has no hook on outgoing requests, so the only control over destinations is the
`api_domain` the credentials hand out.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

import wasmtime
from wasmtime import component as wc

from .errors import BY_CASE, CredentialProblem, ZohoError

__all__ = ["Connector", "ConnectionInfo", "StaticCredentials", "CredentialProblem", "ZohoError"]

PACKAGE = "zoho:connector"
VERSION = "0.3.0"
LOG = logging.getLogger("zoho_connector")
_LEVELS = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}


@dataclass(frozen=True)
class ConnectionInfo:
    """What the component needs for one connection. `repr` never shows the token."""

    access_token: str
    api_domain: str
    books_organization_id: Optional[str] = None

    def __repr__(self) -> str:
        return f"ConnectionInfo(access_token='[REDACTED]', api_domain={self.api_domain!r}, books_organization_id={self.books_organization_id!r})"


class StaticCredentials:
    """A fixed token for every connection name (scripts, tests). It cannot refresh."""

    def __init__(self, access_token: str, api_domain: str, books_organization_id: Optional[str] = None) -> None:
        self._info = ConnectionInfo(access_token, api_domain.rstrip("/"), books_organization_id)

    def __call__(self, connection: str, rejected_token: Optional[str] = None) -> ConnectionInfo:
        return self._info

    def __repr__(self) -> str:
        return f"StaticCredentials({self._info!r})"


# `credentials(connection, rejected_token)` returns the connection's current ConnectionInfo.
# With `rejected_token` set, Zoho answered INVALID_TOKEN to it: refresh only if it is still the
# current token. Raise CredentialProblem when no token can be had.
Credentials = Callable[[str, Optional[str]], ConnectionInfo]


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "zoho-connector-python"


def _bundled() -> Path:
    """The component packaged beside this module (scripts/package.sh puts it there)."""
    path = Path(__file__).with_name("zoho-connector.wasm")
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: this is a source checkout, not the built package; "
            "pass the path of dist/zoho-connector.wasm (scripts/dist.sh) or install the wheel "
            "scripts/package.sh builds"
        )
    return path


class Connector:
    """The compiled connector and the host functions it imports, ready to run calls."""

    def __init__(
        self,
        wasm: Union[str, os.PathLike, bytes, None] = None,
        *,
        credentials: Credentials,
        cache_dir: Optional[Union[str, os.PathLike]] = None,
        memory_limit_bytes: int = 64 << 20,
    ) -> None:
        self._credentials = credentials
        self._memory_limit = memory_limit_bytes
        self._engine = wasmtime.Engine()
        wasm_bytes = wasm if isinstance(wasm, bytes) else Path(wasm if wasm is not None else _bundled()).read_bytes()
        cache = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
        self._component = self._load(wasm_bytes, cache)
        self._linker = wc.Linker(self._engine)
        self._linker.add_wasip2()
        self._linker.add_wasi_http()
        with self._linker.root() as root:
            with root.add_instance(f"{PACKAGE}/credentials@{VERSION}") as imports:
                imports.add_func("get", self._get)
                imports.add_func("refresh", self._refresh)
            with root.add_instance(f"{PACKAGE}/logging@{VERSION}") as imports:
                imports.add_func("log", self._log)

    def _load(self, wasm: bytes, cache: Path) -> wc.Component:
        """Compiles once per component and wasmtime release; a bad cache file is recompiled."""
        key = hashlib.sha256(wasm + _wasmtime_version().encode()).hexdigest()[:32]
        path = cache / f"zoho-connector-{key}.cwasm"
        if path.exists():
            try:
                return wc.Component.deserialize(self._engine, path.read_bytes())
            except Exception:  # noqa: BLE001 - a stale or damaged cache entry is simply rebuilt
                pass
        component = wc.Component(self._engine, wasm)
        try:
            cache.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=cache, delete=False) as out:
                out.write(component.serialize())
            os.replace(out.name, path)
        except OSError:
            pass  # the cache is an optimisation: failing to write it must not fail the call
        return component

    # -- imports -------------------------------------------------------------------------

    def _connection_info(self, connection: str, rejected: Optional[str]) -> Any:
        try:
            info = self._credentials(connection, rejected)
        except CredentialProblem as problem:
            payload: Any = problem.retry_after_seconds if problem.problem == "throttled" else problem.message
            return wc.Variant(problem.problem, payload)
        record = wc.Record()
        setattr(record, "access-token", info.access_token)
        setattr(record, "api-domain", info.api_domain.rstrip("/"))
        setattr(record, "books-organization-id", info.books_organization_id)
        return record

    def _get(self, _store: Any, connection: str) -> Any:
        return self._connection_info(connection, None)

    def _refresh(self, _store: Any, connection: str, rejected_token: str) -> Any:
        return self._connection_info(connection, rejected_token)

    def _log(self, _store: Any, level: str, context: str, message: str) -> None:
        LOG.log(_LEVELS.get(level, logging.INFO), "[%s] %s", context, message)

    # -- calls ---------------------------------------------------------------------------

    def _call(self, interface: str, function: str, *args: Any) -> Any:
        store = wasmtime.Store(self._engine)
        store.set_limits(memory_size=self._memory_limit)
        # No environment, no arguments, no preopened directories: the component needs none.
        store.set_wasi(wasmtime.WasiConfig())
        store.set_wasi_http()
        instance = self._linker.instantiate(store, self._component)
        exported = instance.get_export_index(store, f"{PACKAGE}/{interface}@{VERSION}")
        index = instance.get_export_index(store, function, exported)
        func = instance.get_func(store, index)
        result = func(store, *args)
        func.post_return(store)
        return result

    def manifest(self) -> list[dict]:
        """Every action: key, label, description, product, inputSchema, outputExample,
        outputSchema, hints (readOnly, destructive, idempotent) and choices (by input)."""
        return [_manifest_entry(a) for a in self._call("actions", "manifest")]

    def invoke(self, key: str, connection: str, input: Union[dict, str]) -> dict:
        """Runs an action; returns its output, or raises the ZohoError subclass of its error."""
        text = input if isinstance(input, str) else json.dumps(input)
        return json.loads(_ok(self._call("actions", "invoke", key, connection, text)))

    def triggers(self) -> list[dict]:
        """Every trigger: the manifest fields plus `kind` (polling or instant)."""
        return [_manifest_entry(t) for t in self._call("triggers", "manifest")]

    def poll(self, key: str, connection: str, input: Union[dict, str], state: Optional[str] = None) -> dict:
        """One poll: `{"events": [...], "state": "...", "more": bool}`. Store `state` only after
        the events are handed on; on an exception keep the previous one."""
        text = input if isinstance(input, str) else json.dumps(input)
        return _poll_result(_ok(self._call("triggers", "poll", key, connection, text, state)))

    def handle_notification(self, connection: str, channel: Union[dict, str], body: Union[dict, str, bytes]) -> dict:
        """Turns a body Zoho POSTed to a notify URL into events, as `poll` returns them."""
        channel_text = channel if isinstance(channel, str) else json.dumps(channel)
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        body_text = body if isinstance(body, str) else json.dumps(body)
        return _poll_result(_ok(self._call("triggers", "handle-notification", connection, channel_text, body_text)))


def _wasmtime_version() -> str:
    try:
        from importlib.metadata import version

        return version("wasmtime")
    except Exception:  # noqa: BLE001 - the version only keys the cache
        return "unknown"


def _plain(value: Any) -> Any:
    """A WIT value as plain Python: records as dicts with snake_case keys."""
    if isinstance(value, wc.Record):
        return {name.replace("-", "_"): _plain(field) for name, field in vars(value).items()}
    if isinstance(value, wc.Variant):
        return {"tag": value.tag, "payload": _plain(value.payload)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _manifest_entry(item: Any) -> dict:
    fields = _plain(item)
    return {
        "key": fields["key"],
        "label": fields["label"],
        "description": fields["description"],
        "product": fields["product"],
        **({"kind": fields["kind"]} if "kind" in fields else {}),
        "inputSchema": json.loads(fields["input_schema"]),
        "outputExample": json.loads(fields["output_example"]),
        "outputSchema": json.loads(fields["output_schema"]),
        **({"hints": _hints(fields["hints"])} if "hints" in fields else {}),
        "choices": {c["input"]: _choice_source(c) for c in fields["choices"]},
        **({"channel": dict(fields["channel"])} if fields.get("channel") else {}),
    }


def _hints(hints: dict) -> dict:
    return {"readOnly": hints["read_only"], "destructive": hints["destructive"], "idempotent": hints["idempotent"]}


def _choice_source(source: dict) -> dict:
    """A choice source in the JSON shape every host gives it (the CLI's `actions --json`, the
    npm package): pairs become objects, filter values parsed."""
    takes = source["takes"]
    return {
        "action": source["action"],
        "arguments": dict(source["arguments"]),
        "items": source["items"],
        "value": source["value"],
        "label": source["label"],
        "filter": {member: json.loads(value) for member, value in source["filter"]},
        "takes": takes.tag if isinstance(takes, wc.Variant) else str(takes),
        "requiredMember": source["required_member"],
        "typeMember": source["type_member"],
    }


def _poll_result(result: Any) -> dict:
    fields = _plain(result)
    return {"events": json.loads(fields["events"]), "state": fields["state"], "more": fields["more"]}


def _ok(result: Any) -> Any:
    """`result<T, error>` arrives untagged: the value, or the error variant. Raise the latter."""
    if isinstance(result, wc.Variant):
        raise _error(result)
    return result


def _error(variant: wc.Variant) -> ZohoError:
    payload = _plain(variant.payload)
    cls = BY_CASE.get(variant.tag, ZohoError)
    if isinstance(payload, dict):
        api = payload.get("api")
        message = payload.get("message") or (api or {}).get("message") or variant.tag
        return cls(str(message), **payload)
    if isinstance(payload, list):
        failed = [r for r in payload if not r.get("success")]
        return cls(f"{len(failed)} of {len(payload)} records failed", results=payload)
    return cls(str(payload))
