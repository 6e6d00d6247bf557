"""Zoho's official Python SDK drives fake-zoho through every area the connector uses: records,
COQL, notes, tags, users, the org, lead conversion, notifications and Bulk Read. A refusal by
the fake, or an answer the SDK cannot parse, is a fidelity bug in the fake or in our reading of
Zoho; each assertion names what the SDK got."""

from __future__ import annotations

import time

import pytest
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.util import Choice


def parsed(response, expected):
    """The SDK's parsed answer, which must be an `expected` (not an APIException)."""
    assert response is not None, "the SDK got no answer"
    answer = response.get_object()
    assert isinstance(answer, expected), (
        f"HTTP {response.get_status_code()}: the SDK parsed {type(answer).__name__}"
        f" ({describe(answer)}), expected {expected.__name__}"
    )
    return answer


def describe(answer) -> str:
    parts = []
    for name in ("get_code", "get_message", "get_details", "get_status"):
        getter = getattr(answer, name, None)
        if getter is not None:
            value = getter()
            parts.append(f"{name[4:]}={getattr(value, 'get_value', lambda: value)()}")
    return ", ".join(parts)


def succeeded(items, success_type):
    """Every entry of an action answer is a success; returns their details."""
    details = []
    for item in items:
        assert isinstance(item, success_type), f"{type(item).__name__}: {describe(item)}"
        assert item.get_status().get_value() == "success", describe(item)
        details.append(item.get_details())
    return details


def test_records_are_created_read_searched_updated_upserted_and_deleted(fake):
    from zohocrmsdk.src.com.zoho.crm.api.record import (
        ActionWrapper,
        BodyWrapper,
        DeletedRecordsWrapper,
        GetDeletedRecordsParam,
        GetRecordParam,
        GetRecordsParam,
        Record,
        RecordOperations,
        ResponseWrapper,
        SearchRecordsParam,
        SuccessResponse,
    )

    leads = RecordOperations("Leads")
    created = Record()
    created.add_key_value("Last_Name", "Sdk-Boyle")
    created.add_key_value("Company", "Zylker")
    created.add_key_value("Email", "sdk.boyle@zylker.com")
    body = BodyWrapper()
    body.set_data([created])
    (details,) = succeeded(parsed(leads.create_records(body), ActionWrapper).get_data(), SuccessResponse)
    lead_id = details["id"]

    params = ParameterMap()
    params.add(GetRecordParam.fields, "Last_Name,Email,Company")
    (record,) = parsed(leads.get_record(int(lead_id), params), ResponseWrapper).get_data()
    assert record.get_key_value("Last_Name") == "Sdk-Boyle"

    page = ParameterMap()
    page.add(GetRecordsParam.fields, "Last_Name")
    page.add(GetRecordsParam.per_page, 200)
    listed = parsed(leads.get_records(page), ResponseWrapper)
    assert any(str(r.get_id()) == lead_id for r in listed.get_data())
    assert listed.get_info().get_per_page() == 200

    search = ParameterMap()
    search.add(SearchRecordsParam.criteria, "(Email:equals:sdk.boyle@zylker.com)")
    found = parsed(leads.search_records(search), ResponseWrapper).get_data()
    assert [str(r.get_id()) for r in found] == [lead_id]

    change = Record()
    change.add_key_value("Company", "Zylker Corp")
    body = BodyWrapper()
    body.set_data([change])
    succeeded(parsed(leads.update_record(int(lead_id), body), ActionWrapper).get_data(), SuccessResponse)

    upserted = Record()
    upserted.add_key_value("Last_Name", "Sdk-Boyle")
    upserted.add_key_value("Email", "sdk.boyle@zylker.com")
    upserted.add_key_value("Lead_Source", Choice("Web"))
    body = BodyWrapper()
    body.set_data([upserted])
    body.set_duplicate_check_fields(["Email"])
    (details,) = succeeded(parsed(leads.upsert_records(body), ActionWrapper).get_data(), SuccessResponse)
    assert details["id"] == lead_id, "the upsert matched the lead by Email"

    succeeded(parsed(leads.delete_record(int(lead_id)), ActionWrapper).get_data(), SuccessResponse)
    deleted = ParameterMap()
    deleted.add(GetDeletedRecordsParam.type, "all")
    gone = parsed(leads.get_deleted_records(deleted), DeletedRecordsWrapper).get_data()
    assert any(str(d.get_id()) == lead_id for d in gone)


def test_coql_returns_rows(fake):
    from zohocrmsdk.src.com.zoho.crm.api.coql import BodyWrapper, CoqlOperations, ResponseWrapper

    body = BodyWrapper()
    body.set_select_query(
        "select Last_Name, Email from Leads where (Last_Name is not null and Email is not null) order by id limit 5"
    )
    rows = parsed(CoqlOperations().get_records(body), ResponseWrapper)
    assert 1 <= len(rows.get_data()) <= 5
    assert rows.get_info().get_count() == len(rows.get_data())


def lead_id_of_sandbox() -> str:
    from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations, ResponseWrapper

    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Last_Name")
    params.add(GetRecordsParam.per_page, 1)
    response = RecordOperations("Leads").get_records(params)
    return str(parsed(response, ResponseWrapper).get_data()[0].get_id())


def test_notes_are_added_listed_updated_and_deleted(fake):
    from zohocrmsdk.src.com.zoho.crm.api.notes import (
        ActionWrapper,
        BodyWrapper,
        GetNotesParam,
        Note,
        NotesOperations,
        ResponseWrapper,
        SuccessResponse,
    )
    from zohocrmsdk.src.com.zoho.crm.api.notes.parent_id import ParentId
    from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule

    lead_id = lead_id_of_sandbox()
    note = Note()
    note.set_note_title("Called")
    note.set_note_content("Asked for a quote")
    parent = ParentId()
    module = MinifiedModule()
    module.set_api_name("Leads")
    parent.set_module(module)
    parent.set_id(int(lead_id))
    note.set_parent_id(parent)
    body = BodyWrapper()
    body.set_data([note])
    operations = NotesOperations()
    (details,) = succeeded(parsed(operations.create_notes(body), ActionWrapper).get_data(), SuccessResponse)
    note_id = details["id"]

    params = ParameterMap()
    params.add(GetNotesParam.fields, "Note_Title,Note_Content")
    notes = parsed(operations.get_notes(params), ResponseWrapper).get_data()
    assert any(str(n.get_id()) == str(note_id) for n in notes)

    change = Note()
    change.set_note_content("Sent the quote")
    body = BodyWrapper()
    body.set_data([change])
    succeeded(parsed(operations.update_note(int(note_id), body), ActionWrapper).get_data(), SuccessResponse)
    succeeded(parsed(operations.delete_note(int(note_id)), ActionWrapper).get_data(), SuccessResponse)


def test_tags_are_listed_added_and_removed(fake):
    from zohocrmsdk.src.com.zoho.crm.api.tags import (
        ExistingTag,
        ExistingTagRequestWrapper,
        GetTagsParam,
        NewTagRequestWrapper,
        RecordActionWrapper,
        RecordSuccessResponse,
        ResponseWrapper,
        Tag,
        TagsOperations,
    )

    lead_id = lead_id_of_sandbox()
    operations = TagsOperations()
    tag = Tag()
    tag.set_name("sdk-hot")
    request = NewTagRequestWrapper()
    request.set_tags([tag])
    added = parsed(operations.add_tags("Leads", int(lead_id), request), RecordActionWrapper)
    succeeded(added.get_data(), RecordSuccessResponse)

    params = ParameterMap()
    params.add(GetTagsParam.module, "Leads")
    tags = parsed(operations.get_tags(params), ResponseWrapper).get_tags()
    assert "sdk-hot" in [t.get_name() for t in tags]

    known = ExistingTag()
    known.set_name("sdk-hot")
    existing = ExistingTagRequestWrapper()
    existing.set_tags([known])
    removed = parsed(operations.remove_tags("Leads", int(lead_id), existing), RecordActionWrapper)
    succeeded(removed.get_data(), RecordSuccessResponse)


def test_users_and_the_org_are_read(fake):
    from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations
    from zohocrmsdk.src.com.zoho.crm.api.org import ResponseWrapper as OrgWrapper
    from zohocrmsdk.src.com.zoho.crm.api.users import GetUsersParam, ResponseWrapper, UsersOperations

    params = ParameterMap()
    params.add(GetUsersParam.type, "ActiveUsers")
    users = parsed(UsersOperations().get_users(params), ResponseWrapper).get_users()
    assert users, "the sandbox has active users"
    (one,) = parsed(UsersOperations().get_user(int(users[0].get_id())), ResponseWrapper).get_users()
    assert one.get_email() == users[0].get_email()

    (org,) = parsed(OrgOperations().get_organization(), OrgWrapper).get_org()
    assert org.get_id()


def test_a_lead_is_converted(fake):
    from zohocrmsdk.src.com.zoho.crm.api.convert_lead import (
        ActionWrapper,
        BodyWrapper,
        ConvertLeadOperations,
        LeadConverter,
        SuccessResponse,
    )
    from zohocrmsdk.src.com.zoho.crm.api.record import ActionWrapper as RecordActions
    from zohocrmsdk.src.com.zoho.crm.api.record import BodyWrapper as RecordBody
    from zohocrmsdk.src.com.zoho.crm.api.record import Record, RecordOperations
    from zohocrmsdk.src.com.zoho.crm.api.record import SuccessResponse as RecordSuccess

    lead = Record()
    lead.add_key_value("Last_Name", "Sdk-Convert")
    lead.add_key_value("Company", "Converted Co")
    body = RecordBody()
    body.set_data([lead])
    (details,) = succeeded(
        parsed(RecordOperations("Leads").create_records(body), RecordActions).get_data(), RecordSuccess
    )
    converter = LeadConverter()
    converter.set_overwrite(True)
    request = BodyWrapper()
    request.set_data([converter])
    answer = parsed(ConvertLeadOperations(int(details["id"])).convert_lead(request), ActionWrapper)
    (converted,) = succeeded(answer.get_data(), SuccessResponse)
    assert converted["Contacts"] and converted["Accounts"], converted


def test_notifications_are_enabled_updated_listed_and_disabled(fake):
    from zohocrmsdk.src.com.zoho.crm.api.notifications import (
        ActionWrapper,
        BodyWrapper,
        DeleteNotificationParam,
        GetNotificationsParam,
        Notification,
        NotificationsOperations,
        ResponseWrapper,
        SuccessResponse,
    )

    operations = NotificationsOperations()
    channel_id = "1000000068123"
    notification = Notification()
    notification.set_channel_id(channel_id)
    notification.set_events(["Leads.create", "Deals.all"])
    notification.set_notify_url("http://127.0.0.1:9/sdk/notify")
    notification.set_token("sdk-token-1234")
    body = BodyWrapper()
    body.set_watch([notification])
    succeeded(parsed(operations.enable_notifications(body), ActionWrapper).get_watch(), SuccessResponse)

    # PATCH, with the notify URL v8 requires.
    change = Notification()
    change.set_channel_id(channel_id)
    change.set_events(["Leads.all", "Deals.all"])
    change.set_notify_url("http://127.0.0.1:9/sdk/notify")
    change.set_token("sdk-token-1234")
    body = BodyWrapper()
    body.set_watch([change])
    succeeded(parsed(operations.update_notification(body), ActionWrapper).get_watch(), SuccessResponse)

    params = ParameterMap()
    params.add(GetNotificationsParam.channel_id, int(channel_id))
    listed = parsed(operations.get_notifications(params), ResponseWrapper)
    modules = sorted(str(n.get_resource_name()) for n in listed.get_watch())
    assert modules == ["Deals", "Leads"], "one entry per module the channel watches"
    assert listed.get_info().get_count() == 2

    params = ParameterMap()
    params.add(DeleteNotificationParam.channel_ids, channel_id)
    succeeded(parsed(operations.delete_notification(params), ActionWrapper).get_watch(), SuccessResponse)


def test_a_bulk_read_job_is_created_and_completes(fake):
    from zohocrmsdk.src.com.zoho.crm.api.bulk_read import (
        ActionWrapper,
        BodyWrapper,
        BulkReadOperations,
        Criteria,
        Query,
        ResponseWrapper,
        SuccessResponse,
    )
    from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule

    query = Query()
    module = MinifiedModule()
    module.set_api_name("Leads")
    query.set_module(module)
    query.set_fields(["Last_Name", "Email"])
    criteria = Criteria()
    criteria.set_api_name("Lead_Source")
    criteria.set_comparator(Choice("equal"))
    criteria.set_value("Web")
    query.set_criteria(criteria)
    body = BodyWrapper()
    body.set_query(query)
    body.set_file_type("csv")
    operations = BulkReadOperations()
    (details,) = succeeded(parsed(operations.create_bulk_read_job(body), ActionWrapper).get_data(), SuccessResponse)
    job_id = int(details["id"])

    state = None
    for _ in range(100):
        (job,) = parsed(operations.get_bulk_read_job_details(job_id), ResponseWrapper).get_data()
        state = job.get_state().get_value()
        if state == "COMPLETED":
            break
        time.sleep(0.1)
    assert state == "COMPLETED", state
    assert job.get_result().get_download_url()


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q"]))
