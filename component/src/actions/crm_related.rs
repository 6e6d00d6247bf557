//! The CRM actions around records: lead conversion, related records, photos, tags, notes,
//! users and deleted records.

use super::action::*;

use serde_json::{Value, json};

use crate::crm::{self};
use crate::shared::error::{Error, record_result_json};
use crate::shared::inputs::{InputSpec, InputType, Inputs};
use crate::shared::session::Session;

use super::crm::{fetch, list_output};

/// These actions, in manifest order (after `crm.rs`'s).
pub(super) static ACTIONS: &[Action] = &[
    Action {
        key: "crmConvertLead",
        label: "Convert Lead",
        description: "Convert a lead into a contact and an account (new ones, or existing ones you name) and, with deals values, a new deal. Returns the ids Zoho created or linked. A conversion whose answer was lost is not sent again (it would create the records twice).",
        product: Product::Crm,
        inputs: &[
            InputSpec::required("recordId", "Lead ID", InputType::Id, "The lead's id, a string of digits.")
                .example("\"4150868000000624001\""),
            InputSpec::optional(
                "overwrite",
                "Overwrite",
                InputType::Boolean,
                "With contacts: overwrite that contact's fields with the lead's.",
            ),
            InputSpec::optional(
                "notifyLeadOwner",
                "Notify Lead Owner",
                InputType::Boolean,
                "Email the lead's owner about the conversion.",
            ),
            InputSpec::optional(
                "notifyNewEntityOwner",
                "Notify New Entity Owner",
                InputType::Boolean,
                "Email the owner of the new records.",
            ),
            InputSpec::optional(
                "accounts",
                "Account ID",
                InputType::Id,
                "An existing account to link the lead to instead of creating one from its Company.",
            ),
            InputSpec::optional(
                "contacts",
                "Contact ID",
                InputType::Id,
                "An existing contact to link the lead to instead of creating one.",
            ),
            InputSpec::optional(
                "assignTo",
                "Assign To",
                InputType::Id,
                "The user id who will own the new records.",
            ),
            InputSpec::optional(
                "deals",
                "Deal",
                InputType::Object,
                "Values for a new deal, by field API name; Zoho requires at least Deal_Name and Stage.",
            )
            .example("{\"Deal_Name\": \"Zylker renewal\", \"Stage\": \"Qualification\", \"Closing_Date\": \"2026-06-30\"}"),
        ],
        output_example: r#"{"data":{"contactId":"4150868000000625001","accountId":"4150868000000626001","dealId":null,"contact":{"id":"4150868000000625001","name":"Boyle"},"account":{"id":"4150868000000626001","name":"Zylker"},"deal":null}}"#,
        run: Run::Value(run_convert_lead),
    },
    Action {
        key: "crmListRelatedLists",
        label: "List Related Lists",
        description: "List a module's related lists (API name, label and the module they hold), for the relatedList dropdown.",
        product: Product::Crm,
        inputs: &[RECORD_TYPE],
        output_example: r#"{"data":[{"apiName":"Contacts","label":"Contacts","module":"Contacts"}]}"#,
        run: Run::Value(run_list_related_lists),
    },
    Action {
        key: "crmListRelatedRecords",
        label: "List Related Records",
        description: "List the records in one of a record's related lists (an account's contacts, a contact's deals, a campaign's leads, ...): a page, or every page with fetchAll.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            RELATED_LIST,
            InputSpec::optional(
                "fields",
                "Fields",
                InputType::StringList,
                "Field API names of the related records (the related module's fields, up to 50, when omitted).",
            )
            .example("[\"Last_Name\", \"Email\"]"),
            PAGE,
            PER_PAGE,
            FETCH_ALL,
            MAX_RECORDS,
            CURSOR,
        ],
        output_example: r#"{"data":[{"id":"4150868000000625001","Last_Name":"Boyle","Email":"p.boyle@zylker.com"}],"info":{"page":1,"perPage":200,"count":1,"moreRecords":false,"nextPageToken":null,"cursor":null}}"#,
        run: Run::Text(run_list_related_records),
    },
    Action {
        key: "crmLinkRelatedRecords",
        label: "Link Related Records",
        description: "Link records into a record's related list (a lead to a campaign, a contact role to a deal), with values for the link's own fields; 100 records per request, each record's result reported.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            RELATED_LIST,
            InputSpec::required(
                "relatedRecordIds",
                "Related Record IDs",
                InputType::StringList,
                "The records to link, as an array or a comma-separated string.",
            )
            .example("[\"4150868000000625001\"]"),
            InputSpec::optional(
                "values",
                "Values",
                InputType::Object,
                "Values of the link's own (junction) fields, set on every link, e.g. a contact role or a campaign member status.",
            )
            .example("{\"Member_Status\": \"Invited\"}"),
        ],
        output_example: r#"{"data":[{"index":0,"status":"success","id":"4150868000000625001","code":"SUCCESS","message":"relation added","details":{"id":"4150868000000625001"}}]}"#,
        run: Run::Value(run_link_related_records),
    },
    Action {
        key: "crmUnlinkRelatedRecord",
        label: "Unlink Related Record",
        description: "Remove one record from a record's related list; the record itself is kept.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            RELATED_LIST,
            InputSpec::required(
                "relatedRecordId",
                "Related Record ID",
                InputType::Id,
                "The record to unlink.",
            )
            .example("\"4150868000000625001\""),
        ],
        output_example: r#"{"data":{"index":0,"status":"success","id":"4150868000000625001","code":"SUCCESS","message":"relation removed","details":{"id":"4150868000000625001"}}}"#,
        run: Run::Value(run_unlink_related_record),
    },
    Action {
        key: "crmUploadPhoto",
        label: "Upload Photo",
        description: "Set a record's photo (Leads, Contacts, Accounts, Products, Vendors, custom modules with photos): a PNG, JPEG, GIF or BMP image up to 10 MB, replacing any photo it had.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            InputSpec::required("fileName", "File Name", InputType::Text, "The image's file name.")
                .example("\"portrait.png\""),
            InputSpec::optional(
                "file",
                "File",
                InputType::Text,
                "The image as text (platforms that pass binary files as strings); or use fileBase64.",
            ),
            InputSpec::optional("fileBase64", "File (Base64)", InputType::Text, "The image, base64-encoded."),
        ],
        output_example: r#"{"data":{"code":"SUCCESS","details":{},"message":"photo uploaded successfully","status":"success"}}"#,
        run: Run::Value(run_upload_photo),
    },
    Action {
        key: "crmDownloadPhoto",
        label: "Download Photo",
        description: "Get a record's photo, base64-encoded with its content type; a record without a photo is not-found.",
        product: Product::Crm,
        inputs: &[RECORD_TYPE, RECORD_ID],
        output_example: r#"{"data":{"fileName":null,"contentType":"image/png","size":48213,"contentBase64":"iVBORw0KGgo="}}"#,
        run: Run::Value(run_download_photo),
    },
    Action {
        key: "crmListTags",
        label: "List Tags",
        description: "List a module's tags (id and name), for dropdowns.",
        product: Product::Crm,
        inputs: &[RECORD_TYPE],
        output_example: r##"{"data":[{"id":"4150868000000950001","name":"Hot","color_code":"#F17574"}]}"##,
        run: Run::Value(run_list_tags),
    },
    Action {
        key: "crmAddTags",
        label: "Add Tags",
        description: "Add tags to records (sent 100 records per request); tags that do not exist yet are created. With overWrite the tags replace the records' tags. Each record's result is reported.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_IDS_FOR_TAGS,
            TAG_NAMES,
            InputSpec::optional(
                "overWrite",
                "Overwrite",
                InputType::Boolean,
                "Replace the records' tags with these instead of adding to them.",
            )
            .default("false"),
        ],
        output_example: r#"{"data":[{"index":0,"status":"success","id":"4150868000000624001","code":"SUCCESS","message":"tags updated successfully","details":{"id":"4150868000000624001","tags":[{"name":"Hot","id":"4150868000000950001"}]}}]}"#,
        run: Run::Value(run_add_tags),
    },
    Action {
        key: "crmRemoveTags",
        label: "Remove Tags",
        description: "Remove tags from records (sent 100 records per request). Each record's result is reported.",
        product: Product::Crm,
        inputs: &[RECORD_TYPE, RECORD_IDS_FOR_TAGS, TAG_NAMES],
        output_example: r#"{"data":[{"index":0,"status":"success","id":"4150868000000624001","code":"SUCCESS","message":"tags updated successfully","details":{"id":"4150868000000624001","tags":[]}}]}"#,
        run: Run::Value(run_remove_tags),
    },
    Action {
        key: "crmListNotes",
        label: "List Notes",
        description: "List the notes of a record (any module that has notes): title, content, owner and times; a page, or every page with fetchAll.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            InputSpec::optional(
                "fields",
                "Fields",
                InputType::StringList,
                "Note fields to return (Note_Title, Note_Content, Parent_Id, Owner, Created_Time and Modified_Time when omitted).",
            )
            .example("[\"Note_Title\", \"Note_Content\"]"),
            PAGE,
            PER_PAGE,
            FETCH_ALL,
            MAX_RECORDS,
            CURSOR,
        ],
        output_example: r#"{"data":[{"id":"4150868000000952001","Note_Title":"Call","Note_Content":"Call back on Monday","Parent_Id":{"module":{"api_name":"Leads"},"id":"4150868000000624001"},"Created_Time":"2026-03-27T19:20:28+05:30"}],"info":{"page":1,"perPage":200,"count":1,"moreRecords":false,"nextPageToken":null,"cursor":null}}"#,
        run: Run::Text(run_list_notes),
    },
    Action {
        key: "crmCreateNote",
        label: "Create Note",
        description: "Add a note to a record. A note whose answer was lost is not sent again (it would be added twice): the error says so.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            InputSpec::optional("title", "Title", InputType::Text, "The note's title.").example("\"Call\""),
            InputSpec::required("content", "Content", InputType::Text, "The note's text.")
                .example("\"Call back on Monday\""),
        ],
        output_example: r#"{"data":{"index":0,"status":"success","id":"4150868000000952001","code":"SUCCESS","message":"record added","details":{"id":"4150868000000952001"}}}"#,
        run: Run::Value(run_create_note),
    },
    Action {
        key: "crmUpdateNote",
        label: "Update Note",
        description: "Change a note's title, content, or both.",
        product: Product::Crm,
        inputs: &[
            NOTE_ID,
            InputSpec::optional("title", "Title", InputType::Text, "The new title.").example("\"Called\""),
            InputSpec::optional("content", "Content", InputType::Text, "The new text.")
                .example("\"Called; sending the proposal\""),
        ],
        output_example: r#"{"data":{"index":0,"status":"success","id":"4150868000000952001","code":"SUCCESS","message":"record updated","details":{"id":"4150868000000952001"}}}"#,
        run: Run::Value(run_update_note),
    },
    Action {
        key: "crmDeleteNote",
        label: "Delete Note",
        description: "Delete a note by its id.",
        product: Product::Crm,
        inputs: &[NOTE_ID],
        output_example: r#"{"data":{"index":0,"status":"success","id":"4150868000000952001","code":"SUCCESS","message":"record deleted","details":{"id":"4150868000000952001"}}}"#,
        run: Run::Value(run_delete_note),
    },
    Action {
        key: "crmListUsers",
        label: "List Users",
        description: "List the org's users of one type (all, active, deactivated, confirmed, admins, the current user, ...): a page, or every page with fetchAll.",
        product: Product::Crm,
        inputs: &[
            InputSpec::optional(
                "type",
                "Type",
                InputType::Choice(crate::crm::users::USER_TYPES),
                "Which users: Zoho's user type filter.",
            )
            .default("\"AllUsers\""),
            PAGE,
            PER_PAGE,
            FETCH_ALL,
            MAX_RECORDS,
            CURSOR,
        ],
        output_example: r#"{"data":[{"id":"4150868000000225013","full_name":"Patricia Boyle","email":"p.boyle@zylker.com","status":"active","role":{"name":"CEO","id":"4150868000000026005"},"profile":{"name":"Administrator","id":"4150868000000026011"}}],"info":{"page":1,"perPage":200,"count":1,"moreRecords":false,"nextPageToken":null,"cursor":null}}"#,
        run: Run::Text(run_list_users),
    },
    Action {
        key: "crmGetUser",
        label: "Get User",
        description: "Get one user of the org by id: name, email, status, role, profile, time zone and locale.",
        product: Product::Crm,
        inputs: &[InputSpec::required("userId", "User ID", InputType::Id, "The user's id, a string of digits.")
            .example("\"4150868000000225013\"")],
        output_example: r#"{"data":{"id":"4150868000000225013","full_name":"Patricia Boyle","email":"p.boyle@zylker.com","status":"active"}}"#,
        run: Run::Value(run_get_user),
    },
    Action {
        key: "crmListDeletedRecords",
        label: "List Deleted Records",
        description: "List a module's deleted records (id, display name, who deleted it and when), from the recycle bin, permanently deleted, or both: a page, or every page with fetchAll.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            InputSpec::optional(
                "type",
                "Type",
                InputType::Choice(crate::crm::DeletedKind::NAMES),
                "all, recycle (still restorable from the recycle bin) or permanent.",
            )
            .default("\"all\""),
            IF_MODIFIED_SINCE,
            PAGE,
            PER_PAGE,
            FETCH_ALL,
            MAX_RECORDS,
            CURSOR,
        ],
        output_example: r#"{"data":[{"id":"4150868000000624001","display_name":"Patricia Boyle","type":"recycle","deleted_time":"2026-03-27T19:20:28+05:30","deleted_by":{"name":"Patricia Boyle","id":"4150868000000225013"}}],"info":{"page":1,"perPage":200,"count":1,"moreRecords":false,"nextPageToken":null,"cursor":null}}"#,
        run: Run::Text(run_list_deleted_records),
    },
];

fn run_convert_lead(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    use crate::crm::convert::{ConvertOptions, Entity, convert_lead};
    let options = ConvertOptions {
        overwrite: inputs.value("overwrite").and_then(Value::as_bool),
        notify_lead_owner: inputs.value("notifyLeadOwner").and_then(Value::as_bool),
        notify_new_entity_owner: inputs.value("notifyNewEntityOwner").and_then(Value::as_bool),
        account: inputs.text("accounts").map(str::to_owned),
        contact: inputs.text("contacts").map(str::to_owned),
        assign_to: inputs.text("assignTo").map(str::to_owned),
        deal: inputs.object("deals").cloned(),
    };
    let converted = convert_lead(session, inputs.required_text("recordId")?, &options)?;
    let entity = |e: &Option<Entity>| e.as_ref().map_or(Value::Null, |e| json!({"id": e.id, "name": e.name}));
    let id = |e: &Option<Entity>| e.as_ref().map_or(Value::Null, |e| json!(e.id));
    Ok(json!({
        "data": {
            "contactId": id(&converted.contact),
            "accountId": id(&converted.account),
            "dealId": id(&converted.deal),
            "contact": entity(&converted.contact),
            "account": entity(&converted.account),
            "deal": entity(&converted.deal),
        }
    }))
}

const RELATED_LIST: InputSpec = InputSpec::required(
    "relatedList",
    "Related List",
    InputType::ApiName,
    "The related list's API name (see crmListRelatedLists), e.g. Contacts, Deals, Campaigns.",
)
.example("\"Contacts\"")
.choices(&choices::CRM_RELATED_LISTS);

fn related_target(inputs: &Inputs) -> Result<crate::crm::related::RelatedList<'_>, Error> {
    Ok(crate::crm::related::RelatedList {
        module: inputs.required_text("recordType")?,
        record_id: inputs.required_text("recordId")?,
        related_list: inputs.required_text("relatedList")?,
    })
}

fn run_list_related_lists(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let lists = crate::crm::metadata::list_related_lists(session, inputs.required_text("recordType")?)?;
    Ok(crate::crm::metadata::related_lists_json(&lists))
}

fn run_list_related_records(session: &mut Session, inputs: &Inputs) -> Result<String, Error> {
    let gathered = crate::crm::related::list_related_records(
        session,
        related_target(inputs)?,
        &inputs.list("fields").unwrap_or_default(),
        inputs.u32("page"),
        inputs.u32("perPage"),
        &fetch(inputs),
    )?;
    list_output(&gathered)
}

fn run_link_related_records(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let results = crate::crm::related::link_related_records(
        session,
        related_target(inputs)?,
        &inputs.list("relatedRecordIds").unwrap_or_default(),
        &inputs.object("values").cloned().unwrap_or_default(),
    )?;
    Ok(json!({ "data": results.iter().map(record_result_json).collect::<Vec<_>>() }))
}

fn run_unlink_related_record(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let result = crate::crm::related::unlink_related_record(
        session,
        related_target(inputs)?,
        inputs.required_text("relatedRecordId")?,
    )?;
    Ok(json!({ "data": record_result_json(&result) }))
}

fn run_upload_photo(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let limit = (crate::crm::photo::MAX_PHOTO_BYTES, "Zoho's 10 MB for a photo");
    let data = file_input(inputs, Some(limit))?;
    let answer = crate::crm::photo::upload_photo(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
        inputs.required_text("fileName")?,
        data,
    )?;
    Ok(json!({ "data": answer }))
}

fn run_download_photo(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let photo = crate::crm::photo::download_photo(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
    )?;
    Ok(download_output(&photo))
}

const RECORD_IDS_FOR_TAGS: InputSpec = InputSpec::required(
    "recordIds",
    "Record IDs",
    InputType::StringList,
    "The records to tag, as an array or a comma-separated string; sent 100 per request.",
)
.example("[\"4150868000000624001\"]");
const TAG_NAMES: InputSpec = InputSpec::required(
    "tags",
    "Tags",
    InputType::StringList,
    "Tag names, as an array or a comma-separated string.",
)
.example("[\"Hot\", \"Webinar\"]")
.choices(&choices::CRM_TAGS);

fn run_list_tags(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let tags = crate::crm::tags::list_tags(session, inputs.required_text("recordType")?)?;
    Ok(json!({ "data": tags }))
}

fn run_change_tags(
    session: &mut Session,
    inputs: &Inputs,
    change: crate::crm::tags::TagChange,
) -> Result<Value, Error> {
    let results = crate::crm::tags::change_tags(
        session,
        inputs.required_text("recordType")?,
        &inputs.list("recordIds").unwrap_or_default(),
        &inputs.list("tags").unwrap_or_default(),
        change,
    )?;
    Ok(json!({ "data": results.iter().map(record_result_json).collect::<Vec<_>>() }))
}

fn run_add_tags(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let over_write = inputs.flag("overWrite");
    run_change_tags(session, inputs, crate::crm::tags::TagChange::Add { over_write })
}

fn run_remove_tags(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    run_change_tags(session, inputs, crate::crm::tags::TagChange::Remove)
}

const NOTE_ID: InputSpec =
    InputSpec::required("noteId", "Note ID", InputType::Id, "The note's id, a string of digits.")
        .example("\"4150868000000952001\"");

fn run_list_notes(session: &mut Session, inputs: &Inputs) -> Result<String, Error> {
    let gathered = crate::crm::notes::list_notes(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
        &inputs.list("fields").unwrap_or_default(),
        inputs.u32("page"),
        inputs.u32("perPage"),
        &fetch(inputs),
    )?;
    list_output(&gathered)
}

fn run_create_note(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let result = crate::crm::notes::create_note(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
        inputs.text("title"),
        inputs.required_text("content")?,
    )?;
    Ok(json!({ "data": record_result_json(&result) }))
}

fn run_update_note(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let result = crate::crm::notes::update_note(
        session,
        inputs.required_text("noteId")?,
        inputs.text("title"),
        inputs.text("content"),
    )?;
    Ok(json!({ "data": record_result_json(&result) }))
}

fn run_delete_note(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let result = crate::crm::notes::delete_note(session, inputs.required_text("noteId")?)?;
    Ok(json!({ "data": record_result_json(&result) }))
}

fn run_list_users(session: &mut Session, inputs: &Inputs) -> Result<String, Error> {
    let gathered = crate::crm::users::list_users(
        session,
        inputs.text("type").unwrap_or("AllUsers"),
        inputs.u32("page"),
        inputs.u32("perPage"),
        &fetch(inputs),
    )?;
    list_output(&gathered)
}

fn run_get_user(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let user = crate::crm::users::get_user(session, inputs.required_text("userId")?)?;
    Ok(json!({ "data": user }))
}

fn run_list_deleted_records(session: &mut Session, inputs: &Inputs) -> Result<String, Error> {
    let kind = crm::DeletedKind::parse(inputs.text("type").unwrap_or("all"))
        .ok_or_else(|| Error::invalid("type", "must be all, recycle or permanent"))?;
    let gathered = crm::list_deleted(
        session,
        inputs.required_text("recordType")?,
        kind,
        inputs.text("ifModifiedSince"),
        inputs.u32("page"),
        inputs.u32("perPage"),
        &fetch(inputs),
    )?;
    list_output(&gathered)
}
