//! The action catalog: every action's key, description, input spec and implementation, as the
//! `actions` interface lists and invokes them. Keys and input names follow Prismatic's Zoho
//! component so platform users recognise them.

use serde_json::{Map, Value, json};

use std::time::Duration;

use http::Method;

use crate::books::{self, ListRequest, Target};
use crate::crm::RawRecord;
use crate::crm::paging::Gathered;
use crate::crm::{self, ListOptions, SortOrder};
use crate::raw::{self, Body, Part, RawRequest, ResponseType};
use crate::shared::error::{Error, record_result_json};
use crate::shared::inputs::{InputSpec, InputType, Inputs};
use crate::shared::plan::Repeatable;
use crate::shared::retry::{self, RetryPolicy};
use crate::shared::session::{CallOptions, Host, Session};

/// Which Zoho product an action belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    Crm,
    Books,
}

/// How an action runs: most build a JSON value; the record lists assemble their output text
/// from the records as Zoho sent them.
#[derive(Debug, Clone, Copy)]
enum Run {
    Value(fn(&mut Session, &Inputs) -> Result<Value, Error>),
    Text(fn(&mut Session, &Inputs) -> Result<String, Error>),
}

/// An action's result, ready to serialise.
#[derive(Debug)]
pub enum Output {
    Value(Value),
    /// JSON text already assembled.
    Text(String),
}

impl Output {
    /// The result as JSON text; a result too large for the memory left is a typed error.
    pub fn into_text(self) -> Result<String, Error> {
        match self {
            Output::Value(value) => crate::shared::memory::json_text(&value),
            Output::Text(text) => Ok(text),
        }
    }
}

/// One action of the catalog.
#[derive(Debug)]
pub struct Action {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub product: Product,
    pub inputs: &'static [InputSpec],
    pub output_example: &'static str,
    run: Run,
}

impl Action {
    /// The JSON Schema of this action's input, including the inputs every action shares.
    pub fn input_schema(&self) -> Value {
        crate::shared::inputs::schema(&self.all_inputs())
    }

    fn all_inputs(&self) -> Vec<InputSpec> {
        with_common_inputs(self.inputs)
    }
}

/// `own` inputs, then the shared ones they do not redefine (the raw request declares its own
/// `maxRetries` default and `timeout`).
pub(crate) fn with_common_inputs(own: &[InputSpec]) -> Vec<InputSpec> {
    let shared = COMMON_INPUTS
        .iter()
        .filter(|common| !own.iter().any(|mine| mine.name == common.name));
    own.iter().chain(shared).copied().collect()
}

/// Inputs every action (and every trigger) accepts.
const COMMON_INPUTS: &[InputSpec] = &[
    InputSpec::optional(
        "debugRequest",
        "Debug Request",
        InputType::Boolean,
        "Report each HTTP exchange (Authorization redacted, large and binary bodies elided) through the host's log.",
    )
    .default("false"),
    InputSpec::optional(
        "maxRetries",
        "Max Retries",
        InputType::Integer { min: 0, max: 10 },
        "Retries on 429 (after Retry-After), 5xx and network failures; writes that could duplicate a record are retried only when Zoho certainly did not apply them.",
    )
    .default("3"),
    InputSpec::optional(
        "timeout",
        "Timeout",
        InputType::Integer { min: 1, max: 600_000 },
        "Milliseconds each attempt may take.",
    )
    .default("30000"),
];

const RECORD_TYPE: InputSpec = InputSpec::required(
    "recordType",
    "Record Type",
    InputType::ApiName,
    "The module's API name, including custom modules, e.g. Leads, Contacts, Price_Books.",
)
.example("\"Leads\"");
const RECORD_ID: InputSpec = InputSpec::required(
    "recordId",
    "Record ID",
    InputType::Id,
    "The record's id, a string of digits.",
)
.example("\"4150868000000624001\"");
const DYNAMIC_FIELDS: InputSpec = InputSpec::optional(
    "dynamicFields",
    "Dynamic Fields",
    InputType::KeyValues,
    "Field values from deploy-time configuration, merged into every record; an entry in values wins over a dynamic one.",
)
.example("[{\"key\": \"Lead_Source\", \"value\": \"Web Download\"}]");
const IF_MODIFIED_SINCE: InputSpec = InputSpec::optional(
    "ifModifiedSince",
    "If Modified Since",
    InputType::DateTime,
    "Only records modified after this ISO 8601 date-time; nothing modified yields an empty result.",
)
.example("\"2026-03-27T19:20:28+05:30\"");
const FETCH_ALL: InputSpec = InputSpec::optional(
    "fetchAll",
    "Fetch All",
    InputType::Boolean,
    "Walk every page until none are left or maxRecords were gathered.",
)
.default("false");
const MAX_RECORDS: InputSpec = InputSpec::optional(
    "maxRecords",
    "Max Records",
    InputType::Integer { min: 1, max: 1_000_000 },
    "Cap on records returned (with fetchAll, 10,000 unless set).",
);
const CURSOR: InputSpec = InputSpec::optional(
    "cursor",
    "Cursor",
    InputType::Text,
    "The cursor of a previous result, to continue right after its last record.",
);

const PAGE: InputSpec = InputSpec::optional(
    "page",
    "Page",
    InputType::Integer { min: 1, max: 1_000_000 },
    "Page number, from 1; not combined with a page token or cursor.",
);
const PER_PAGE: InputSpec = InputSpec::optional(
    "perPage",
    "Per Page",
    InputType::Integer { min: 1, max: 200 },
    "Records per page, 1 to 200.",
)
.default("200");
const TRIGGER: InputSpec = InputSpec::optional(
    "trigger",
    "Trigger",
    InputType::StringList,
    "Automations to run: workflow, approval, blueprint. Omit for Zoho's default (all); an empty list runs none.",
)
.example("[\"workflow\"]");

const BOOKS_RECORD_TYPE: InputSpec = InputSpec::required(
    "recordType",
    "Record Type",
    InputType::BooksPath,
    "The Books record type, including those with a slash: invoices, contacts, items, settings/taxes, projects/timeentries, bankaccounts/rules.",
)
.example("\"invoices\"");
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
.example("\"invoices\"");
const PARENT_RECORD_ID: InputSpec = InputSpec::optional(
    "parentRecordId",
    "Parent Record ID",
    InputType::Id,
    "For nested resources: the parent record's id.",
)
.example("\"982000000567114\"");
pub(crate) const ORGANIZATION_ID: InputSpec = InputSpec::optional(
    "organizationId",
    "Organization ID",
    InputType::Id,
    "The Books organization; defaults to the connection's, or the only one the user belongs to.",
)
.example("\"10234695\"");
const BOOKS_VALUES: InputSpec = InputSpec::required(
    "values",
    "Values",
    InputType::Object,
    "The record's fields as an object, with Books' field names.",
)
.example("{\"contact_name\": \"Bowman and Co\", \"contact_type\": \"customer\"}");

/// The raw request's inputs, shared by CRM and Books.
const RAW_INPUTS: &[InputSpec] = &[
    InputSpec::required(
        "url",
        "URL",
        InputType::Text,
        "A path relative to the API base, e.g. /Leads/123/actions/convert (CRM) or /organizations (Books); an absolute URL only on the connection's own API domain.",
    )
    .example("\"/Leads/4150868000000624001/actions/convert\""),
    InputSpec::optional("method", "Method", InputType::Choice(&["GET", "POST", "PUT", "PATCH", "DELETE"]), "The HTTP method.").default("\"GET\""),
    InputSpec::optional("queryParameters", "Query Parameters", InputType::KeyValues, "Query parameters; repeated keys allowed.")
        .example("[{\"key\": \"fields\", \"value\": \"Last_Name,Email\"}]"),
    InputSpec::optional("headers", "Headers", InputType::KeyValues, "Request headers; Authorization comes from the connection and cannot be set."),
    InputSpec::optional("data", "Data", InputType::Json, "The body: a JSON value is sent as JSON; a string is sent as given (set Content-Type in headers)."),
    InputSpec::optional("formData", "Form Data", InputType::KeyValues, "Text fields of a multipart/form-data body."),
    InputSpec::optional(
        "fileData",
        "File Data",
        InputType::KeyValues,
        "Files of a multipart/form-data body: the value is the file's text, or {\"base64\": \"...\"} for binary contents.",
    ),
    InputSpec::optional("fileDataFileNames", "File Data File Names", InputType::KeyValues, "The file name of each fileData entry, by key."),
    InputSpec::optional("responseType", "Response Type", InputType::Choice(&["json", "text", "binary"]), "How to return the body; binary is base64.").default("\"json\""),
    InputSpec::optional("timeout", "Timeout", InputType::Integer { min: 1, max: 600_000 }, "Milliseconds each attempt may take.").default("30000"),
    InputSpec::optional("maxRetries", "Max Retries", InputType::Integer { min: 0, max: 10 }, "Retries on 429, 5xx and network failures.").default("0"),
    InputSpec::optional("retryDelayMs", "Retry Delay (ms)", InputType::Integer { min: 0, max: 60_000 }, "Wait before a retry when Zoho sends no Retry-After.").default("500"),
    InputSpec::optional("useExponentialBackoff", "Use Exponential Backoff", InputType::Boolean, "Double the wait after each retry (with jitter, capped).").default("false"),
    InputSpec::optional(
        "retryOnAllErrors",
        "Retry On All Errors",
        InputType::Boolean,
        "Also retry other 4xx answers, and POST/PATCH requests on 5xx and network failures.",
    )
    .default("false"),
    ORGANIZATION_ID,
];

/// Every action the component implements, in manifest order.
pub static CATALOG: &[Action] = &[
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
            InputSpec::required("records", "Records", InputType::ObjectOrArray, "A record, or an array of records, with field API names.")
                .example("[{\"Last_Name\": \"Boyle\", \"Email\": \"p.boyle@zylker.com\"}]"),
            InputSpec::optional(
                "duplicateCheckFields",
                "Duplicate Check Fields",
                InputType::StringList,
                "Fields that identify an existing record, e.g. Email; Zoho's system-defined duplicate fields when omitted.",
            )
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
            InputSpec::optional("fields", "Fields", InputType::StringList, "Field API names to return."),
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
        output_example: r#"{"data":[{"apiName":"Lead_Source","label":"Lead Source","dataType":"picklist","mandatory":false,"readOnly":false,"custom":false,"picklistValues":["Web Download"],"lookupModule":null}]}"#,
        run: Run::Value(run_list_fields),
    },
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
        key: "crmRawRequest",
        label: "Raw Request",
        description: "Send any request to the Zoho CRM API (base {api_domain}/crm/v8) with retries, a timeout, multipart uploads and binary responses.",
        product: Product::Crm,
        inputs: RAW_INPUTS,
        output_example: r#"{"status":200,"headers":{"content-type":"application/json"},"body":{"data":[{"id":"4150868000000624001"}]}}"#,
        run: Run::Value(run_crm_raw),
    },
    Action {
        key: "booksRawRequest",
        label: "Raw Request",
        description: "Send any request to the Zoho Books API (base {api_domain}/books/v3); organization_id is added when absent.",
        product: Product::Books,
        inputs: RAW_INPUTS,
        output_example: r#"{"status":200,"headers":{"content-type":"application/json"},"body":{"code":0,"message":"success","organizations":[]}}"#,
        run: Run::Value(run_books_raw),
    },
    Action {
        key: "crmEnableNotifications",
        label: "Enable Notifications",
        description: "Open a Notifications API channel: Zoho POSTs to notifyUrl when records of the named modules are created, edited or deleted. Returns the channel (with its token, to verify notifications and renew) and renewAt, a safe time to renew before it expires.",
        product: Product::Crm,
        inputs: crate::triggers::notifications::ENABLE_INPUTS,
        output_example: crate::triggers::notifications::CHANNEL_EXAMPLE,
        run: Run::Value(crate::triggers::notifications::run_enable),
    },
    Action {
        key: "crmListNotifications",
        label: "List Notifications",
        description: "The notification channels of the connection's user, with their events, notify URLs, expiry and renewAt (tokens are never shown).",
        product: Product::Crm,
        inputs: crate::triggers::notifications::LIST_INPUTS,
        output_example: r#"{"data":[{"channelId":"1000000068001","events":["Leads.all"],"notifyUrl":"https://hooks.example.com/zoho/4f1c","channelExpiry":"2026-03-28T19:20:28+00:00","renewAt":"2026-03-28T13:20:28+00:00","hasToken":true}]}"#,
        run: Run::Value(crate::triggers::notifications::run_list),
    },
    Action {
        key: "crmRenewNotifications",
        label: "Renew Notifications",
        description: "Push a channel's expiry out (at most a week), re-sending its events and token so Zoho keeps both.",
        product: Product::Crm,
        inputs: crate::triggers::notifications::RENEW_INPUTS,
        output_example: crate::triggers::notifications::CHANNEL_EXAMPLE,
        run: Run::Value(crate::triggers::notifications::run_renew),
    },
    Action {
        key: "crmUpdateNotifications",
        label: "Update Notifications",
        description: "Replace everything about a channel (events, notify URL, token, expiry, field conditions); what is not given is removed, as Zoho's PUT does.",
        product: Product::Crm,
        inputs: crate::triggers::notifications::UPDATE_INPUTS,
        output_example: crate::triggers::notifications::CHANNEL_EXAMPLE,
        run: Run::Value(crate::triggers::notifications::run_update),
    },
    Action {
        key: "crmDisableNotifications",
        label: "Disable Notifications",
        description: "Disable whole channels (channelIds), or stop some events of one channel (channelId with events) and keep the rest.",
        product: Product::Crm,
        inputs: crate::triggers::notifications::DISABLE_INPUTS,
        output_example: r#"{"data":[{"status":"success","code":"SUCCESS","message":"Successfully unsubscribed from actions-watch of the given module","details":{"events":[{"channel_id":"1000000068001","resource_name":"Leads"}]}}]}"#,
        run: Run::Value(crate::triggers::notifications::run_disable),
    },
];

/// Looks an action up by key.
pub fn find(key: &str) -> Result<&'static Action, Error> {
    CATALOG.iter().find(|a| a.key == key).ok_or_else(|| {
        let known: Vec<&str> = CATALOG.iter().map(|a| a.key).collect();
        let shown: String = key.chars().take(60).collect::<String>().escape_debug().collect();
        Error::invalid(
            "action",
            format!("`{shown}` is not an action; known actions: {}", known.join(", ")),
        )
    })
}

/// Validates `input` for the action `key` and runs it for `connection`.
pub fn invoke(host: &mut dyn Host, key: &str, connection: &str, input: &str) -> Result<Output, Error> {
    let action = find(key)?;
    let inputs = Inputs::parse(&action.all_inputs(), input)?;
    let mut session = Session::new(host, connection, call_options(&inputs));
    match action.run {
        Run::Value(run) => run(&mut session, &inputs).map(Output::Value),
        Run::Text(run) => run(&mut session, &inputs).map(Output::Text),
    }
}

/// The per-call settings of the shared inputs (`debugRequest`, `timeout`, `maxRetries`).
pub(crate) fn call_options(inputs: &Inputs) -> CallOptions {
    let defaults = CallOptions::default();
    CallOptions {
        debug: inputs.flag("debugRequest"),
        attempt_timeout: inputs
            .u32("timeout")
            .map_or(defaults.attempt_timeout, |ms| Duration::from_millis(ms.into())),
        retry: RetryPolicy {
            max_retries: inputs.u32("maxRetries").unwrap_or(defaults.retry.max_retries),
            ..defaults.retry
        },
        ..defaults
    }
}

/// Merges `dynamicFields` under each record: an explicit value wins, as in Prismatic.
fn with_dynamic_fields(inputs: &Inputs, mut record: Map<String, Value>) -> Map<String, Value> {
    for (key, value) in inputs.pairs("dynamicFields") {
        record.entry(key).or_insert(value);
    }
    record
}

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
fn fetch(inputs: &Inputs) -> crm::Fetch {
    crm::Fetch {
        fetch_all: inputs.flag("fetchAll"),
        max_records: inputs.u32("maxRecords"),
        cursor: inputs.text("cursor").map(str::to_owned),
    }
}

/// The output every CRM list shares, `{"data": [records], "info": {paging and the resume
/// cursor}}`, assembled around the records' own text.
fn list_output(gathered: &Gathered<RawRecord>) -> Result<String, Error> {
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
            "leave it out when values is an array: each record carries its own id",
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
            "give exactly one of criteria, conditions, email, phone or word",
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
            "give exactly one of file, fileBase64 or attachmentUrl",
        ));
    }
    let upload = if let Some(url) = inputs.text("attachmentUrl") {
        Upload::Link {
            url: url.to_owned(),
            title: inputs.text("title").map(str::to_owned),
        }
    } else {
        let data = match inputs.text("fileBase64") {
            Some(encoded) => raw::decode_base64("fileBase64", encoded)?,
            None => inputs.text("file").unwrap_or_default().as_bytes().to_vec(),
        };
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
    use base64::Engine as _;
    let download = crate::crm::attachments::download(
        session,
        inputs.required_text("recordType")?,
        inputs.required_text("recordId")?,
        inputs.required_text("attachmentId")?,
    )?;
    Ok(json!({"data": {
        "fileName": download.file_name,
        "contentType": download.content_type,
        "size": download.data.len(),
        "contentBase64": base64::engine::general_purpose::STANDARD.encode(&download.data),
    }}))
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

fn run_books_organizations(session: &mut Session, _inputs: &Inputs) -> Result<Value, Error> {
    let response = session.send(&books::organizations_plan()?)?;
    let envelope = books::decode(&response)?;
    Ok(json!({ "data": envelope.entity.unwrap_or_else(|| json!([])) }))
}

fn run_crm_raw(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    run_raw(session, inputs, raw::Product::Crm)
}

fn run_books_raw(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    run_raw(session, inputs, raw::Product::Books)
}

/// The raw request's body from `data`, or from `formData` / `fileData`.
fn raw_body(inputs: &Inputs) -> Result<Body, Error> {
    let form = inputs.pairs("formData");
    let files = inputs.pairs("fileData");
    let data = inputs.value("data");
    if data.is_some() && (!form.is_empty() || !files.is_empty()) {
        return Err(Error::invalid(
            "data",
            "cannot be combined with formData or fileData; send one body",
        ));
    }
    if let Some(data) = data {
        return Ok(match data {
            Value::String(text) => Body::Text(text.clone()),
            other => Body::Json(other.clone()),
        });
    }
    if form.is_empty() && files.is_empty() {
        if !inputs.pairs("fileDataFileNames").is_empty() {
            return Err(Error::invalid(
                "fileDataFileNames",
                "names files, but fileData is empty",
            ));
        }
        return Ok(Body::None);
    }
    let names = inputs.pairs("fileDataFileNames");
    let mut parts = Vec::new();
    for (i, (name, value)) in form.into_iter().enumerate() {
        let text = match value {
            Value::String(text) => text,
            Value::Null => return Err(Error::invalid(format!("formData[{i}].value"), "must not be null")),
            other => other.to_string(),
        };
        parts.push(Part {
            name,
            file_name: None,
            content_type: None,
            data: text.into_bytes(),
        });
    }
    for (i, (name, value)) in files.into_iter().enumerate() {
        let input = format!("fileData[{i}].value");
        let data = match &value {
            Value::String(text) => text.clone().into_bytes(),
            Value::Object(object) => match object.get("base64").and_then(Value::as_str) {
                Some(encoded) if object.len() == 1 => raw::decode_base64(&input, encoded)?,
                _ => {
                    return Err(Error::invalid(
                        input,
                        "must be the file's text, or {\"base64\": \"...\"}",
                    ));
                }
            },
            _ => {
                return Err(Error::invalid(
                    input,
                    "must be the file's text, or {\"base64\": \"...\"}",
                ));
            }
        };
        let file_name = names
            .iter()
            .find(|(key, _)| *key == name)
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| name.clone());
        if file_name.is_empty() || file_name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "fileDataFileNames",
                format!("the file name for `{name}` must be non-empty and without control characters"),
            ));
        }
        parts.push(Part {
            name,
            file_name: Some(file_name),
            content_type: None,
            data,
        });
    }
    Ok(Body::Multipart(parts))
}

fn text_pairs(inputs: &Inputs, name: &str) -> Vec<(String, String)> {
    inputs
        .pairs(name)
        .into_iter()
        .map(|(key, value)| (key, value.as_str().map_or_else(|| value.to_string(), str::to_owned)))
        .collect()
}

fn run_raw(session: &mut Session, inputs: &Inputs, product: raw::Product) -> Result<Value, Error> {
    let method = match inputs.text("method").unwrap_or("GET") {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        _ => Method::GET,
    };
    let retry_on_all_errors = inputs.flag("retryOnAllErrors");
    // Asking to retry on every error is asking to repeat even a POST.
    let repeatable = if retry_on_all_errors {
        Repeatable::Yes
    } else {
        retry::repeatable_method(&method)
    };
    let mut options = session.options();
    options.retry = RetryPolicy {
        max_retries: inputs.u32("maxRetries").unwrap_or(0),
        base_delay: Duration::from_millis(inputs.u32("retryDelayMs").unwrap_or(500).into()),
        exponential: inputs.flag("useExponentialBackoff"),
        retry_on_all_errors,
    };
    session.set_options(options);
    let request = RawRequest {
        url: inputs.required_text("url")?.to_owned(),
        method,
        query: text_pairs(inputs, "queryParameters"),
        headers: text_pairs(inputs, "headers"),
        body: raw_body(inputs)?,
        organization_id: inputs.text("organizationId").map(str::to_owned),
    };
    let response_type = match inputs.text("responseType") {
        Some("text") => ResponseType::Text,
        Some("binary") => ResponseType::Binary,
        _ => ResponseType::Json,
    };
    let response = raw::send(session, product, &request, repeatable)?;
    raw::output(&response, response_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::session::tests::ScriptedHost;

    #[test]
    fn keys_are_unique_and_schemas_are_objects() {
        let mut keys: Vec<&str> = CATALOG.iter().map(|a| a.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), CATALOG.len());
        for action in CATALOG {
            let schema = action.input_schema();
            assert_eq!(schema["type"], "object", "{}", action.key);
            assert!(
                serde_json::from_str::<Value>(action.output_example).is_ok(),
                "{} output example",
                action.key
            );
            for spec in action.all_inputs() {
                for text in spec.default.iter().chain(spec.example.iter()) {
                    assert!(
                        serde_json::from_str::<Value>(text).is_ok(),
                        "{}.{}",
                        action.key,
                        spec.name
                    );
                }
            }
        }
    }

    #[test]
    fn unknown_actions_are_invalid_input_and_send_nothing() {
        let mut host = ScriptedHost::new();
        let error = invoke(&mut host, "crmDoMagic", "c", "{}").expect_err("unknown");
        assert!(
            matches!(error, Error::InvalidInput { ref input, .. } if input == "action"),
            "{error:?}"
        );
        assert!(host.sent.is_empty());
    }

    #[test]
    fn dynamic_fields_merge_under_explicit_values() {
        let mut host = ScriptedHost::new();
        host.answer(
            201,
            r#"{"data":[{"code":"SUCCESS","details":{"id":"1"},"message":"record added","status":"success"}]}"#,
        );
        let input = r#"{"recordType":"Leads","values":{"Last_Name":"Boyle","Lead_Source":"Partner"},
            "dynamicFields":[{"key":"Lead_Source","value":"Web"},{"key":"Company","value":"Zylker"}]}"#;
        invoke(&mut host, "crmCreateRecord", "c", input).expect("created");
        let body: Value = serde_json::from_slice(host.sent[0].body()).expect("json");
        assert_eq!(
            body["data"][0],
            json!({"Last_Name": "Boyle", "Lead_Source": "Partner", "Company": "Zylker"})
        );
    }

    #[test]
    fn get_records_output_keeps_zoho_records_and_camel_case_info() {
        let mut host = ScriptedHost::new();
        host.answer(200, r#"{"data":[{"id":"1","Last_Name":"A"}],"info":{"per_page":1,"count":1,"page":1,"more_records":true,"next_page_token":"t"}}"#);
        let output = invoke(
            &mut host,
            "crmGetRecords",
            "c",
            r#"{"recordType":"Leads","fields":"Last_Name","perPage":1}"#,
        )
        .expect("ok");
        let text = output.into_text().expect("fits");
        // The record is passed through as Zoho wrote it, byte for byte.
        assert!(
            text.starts_with(r#"{"data":[{"id":"1","Last_Name":"A"}],"info":"#),
            "{text}"
        );
        let output: Value = serde_json::from_str(&text).expect("the output is JSON");
        assert_eq!(output["data"][0]["Last_Name"], "A");
        assert_eq!(output["info"]["moreRecords"], true);
        assert_eq!(output["info"]["nextPageToken"], "t");
        assert_eq!(host.sent[0].uri().query(), Some("fields=Last_Name&page=1&per_page=1"));
    }
}
