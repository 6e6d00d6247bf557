//! CRM's state beside its modules: page tokens, attachments and notification channels.

use serde_json::Value;

/// Where a `page_token` resumes.
#[derive(Debug, Clone)]
pub(crate) struct TokenCursor {
    pub(crate) module: String,
    pub(crate) resume: Resume,
    pub(crate) sort: Sort,
}

/// One stored attachment.
#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
    pub link_url: Option<String>,
    pub created_time: String,
}

/// Zoho's v1 limit; v8's figure is unverified, so tests can change it.
pub const DEFAULT_SIZE_LIMIT: usize = 20 << 20;

/// One notification channel.
#[derive(Debug, Clone)]
pub(crate) struct Channel {
    pub id: String,
    pub events: Vec<String>,
    pub notify_url: String,
    pub token: Option<String>,
    pub expiry: i64,
    /// Module -> fields whose edits notify (field-specific notifications).
    pub conditions: Conditions,
}

/// A notification waiting to be posted, or the record of one that was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub url: String,
    pub body: Value,
    /// The HTTP status the listener answered, or why nothing was sent.
    pub outcome: Option<Result<u16, String>>,
}

/// The position a page starts from.
#[derive(Debug, Clone)]
pub(crate) enum Resume {
    /// After this many records of the sorted list (page numbers; sorts other than by id).
    Offset(usize),
    /// After the record with this id (id-sorted tokens): records added or removed meanwhile
    /// neither shift the walk nor cost a scan.
    AfterId(String),
    /// After this place in a time index (time-sorted tokens), likewise.
    AfterKey(crate::state::TimeKey),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sort {
    pub(crate) by: String,
    pub(crate) descending: bool,
}

/// Field-specific notifications: module, and the fields whose edits notify.
pub(crate) type Conditions = Vec<(String, Vec<String>)>;
