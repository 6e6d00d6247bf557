"""The Python host end to end against fake-zoho: manifests, actions, typed errors with their
fields, a token refresh after INVALID_TOKEN, credential problems, failing requests, logging
through Python's `logging`, triggers, and no secret in any error or log record."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from zoho_connector import Connector, ConnectionInfo, CredentialProblem, StaticCredentials, errors


def test_manifests_list_actions_and_triggers(connector: Connector) -> None:
    actions = {a["key"]: a for a in connector.manifest()}
    assert "crmGetRecords" in actions and "booksCreateRecord" in actions
    assert actions["crmGetRecords"]["product"] == "crm"
    assert "recordType" in actions["crmGetRecords"]["inputSchema"]["required"]
    triggers = {t["key"]: t for t in connector.triggers()}
    assert triggers["crmNewRecords"]["kind"] == "polling"
    assert triggers["crmRecordNotifications"]["kind"] == "instant"


def test_manifests_carry_hints_output_schemas_and_choice_sources(connector: Connector) -> None:
    actions = {a["key"]: a for a in connector.manifest()}
    assert actions["crmGetRecords"]["hints"] == {"readOnly": True, "destructive": False, "idempotent": True}
    assert actions["crmRemoveRecord"]["hints"]["destructive"] is True
    assert actions["crmGetRecords"]["outputSchema"]["properties"]["data"]["type"] == "array"
    assert actions["crmCreateRecord"]["choices"]["values"] == {
        "action": "crmListFields",
        "arguments": {"recordType": "recordType"},
        "items": "/data",
        "value": "apiName",
        "label": "label",
        "filter": {"readOnly": False},
        "takes": "member-names",
        "requiredMember": "mandatory",
        "typeMember": "jsonType",
    }
    assert actions["crmCreateRecord"]["choices"]["recordType"]["takes"] == "one"
    triggers = {t["key"]: t for t in connector.triggers()}
    assert triggers["crmNewRecords"]["choices"]["fields"]["takes"] == "several"
    assert "hints" not in triggers["crmNewRecords"]
    assert triggers["crmRecordNotifications"]["channel"] == {
        "open": "crmEnableNotifications",
        "renew": "crmRenewNotifications",
        "close": "crmDisableNotifications",
    }
    assert "channel" not in triggers["crmNewRecords"]


def test_actions_return_plain_dicts(connector: Connector) -> None:
    created = connector.invoke("crmCreateRecord", "default", {"recordType": "Leads", "values": {"Last_Name": "Py"}})
    record_id = created["data"][0]["id"]
    fetched = connector.invoke("crmGetRecord", "default", {"recordType": "Leads", "recordId": record_id})
    assert fetched["data"]["Last_Name"] == "Py"
    listed = connector.invoke("crmGetRecords", "default", '{"recordType": "Leads", "fields": "Last_Name", "perPage": 2}')
    assert len(listed["data"]) == 2 and listed["info"]["moreRecords"] is True


def test_errors_are_typed_with_their_fields(connector: Connector) -> None:
    with pytest.raises(errors.InvalidInput) as invalid:
        connector.invoke("crmGetRecord", "default", {"recordType": "Leads"})
    assert invalid.value.input == "recordId"
    assert invalid.value.case == "invalid-input"
    assert str(invalid.value) == "recordId is required: the record's id, a string of digits", str(invalid.value)
    assert invalid.value.message == "is required: the record's id, a string of digits"
    with pytest.raises(errors.NotFound) as missing:
        connector.invoke("crmGetRecord", "default", {"recordType": "Leads", "recordId": "1"})
    assert missing.value.status in (204, 400)
    with pytest.raises(errors.ZohoError):
        connector.invoke("notAnAction", "default", {})


def test_a_rejected_token_is_refreshed_once_through_the_callable(fake, wasm, cache_dir) -> None:
    calls = []

    def credentials(connection: str, rejected: str | None) -> ConnectionInfo:
        calls.append((connection, rejected))
        token = fake.token if rejected == "1000.stale.token" else "1000.stale.token"
        return ConnectionInfo(token, fake.api_domain)

    connector = Connector(wasm, credentials=credentials, cache_dir=cache_dir)
    output = connector.invoke("crmListModules", "acme", {})
    assert output["data"]
    assert calls == [("acme", None), ("acme", "1000.stale.token")]


def test_credential_problems_become_credential_errors(wasm, cache_dir) -> None:
    def credentials(connection: str, rejected: str | None) -> ConnectionInfo:
        raise CredentialProblem("throttled", "slow down", retry_after_seconds=42)

    connector = Connector(wasm, credentials=credentials, cache_dir=cache_dir)
    with pytest.raises(errors.CredentialError) as problem:
        connector.invoke("crmListModules", "acme", {})
    assert problem.value.problem == "throttled"
    assert problem.value.retry_after_seconds == 42


def test_a_failing_request_is_a_transport_error_without_the_token(wasm, cache_dir) -> None:
    secret = "1000.never-shown.secret"
    connector = Connector(wasm, credentials=StaticCredentials(secret, "http://127.0.0.1:9"), cache_dir=cache_dir)
    with pytest.raises(errors.TransportError) as failed:
        connector.invoke("crmListModules", "default", {"maxRetries": 0})
    assert failed.value.case == "transport"
    assert failed.value.kind in ("refused", "connection")
    assert secret not in str(failed.value) and secret not in repr(failed.value.fields)
    assert secret not in repr(StaticCredentials(secret, "http://127.0.0.1:9"))


def test_the_component_log_goes_to_python_logging_redacted(connector: Connector, fake, caplog) -> None:
    with caplog.at_level(logging.DEBUG, logger="zoho_connector"):
        connector.invoke("crmListModules", "default", {"debugRequest": True})
    messages = [r.getMessage() for r in caplog.records if r.name == "zoho_connector"]
    assert any("http.request" in m and "GET" in m for m in messages), messages
    assert all(fake.token not in m for m in messages)


def test_a_polling_trigger_anchors_then_reports_a_new_record_once(connector: Connector, fake) -> None:
    state_input = {"recordType": "Contacts", "fields": "Last_Name"}
    first = connector.poll("crmNewRecords", "default", state_input)
    assert first["events"] == [] and first["more"] is False
    fake.advance(1)
    created = connector.invoke("crmCreateRecord", "default", {"recordType": "Contacts", "values": {"Last_Name": "Polled"}})
    # Changes settle for two seconds of Zoho's clock before a poll takes them.
    fake.advance(3)
    second = connector.poll("crmNewRecords", "default", state_input, first["state"])
    assert [e["id"] for e in second["events"]] == [created["data"][0]["id"]]
    third = connector.poll("crmNewRecords", "default", state_input, second["state"])
    assert third["events"] == []
    with pytest.raises(errors.InvalidInput) as damaged:
        connector.poll("crmNewRecords", "default", state_input, "zt1.damaged")
    assert damaged.value.input == "state"


def test_a_notification_with_a_wrong_token_is_refused(connector: Connector) -> None:
    channel = {"channelId": "1000000068001", "token": "the-right-token-123"}
    body = {"channel_id": 1000000068001, "token": "a-wrong-token-456", "module": "Leads", "operation": "delete", "ids": ["1"]}
    with pytest.raises(errors.InvalidInput) as refused:
        connector.handle_notification("default", channel, body)
    assert refused.value.input == "body"
    assert "the-right-token-123" not in str(refused.value)
    body["token"] = "the-right-token-123"
    handled = connector.handle_notification("default", channel, body)
    assert handled["events"] == [{"event": "deleted", "id": "1"}]


def test_the_readme_example_runs_as_written(fake, wasm, monkeypatch, capsys) -> None:
    from conftest import ROOT

    section = (ROOT / "README.md").read_text().split("### Python", 1)[1]
    example = section.split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.setenv("ZOHO_ACCESS_TOKEN", fake.token)
    monkeypatch.setenv("ZOHO_API_DOMAIN", fake.api_domain)
    monkeypatch.chdir(ROOT)
    # The example loads the component the installed package carries (tests/packages/run.sh
    # runs it so); from the source tree it is given this build's component.
    assert "Connector(\n" in example, example
    example = example.replace("Connector(\n", f"Connector(\n    {str(wasm)!r},\n", 1)
    exec(compile(example, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.startswith("['") and printed.strip().endswith("]"), printed


def test_without_a_path_the_source_tree_says_where_the_component_is(fake) -> None:
    # Installed from the wheel, the package carries the component; the source tree does not.
    import zoho_connector

    bundled = Path(zoho_connector.__file__).with_name("zoho-connector.wasm")
    if bundled.exists():
        pytest.skip("this checkout has a packaged component beside the module")
    with pytest.raises(FileNotFoundError, match="scripts/package.sh"):
        Connector(credentials=StaticCredentials(fake.token, fake.api_domain))
