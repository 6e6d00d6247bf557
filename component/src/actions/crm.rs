//! The CRM actions on records: create, read, update, upsert and delete, lists, search, COQL,
//! attachments and metadata (conversion, related records, photos, tags, notes, users and
//! deleted records are in `crm_related.rs`; the notification channels in `notifications.rs`).

use super::action::*;

use serde_json::{Map, Value, json};

use crate::crm::RawRecord;
use crate::crm::paging::Gathered;
use crate::crm::{self, ListOptions, SortOrder};
use crate::shared::error::{Error, record_result_json};
use crate::shared::inputs::{InputSpec, InputType, Inputs};
use crate::shared::session::Session;

/// The CRM actions, in manifest order.
pub(super) static ACTIONS: &[Action] = &[
    Action {
        key: "crmCreateRecord",
        label: "Create Record",
        description: "Create one record, or many (an array; sent in batches of 100), in a CRM module. Per-record failures are reported, never hidden.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            InputSpec::required(
                "values",
                "Values",
                InputType::ObjectOrArray,
                "The record as an object of field API names to values, or an array of such objects.",
            )
            .choices(&choices::CRM_WRITABLE_FIELDS)
            .example("{\"Last_Name\": \"Boyle\", \"Company\": \"Zylker\", \"Email\": \"p.boyle@zylker.com\"}"),
            DYNAMIC_FIELDS,
            TRIGGER,
        ],
        output_example: r#"{"data":[{"index":0,"status":"success","id":"4150868000000624001","code":"SUCCESS","message":"record added","details":{"id":"4150868000000624001","Created_Time":"2026-03-27T19:20:28+05:30"}}]}"#,
        run: Run::Value(run_create_record),
    },
    Action {
        key: "crmGetRecord",
        label: "Get Record",
        description: "Get one CRM record by id.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            InputSpec::optional(
                "fields",
                "Fields",
                InputType::StringList,
                "Field API names to return (all when omitted).",
            )
            .choices(&choices::CRM_FIELDS)
            .example("[\"Last_Name\", \"Email\"]"),
            IF_MODIFIED_SINCE,
        ],
        output_example: r#"{"data":{"id":"4150868000000624001","Last_Name":"Boyle","Email":"p.boyle@zylker.com"}}"#,
        run: Run::Value(run_get_record),
    },
    Action {
        key: "crmGetRecords",
        label: "Get Records",
        description: "Get records from a CRM module: one page, or with fetchAll every page up to maxRecords, past the 2,000-record limit of page numbers. Pass the returned cursor back to continue.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            InputSpec::required(
                "fields",
                "Fields",
                InputType::StringList,
                "Field API names to return (Zoho requires at least one, at most 50).",
            )
            .choices(&choices::CRM_FIELDS)
            .example("[\"Last_Name\", \"Email\"]"),
            PAGE,
            PER_PAGE,
            InputSpec::optional(
                "pageToken",
                "Page Token",
                InputType::Text,
                "Zoho's next_page_token from a previous page; not combined with page.",
            ),
            InputSpec::optional(
                "sortBy",
                "Sort By",
                InputType::Text,
                "Field to sort by: id, Created_Time or Modified_Time.",
            )
            .example("\"Modified_Time\""),
            InputSpec::optional(
                "sortOrder",
                "Sort Order",
                InputType::Choice(&["asc", "desc"]),
                "Sort direction (Zoho's default: desc).",
            ),
            IF_MODIFIED_SINCE,
            FETCH_ALL,
            MAX_RECORDS,
            CURSOR,
        ],
        output_example: r#"{"data":[{"id":"4150868000000624001","Last_Name":"Boyle"}],"info":{"page":1,"perPage":200,"count":1,"moreRecords":false,"nextPageToken":null,"cursor":null}}"#,
        run: Run::Text(run_get_records),
    },
    Action {
        key: "crmUpdateRecord",
        label: "Update Record",
        description: "Update one CRM record by id, or many (an array of records each carrying its id; sent in batches of 100).",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            InputSpec::optional(
                "recordId",
                "Record ID",
                InputType::Id,
                "The record's id, when values is one object; leave out when values is an array of records with ids.",
            )
            .example("\"4150868000000624001\""),
            InputSpec::required(
                "values",
                "Values",
                InputType::ObjectOrArray,
                "Fields to change, as an object of field API names to values.",
            )
            .choices(&choices::CRM_WRITABLE_FIELDS)
            .example("{\"Phone\": \"+1 555 0100\"}"),
            DYNAMIC_FIELDS,
            TRIGGER,
        ],
        output_example: r#"{"data":{"index":0,"status":"success","id":"4150868000000624001","code":"SUCCESS","message":"record updated","details":{"id":"4150868000000624001"}}}"#,
        run: Run::Value(run_update_record),
    },
    Action {
        key: "crmRemoveRecord",
        label: "Remove Record",
        description: "Delete one CRM record by id (it goes to Zoho's recycle bin).",
        product: Product::Crm,
        inputs: &[RECORD_TYPE, RECORD_ID],
        output_example: r#"{"data":{"index":0,"status":"success","id":"4150868000000624001","code":"SUCCESS","message":"record deleted","details":{"id":"4150868000000624001"}}}"#,
        run: Run::Value(run_remove_record),
    },
    Action {
        key: "crmRemoveRecords",
        label: "Remove Records",
        description: "Delete CRM records by id, any number of them (sent in batches of 100), with a result per id.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            InputSpec::required("recordIds", "Record IDs", InputType::StringList, "The ids to delete, as an array or a comma-separated string.")
                .example("[\"4150868000000624001\", \"4150868000000624002\"]"),
        ],
        output_example: r#"{"data":[{"index":0,"status":"success","id":"4150868000000624001","code":"SUCCESS","message":"record deleted","details":{"id":"4150868000000624001"}}]}"#,
        run: Run::Value(run_remove_records),
    },
    Action {
        key: "crmUpsertRecords",
        label: "Upsert Records",
        description: "Insert or update CRM records, matching existing ones on duplicateCheckFields (or Zoho's system-defined duplicate fields). Each result says whether Zoho inserted or updated.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            InputSpec::required("records", "Records", InputType::ObjectOrArray, "A record, or an array of records, with field API names.").choices(&choices::CRM_WRITABLE_FIELDS)
                .example("[{\"Last_Name\": \"Boyle\", \"Email\": \"p.boyle@zylker.com\"}]"),
            InputSpec::optional(
                "duplicateCheckFields",
                "Duplicate Check Fields",
                InputType::StringList,
                "Fields that identify an existing record, e.g. Email; Zoho's system-defined duplicate fields when omitted.",
            )
            .choices(&choices::CRM_FIELDS)
            .example("[\"Email\"]"),
            DYNAMIC_FIELDS,
            TRIGGER,
        ],
        output_example: r#"{"data":[{"index":0,"status":"success","id":"4150868000000624001","code":"SUCCESS","message":"record updated","details":{"id":"4150868000000624001"},"action":"update"}]}"#,
        run: Run::Value(run_upsert_records),
    },
    Action {
        key: "crmAddAttachment",
        label: "Add Attachment",
        description: "Attach a file (text or base64 contents) or a link to a record of any module, custom modules included.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            InputSpec::optional("fileName", "File Name", InputType::Text, "The file's name, required for file and fileBase64.").example("\"proposal.pdf\""),
            InputSpec::optional("file", "File", InputType::Text, "The file's contents as text."),
            InputSpec::optional("fileBase64", "File (Base64)", InputType::Text, "The file's contents, base64-encoded, for binary files."),
            InputSpec::optional("contentType", "Content Type", InputType::Text, "The file's content type; guessed from the file name when omitted."),
            InputSpec::optional("attachmentUrl", "Attachment URL", InputType::Text, "Attach a link instead of a file.").example("\"https://www.zylker.example/specs.pdf\""),
            InputSpec::optional("title", "Title", InputType::Text, "The link's title."),
        ],
        output_example: r#"{"data":{"index":0,"status":"success","id":"4150868000000951001","code":"SUCCESS","message":"attachment uploaded","details":{"id":"4150868000000951001"}}}"#,
        run: Run::Value(run_add_attachment),
    },
    Action {
        key: "crmListAttachments",
        label: "List Attachments",
        description: "List a record's attachments: a page, or every page with fetchAll.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            InputSpec::optional("fields", "Fields", InputType::StringList, "Attachment fields to return.").default("\"id,File_Name,Size,Created_Time,Modified_Time\""),
            PAGE,
            PER_PAGE,
            FETCH_ALL,
            MAX_RECORDS,
            CURSOR,
        ],
        output_example: r#"{"data":[{"id":"4150868000000951001","File_Name":"proposal.pdf","Size":"48213"}],"info":{"page":1,"perPage":200,"count":1,"moreRecords":false,"nextPageToken":null,"cursor":null}}"#,
        run: Run::Text(run_list_attachments),
    },
    Action {
        key: "crmDownloadAttachment",
        label: "Download Attachment",
        description: "Download one attachment; the contents come back base64-encoded.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            RECORD_ID,
            InputSpec::required("attachmentId", "Attachment ID", InputType::Id, "The attachment's id.").example("\"4150868000000951001\""),
        ],
        output_example: r#"{"data":{"fileName":"proposal.pdf","contentType":"application/pdf","size":4,"contentBase64":"JVBERg=="}}"#,
        run: Run::Value(run_download_attachment),
    },
    Action {
        key: "crmSearchRecords",
        label: "Search Records",
        description: "Search a CRM module by criteria, structured conditions, email, phone or word (exactly one), a page or every page.",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            InputSpec::optional("criteria", "Criteria", InputType::Text, "Zoho's criteria string, e.g. ((Last_Name:equals:Boyle)and(Lead_Source:equals:Web Download)).")
                .example("\"((Last_Name:equals:Boyle)and(Lead_Source:equals:Web Download))\""),
            InputSpec::optional(
                "conditions",
                "Conditions",
                InputType::Json,
                "Structured criteria: [{\"field\", \"operator\", \"value\"}]; operators equals, not_equal, starts_with, in, not_in, greater_than, greater_equal, less_than, less_equal, between (array values for in, not_in and between). Values are escaped for you.",
            )
            .example("[{\"field\": \"Last_Name\", \"operator\": \"equals\", \"value\": \"Boyle\"}]"),
            InputSpec::optional("match", "Match", InputType::Choice(&["all", "any"]), "Whether all conditions must hold (and) or any (or).").default("\"all\""),
            InputSpec::optional("email", "Email", InputType::Text, "Search by email address."),
            InputSpec::optional("phone", "Phone", InputType::Text, "Search by phone number."),
            InputSpec::optional("word", "Word", InputType::Text, "Search every text field for a word."),
            InputSpec::optional("fields", "Fields", InputType::StringList, "Field API names to return.").choices(&choices::CRM_FIELDS),
            PAGE,
            PER_PAGE,
            FETCH_ALL,
            MAX_RECORDS,
            CURSOR,
        ],
        output_example: r#"{"data":[{"id":"4150868000000624001","Last_Name":"Boyle"}],"info":{"page":1,"perPage":200,"count":1,"moreRecords":false,"nextPageToken":null,"cursor":null}}"#,
        run: Run::Text(run_search),
    },
    Action {
        key: "crmRunQuery",
        label: "Run COQL Query",
        description: "Run a COQL query. With fetchAll, pages with LIMIT offset, 2000 up to maxRecords; a LIMIT you write is the total wanted.",
        product: Product::Crm,
        inputs: &[
            InputSpec::required("query", "Query", InputType::Text, "A COQL SELECT query.")
                .example("\"select Last_Name, Email from Leads where Lead_Source = 'Web Download' order by Created_Time desc limit 0, 200\""),
            FETCH_ALL,
            MAX_RECORDS,
            CURSOR,
        ],
        output_example: r#"{"data":[{"Last_Name":"Boyle","Email":"p.boyle@zylker.com","id":"4150868000000624001"}],"info":{"count":1,"moreRecords":false,"cursor":null}}"#,
        run: Run::Value(run_query),
    },
    Action {
        key: "crmListModules",
        label: "List Modules",
        description: "List the CRM modules, standard and custom, with their API names, for dropdowns.",
        product: Product::Crm,
        inputs: &[],
        output_example: r#"{"data":[{"apiName":"Leads","label":"Leads","singularLabel":"Lead","custom":false,"apiSupported":true}]}"#,
        run: Run::Value(run_list_modules),
    },
    Action {
        key: "crmListFields",
        label: "List Fields",
        description: "List a module's fields: API name, label, data type, mandatory, read-only, picklist values and lookup target, custom fields included.",
        product: Product::Crm,
        inputs: &[RECORD_TYPE],
        output_example: r#"{"data":[{"apiName":"Lead_Source","label":"Lead Source","dataType":"picklist","mandatory":false,"readOnly":false,"custom":false,"picklistValues":["Web Download"],"lookupModule":null,"jsonType":"string"}]}"#,
        run: Run::Value(run_list_fields),
    },
];

fn run_create_record(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let records: Vec<Map<String, Value>> = inputs
        .records("values")
        .into_iter()
        .map(|record| with_dynamic_fields(inputs, record))
        .collect();
    let trigger = inputs.list("trigger");
    let results = crm::create_records(
        session,
        inputs.required_text("recordType")?,
        &records,
        trigger.as_deref(),
    )?;
    Ok(json!({ "data": results.iter().map(record_result_json).collect::<Vec<_>>() }))
}

fn run_get_record(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let fields = inputs.list("fields").unwrap_or_default();
    let record = crm::get_record(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
        &fields,
        inputs.text("ifModifiedSince"),
    )?;
    Ok(json!({ "data": record }))
}

fn run_get_records(session: &mut Session, inputs: &Inputs) -> Result<String, Error> {
    let options = ListOptions {
        fields: inputs.list("fields").unwrap_or_default(),
        page: inputs.u32("page"),
        per_page: inputs.u32("perPage"),
        page_token: inputs.text("pageToken").map(str::to_owned),
        sort_by: inputs.text("sortBy").map(str::to_owned),
        sort_order: inputs
            .text("sortOrder")
            .map(|o| if o == "asc" { SortOrder::Asc } else { SortOrder::Desc }),
        if_modified_since: inputs.text("ifModifiedSince").map(str::to_owned),
    };
    let gathered = crm::get_records(session, inputs.required_text("recordType")?, &options, &fetch(inputs))?;
    list_output(&gathered)
}

/// The paging inputs every CRM list shares.
pub(super) fn fetch(inputs: &Inputs) -> crm::Fetch {
    crm::Fetch {
        fetch_all: inputs.flag("fetchAll"),
        max_records: inputs.u32("maxRecords"),
        cursor: inputs.text("cursor").map(str::to_owned),
    }
}

/// The output every CRM list shares, `{"data": [records], "info": {paging and the resume
/// cursor}}`, assembled around the records' own text.
pub(super) fn list_output(gathered: &Gathered<RawRecord>) -> Result<String, Error> {
    let info = gathered.last_page.as_ref().map(|p| p.info.clone()).unwrap_or_default();
    let info = json!({
        "page": info.page,
        "perPage": info.per_page,
        "count": gathered.records.len(),
        "moreRecords": gathered.more_records,
        "nextPageToken": info.next_page_token,
        "cursor": gathered.cursor,
    });
    let mut text =
        crate::shared::memory::text_buffer(gathered.records.iter().map(|r| r.get().len() + 1).sum::<usize>() + 256)?;
    text.push_str("{\"data\":");
    crate::shared::memory::push_json_array(&mut text, &gathered.records);
    text.push_str(",\"info\":");
    text.push_str(&info.to_string());
    text.push('}');
    Ok(text)
}

fn run_update_record(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let trigger = inputs.list("trigger");
    let module = inputs.required_text("recordType")?;
    match (inputs.value("values"), inputs.text("recordId")) {
        (Some(Value::Array(_)), Some(_)) => Err(Error::invalid(
            "recordId",
            "must be left out when values is an array: each record carries its own id",
        )),
        (Some(Value::Array(_)), None) => {
            let records: Vec<Map<String, Value>> = inputs
                .records("values")
                .into_iter()
                .map(|record| with_dynamic_fields(inputs, record))
                .collect();
            let results = crm::update_records(session, module, &records, trigger.as_deref())?;
            Ok(json!({ "data": results.iter().map(record_result_json).collect::<Vec<_>>() }))
        }
        (_, None) => Err(Error::invalid("recordId", "is required when values is one object")),
        (_, Some(id)) => {
            let values = with_dynamic_fields(inputs, inputs.object("values").cloned().unwrap_or_default());
            let result = crm::update_record(session, module, id, &values, trigger.as_deref())?;
            Ok(json!({ "data": record_result_json(&result) }))
        }
    }
}

fn run_query(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let rows = crate::crm::coql::run_query(
        session,
        inputs.required_text("query")?,
        inputs.flag("fetchAll"),
        inputs.u32("maxRecords"),
        inputs.text("cursor"),
    )?;
    Ok(json!({
        "data": rows.rows,
        "info": {"count": rows.rows.len(), "moreRecords": rows.more_records, "cursor": rows.cursor}
    }))
}

fn run_list_modules(session: &mut Session, _inputs: &Inputs) -> Result<Value, Error> {
    Ok(crate::crm::metadata::modules_json(&crate::crm::metadata::list_modules(
        session,
    )?))
}

fn run_list_fields(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    Ok(crate::crm::metadata::fields_json(&crate::crm::metadata::list_fields(
        session,
        inputs.required_text("recordType")?,
    )?))
}

/// Structured conditions from the `conditions` input.
fn conditions(value: &Value) -> Result<Vec<crate::crm::search::Condition>, Error> {
    let Value::Array(items) = value else {
        return Err(Error::invalid(
            "conditions",
            "must be an array of {\"field\", \"operator\", \"value\"} objects",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
            match (text("field"), text("operator"), item.get("value")) {
                (Some(field), Some(operator), Some(value)) if item.as_object().is_some_and(|o| o.len() == 3) => {
                    Ok(crate::crm::search::Condition {
                        field,
                        operator,
                        value: value.clone(),
                    })
                }
                _ => Err(Error::invalid(
                    format!("conditions[{i}]"),
                    "must be {\"field\": string, \"operator\": string, \"value\": ...}",
                )),
            }
        })
        .collect()
}

fn run_search(session: &mut Session, inputs: &Inputs) -> Result<String, Error> {
    use crate::crm::search::SearchBy;
    let mut given = Vec::new();
    if let Some(criteria) = inputs.text("criteria") {
        given.push(SearchBy::Criteria(criteria.to_owned()));
    }
    if let Some(value) = inputs.value("conditions") {
        let match_all = inputs.text("match") != Some("any");
        given.push(SearchBy::Criteria(crate::crm::search::criteria(
            &conditions(value)?,
            match_all,
        )?));
    }
    if let Some(email) = inputs.text("email") {
        given.push(SearchBy::Email(email.to_owned()));
    }
    if let Some(phone) = inputs.text("phone") {
        given.push(SearchBy::Phone(phone.to_owned()));
    }
    if let Some(word) = inputs.text("word") {
        given.push(SearchBy::Word(word.to_owned()));
    }
    let [by] = given.as_slice() else {
        return Err(Error::invalid(
            "criteria",
            "or conditions, email, phone or word is required, exactly one of them",
        ));
    };
    let fields = inputs.list("fields").unwrap_or_default();
    let gathered = crate::crm::search::search(
        session,
        inputs.required_text("recordType")?,
        by,
        &fields,
        inputs.u32("page"),
        inputs.u32("perPage"),
        &fetch(inputs),
    )?;
    list_output(&gathered)
}

fn run_add_attachment(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    use crate::crm::attachments::Upload;
    let sources = ["file", "fileBase64", "attachmentUrl"]
        .iter()
        .filter(|k| inputs.value(k).is_some())
        .count();
    if sources != 1 {
        return Err(Error::invalid(
            "file",
            "or fileBase64 or attachmentUrl is required, exactly one of them",
        ));
    }
    let upload = if let Some(url) = inputs.text("attachmentUrl") {
        Upload::Link {
            url: url.to_owned(),
            title: inputs.text("title").map(str::to_owned),
        }
    } else {
        let data = file_input(inputs, None)?;
        let file_name = inputs
            .text("fileName")
            .ok_or_else(|| Error::invalid("fileName", "is required with file or fileBase64"))?;
        Upload::File {
            file_name: file_name.to_owned(),
            content_type: inputs.text("contentType").map(str::to_owned),
            data,
        }
    };
    let result = crate::crm::attachments::add(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
        &upload,
    )?;
    Ok(json!({ "data": record_result_json(&result) }))
}

fn run_list_attachments(session: &mut Session, inputs: &Inputs) -> Result<String, Error> {
    let fields = inputs.list("fields").unwrap_or_default();
    let gathered = crate::crm::attachments::list(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
        &fields,
        inputs.u32("page"),
        inputs.u32("perPage"),
        &fetch(inputs),
    )?;
    list_output(&gathered)
}

fn run_download_attachment(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let download = crate::crm::attachments::download(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
        inputs.required_text("attachmentId")?,
    )?;
    Ok(download_output(&download))
}

fn run_remove_records(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let ids = inputs.list("recordIds").unwrap_or_default();
    let results = crm::delete_records(session, inputs.required_text("recordType")?, &ids)?;
    Ok(json!({ "data": results.iter().map(record_result_json).collect::<Vec<_>>() }))
}

fn run_upsert_records(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let records: Vec<Map<String, Value>> = inputs
        .records("records")
        .into_iter()
        .map(|record| with_dynamic_fields(inputs, record))
        .collect();
    let duplicate_check_fields = inputs.list("duplicateCheckFields").unwrap_or_default();
    let trigger = inputs.list("trigger");
    let results = crm::upsert_records(
        session,
        inputs.required_text("recordType")?,
        &records,
        &duplicate_check_fields,
        trigger.as_deref(),
    )?;
    Ok(json!({ "data": results.iter().map(record_result_json).collect::<Vec<_>>() }))
}

fn run_remove_record(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let result = crm::delete_record(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
    )?;
    Ok(json!({ "data": record_result_json(&result) }))
}
