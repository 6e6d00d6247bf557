//! The Zoho Books actions: records of every type, nested types under their parent, and the
//! organizations.

use super::action::*;

use serde_json::{Value, json};

use crate::books::{self, ListRequest, Target};
use crate::shared::error::Error;
use crate::shared::inputs::{InputSpec, InputType, Inputs};
use crate::shared::session::Session;

const BOOKS_RECORD_TYPE: InputSpec = InputSpec::required(
    "recordType",
    "Record Type",
    InputType::BooksPath,
    "The Books record type, including those with a slash: invoices, contacts, items, settings/taxes, projects/timeentries, bankaccounts/rules.",
)
.example("\"invoices\"")
.choices(&choices::BOOKS_RECORD_TYPES);

const BOOKS_RECORD_ID: InputSpec = InputSpec::required(
    "recordId",
    "Record ID",
    InputType::Id,
    "The record's id, a string of digits.",
)
.example("\"982000000567114\"");

const PARENT_RECORD_TYPE: InputSpec = InputSpec::optional(
    "parentRecordType",
    "Parent Record Type",
    InputType::BooksPath,
    "For nested resources: the parent's record type, e.g. invoices for /invoices/{id}/comments.",
)
.example("\"invoices\"")
.choices(&choices::BOOKS_RECORD_TYPES);

const PARENT_RECORD_ID: InputSpec = InputSpec::optional(
    "parentRecordId",
    "Parent Record ID",
    InputType::Id,
    "For nested resources: the parent record's id.",
)
.example("\"982000000567114\"");

const BOOKS_VALUES: InputSpec = InputSpec::required(
    "values",
    "Values",
    InputType::Object,
    "The record's fields as an object, with Books' field names.",
)
.example("{\"contact_name\": \"Bowman and Co\", \"contact_type\": \"customer\"}");

/// The Books actions, in manifest order.
pub(super) static ACTIONS: &[Action] = &[
    Action {
        key: "booksCreateRecord",
        label: "Create Record",
        description: "Create a Zoho Books record of any type, optionally nested under a parent record.",
        product: Product::Books,
        inputs: &[
            BOOKS_RECORD_TYPE,
            BOOKS_VALUES,
            DYNAMIC_FIELDS,
            PARENT_RECORD_TYPE,
            PARENT_RECORD_ID,
            ORGANIZATION_ID,
        ],
        output_example: r#"{"data":{"contact_id":"460000000026049","contact_name":"Bowman and Co"},"message":"The contact has been added."}"#,
        run: Run::Value(run_books_create),
    },
    Action {
        key: "booksGetRecord",
        label: "Get Record",
        description: "Get one Zoho Books record by id.",
        product: Product::Books,
        inputs: &[
            BOOKS_RECORD_TYPE,
            BOOKS_RECORD_ID,
            PARENT_RECORD_TYPE,
            PARENT_RECORD_ID,
            ORGANIZATION_ID,
        ],
        output_example: r#"{"data":{"invoice_id":"982000000567114","invoice_number":"INV-00003","status":"draft"}}"#,
        run: Run::Value(run_books_get),
    },
    Action {
        key: "booksGetRecords",
        label: "Get Records",
        description: "List Zoho Books records: one page, or every page up to maxRecords with fetchAll. Pass the returned cursor back to continue.",
        product: Product::Books,
        inputs: &[
            BOOKS_RECORD_TYPE,
            PAGE,
            PER_PAGE,
            InputSpec::optional(
                "searchFields",
                "Search Fields",
                InputType::KeyValues,
                "Query parameters: search_text, filter_by, sort_column, sort_order, or field filters such as email.",
            )
            .example("[{\"key\": \"filter_by\", \"value\": \"Status.Active\"}]"),
            InputSpec::optional(
                "fetchAll",
                "Fetch All",
                InputType::Boolean,
                "Walk every page until none are left or maxRecords were gathered.",
            )
            .default("false"),
            InputSpec::optional(
                "maxRecords",
                "Max Records",
                InputType::Integer { min: 1, max: 1_000_000 },
                "Cap on records returned.",
            )
            .default("10000"),
            InputSpec::optional(
                "cursor",
                "Cursor",
                InputType::Text,
                "The cursor of a previous result, to continue right after its last record.",
            ),
            PARENT_RECORD_TYPE,
            PARENT_RECORD_ID,
            ORGANIZATION_ID,
        ],
        output_example: r#"{"data":[{"contact_id":"460000000026049","contact_name":"Bowman and Co"}],"info":{"page":1,"perPage":200,"count":1,"moreRecords":false,"cursor":null}}"#,
        run: Run::Value(run_books_list),
    },
    Action {
        key: "booksUpdateRecord",
        label: "Update Record",
        description: "Update a Zoho Books record by id.",
        product: Product::Books,
        inputs: &[
            BOOKS_RECORD_TYPE,
            BOOKS_RECORD_ID,
            BOOKS_VALUES,
            DYNAMIC_FIELDS,
            PARENT_RECORD_TYPE,
            PARENT_RECORD_ID,
            ORGANIZATION_ID,
        ],
        output_example: r#"{"data":{"contact_id":"460000000026049","contact_name":"Bowman and Co"},"message":"Contact information has been saved."}"#,
        run: Run::Value(run_books_update),
    },
    Action {
        key: "booksRemoveRecord",
        label: "Remove Record",
        description: "Delete a Zoho Books record by id.",
        product: Product::Books,
        inputs: &[
            BOOKS_RECORD_TYPE,
            BOOKS_RECORD_ID,
            PARENT_RECORD_TYPE,
            PARENT_RECORD_ID,
            ORGANIZATION_ID,
        ],
        output_example: r#"{"data":{"recordId":"982000000567114"},"message":"The invoice has been deleted."}"#,
        run: Run::Value(run_books_remove),
    },
    Action {
        key: "booksListOrganizations",
        label: "List Organizations",
        description: "List the Zoho Books organizations the connection can use, with their ids.",
        product: Product::Books,
        inputs: &[],
        output_example: r#"{"data":[{"organization_id":"10234695","name":"Zillum","currency_code":"USD"}]}"#,
        run: Run::Value(run_books_organizations),
    },
    Action {
        key: "booksListRecordTypes",
        label: "List Record Types",
        description: "List the Books record types the connector knows from Zoho's published API documents, with the field that holds each record's id. Sends no request.",
        product: Product::Books,
        inputs: &[],
        output_example: r#"{"data":[{"recordType":"invoices","label":"invoices","idField":"invoice_id"}]}"#,
        run: Run::Value(run_books_record_types),
    },
    Action {
        key: "booksAddAttachment",
        label: "Add Attachment",
        description: "Attach a file to an invoice, bill, estimate, sales order or purchase order, or a receipt to an expense. A file whose answer was lost is not sent again (it could be attached twice).",
        product: Product::Books,
        inputs: &[
            BOOKS_ATTACHMENT_TYPE,
            BOOKS_RECORD_ID,
            InputSpec::required(
                "fileName",
                "File Name",
                InputType::Text,
                "The file's name; its extension gives its type.",
            )
            .example("\"signed-order.pdf\""),
            InputSpec::optional(
                "file",
                "File",
                InputType::Text,
                "The file as text (platforms that pass binary files as strings); or use fileBase64.",
            ),
            InputSpec::optional(
                "fileBase64",
                "File (Base64)",
                InputType::Text,
                "The file, base64-encoded.",
            ),
            ORGANIZATION_ID,
        ],
        output_example: r#"{"data":{"recordId":"460000000039129","message":"Your file has been attached."}}"#,
        run: Run::Value(run_books_add_attachment),
    },
    Action {
        key: "booksDownloadAttachment",
        label: "Download Attachment",
        description: "Get the file attached to a transaction (an expense's receipt), base64-encoded with its name and type.",
        product: Product::Books,
        inputs: &[BOOKS_ATTACHMENT_TYPE, BOOKS_RECORD_ID, ORGANIZATION_ID],
        output_example: r#"{"data":{"fileName":"signed-order.pdf","contentType":"application/pdf","size":48213,"contentBase64":"JVBERi0xLjQ="}}"#,
        run: Run::Value(run_books_download_attachment),
    },
    Action {
        key: "booksDeleteAttachment",
        label: "Delete Attachment",
        description: "Delete the file attached to a transaction (an expense's receipt).",
        product: Product::Books,
        inputs: &[BOOKS_ATTACHMENT_TYPE, BOOKS_RECORD_ID, ORGANIZATION_ID],
        output_example: r#"{"data":{"recordId":"460000000039129","message":"The attached file has been deleted."}}"#,
        run: Run::Value(run_books_delete_attachment),
    },
    Action {
        key: "booksRecordAction",
        label: "Record Action",
        description: "Change a Books record's state: mark an invoice sent, void it, return it to draft, email, submit, approve or write it off; mark an estimate sent, accepted or declined, or email it; void or open a bill; open or void a sales order; open, bill or cancel a purchase order; void, open or draft a credit note; mark a contact active or inactive. The actions are checked per record type before anything is sent.",
        product: Product::Books,
        inputs: &[
            InputSpec::required(
                "recordType",
                "Record Type",
                InputType::Choice(crate::books::record_actions::RECORD_TYPES),
                "The record type.",
            )
            .example("\"invoices\""),
            BOOKS_RECORD_ID,
            InputSpec::required(
                "action",
                "Action",
                InputType::Choice(crate::books::record_actions::ACTION_NAMES),
                "The change, as Books names it (status/sent, status/void, email, ...).",
            )
            .example("\"status/sent\""),
            InputSpec::optional(
                "values",
                "Values",
                InputType::Object,
                "The body for actions that take one: for email, to_mail_ids (required), cc_mail_ids, subject and body.",
            )
            .example("{\"to_mail_ids\": [\"billing@zylker.com\"], \"subject\": \"Your invoice\"}"),
            ORGANIZATION_ID,
        ],
        output_example: r#"{"data":{"recordId":"460000000039129","action":"status/sent","message":"Invoice status has been changed to Sent."}}"#,
        run: Run::Value(run_books_record_action),
    },
];

const BOOKS_ATTACHMENT_TYPE: InputSpec = InputSpec::required(
    "recordType",
    "Record Type",
    InputType::Choice(crate::books::attachments::RECORD_TYPES),
    "The transaction type.",
)
.example("\"invoices\"");

fn run_books_add_attachment(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let data = file_input(inputs, None)?;
    let record_id = inputs.required_text("recordId")?;
    let message = crate::books::attachments::add_attachment(
        session,
        inputs.required_text("recordType")?,
        record_id,
        inputs.required_text("fileName")?,
        data,
        inputs.text("organizationId"),
    )?;
    Ok(json!({"data": {"recordId": record_id, "message": message}}))
}

fn run_books_download_attachment(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let file = crate::books::attachments::download_attachment(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
        inputs.text("organizationId"),
    )?;
    Ok(download_output(&file))
}

fn run_books_delete_attachment(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let record_id = inputs.required_text("recordId")?;
    let message = crate::books::attachments::delete_attachment(
        session,
        inputs.required_text("recordType")?,
        record_id,
        inputs.text("organizationId"),
    )?;
    Ok(json!({"data": {"recordId": record_id, "message": message}}))
}

fn run_books_record_action(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let record_id = inputs.required_text("recordId")?;
    let action = inputs.required_text("action")?;
    let message = crate::books::record_actions::record_action(
        session,
        inputs.required_text("recordType")?,
        record_id,
        action,
        inputs.object("values"),
        inputs.text("organizationId"),
    )?;
    Ok(json!({"data": {"recordId": record_id, "action": action, "message": message}}))
}

fn books_target(inputs: &Inputs) -> Result<Target, Error> {
    Ok(Target {
        record_type: inputs.required_text("recordType")?.to_owned(),
        parent_record_type: inputs.text("parentRecordType").map(str::to_owned),
        parent_record_id: inputs.text("parentRecordId").map(str::to_owned),
        organization_id: inputs.text("organizationId").map(str::to_owned),
    })
}

fn run_books_create(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let values = with_dynamic_fields(inputs, inputs.object("values").cloned().unwrap_or_default());
    let envelope = books::create_record(session, &books_target(inputs)?, &values)?;
    Ok(json!({ "data": envelope.entity, "message": envelope.message }))
}

fn run_books_get(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let record = books::get_record(session, &books_target(inputs)?, inputs.required_text("recordId")?)?;
    Ok(json!({ "data": record }))
}

fn run_books_list(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let request = ListRequest {
        page: inputs.u32("page"),
        per_page: inputs.u32("perPage"),
        search_fields: inputs
            .pairs("searchFields")
            .into_iter()
            .map(|(key, value)| (key, value.as_str().map_or_else(|| value.to_string(), str::to_owned)))
            .collect(),
        fetch_all: inputs.flag("fetchAll"),
        max_records: inputs.u32("maxRecords"),
        cursor: inputs.text("cursor").map(str::to_owned),
    };
    let list = books::get_records(session, &books_target(inputs)?, &request)?;
    Ok(books::list_output(&list))
}

fn run_books_update(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let values = with_dynamic_fields(inputs, inputs.object("values").cloned().unwrap_or_default());
    let envelope = books::update_record(
        session,
        &books_target(inputs)?,
        inputs.required_text("recordId")?,
        &values,
    )?;
    Ok(json!({ "data": envelope.entity, "message": envelope.message }))
}

fn run_books_remove(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let record_id = inputs.required_text("recordId")?;
    let envelope = books::delete_record(session, &books_target(inputs)?, record_id)?;
    Ok(json!({ "data": { "recordId": record_id }, "message": envelope.message }))
}

/// From `zoho-facts`' table of Zoho's Books documents, so a form's record type dropdown costs
/// nothing of the organization's daily requests.
fn run_books_record_types(_session: &mut Session, _inputs: &Inputs) -> Result<Value, Error> {
    let types: Vec<Value> = zoho_facts::books_types::BOOKS_TYPES
        .iter()
        .map(|t| json!({"recordType": t.path, "label": t.path, "idField": t.id_field}))
        .collect();
    Ok(json!({ "data": types }))
}

fn run_books_organizations(session: &mut Session, _inputs: &Inputs) -> Result<Value, Error> {
    let response = session.send(&books::organizations_plan()?)?;
    let envelope = books::decode(&response)?;
    Ok(json!({ "data": envelope.entity.unwrap_or_else(|| json!([])) }))
}
