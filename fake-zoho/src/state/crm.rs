//! CRM's state beside its modules: page tokens, attachments and notification channels.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::state::Module;

/// CRM's room: the modules and what lives beside their records.
#[derive(Debug)]
pub(crate) struct CrmState {
    pub modules: BTreeMap<String, Module>,
    /// Issued `page_token`s: token -> (module, offset of the next record, sort key).
    pub page_tokens: BTreeMap<String, TokenCursor>,
    /// The user the token belongs to (`/users?type=CurrentUser`).
    pub user: Value,
    pub attachments: BTreeMap<(String, String), Vec<Attachment>>,
    /// Issued attachment `page_token`s: token -> (list it belongs to, offset).
    pub attachment_tokens: BTreeMap<String, (String, usize)>,
    pub attachment_size_limit: usize,
    /// Deleted records per module, in deletion order (the recycle bin).
    pub deleted: BTreeMap<String, Vec<Value>>,
    /// Notification channels (`/actions/watch`).
    pub channels: Vec<Channel>,
    /// Notifications queued by the request being handled, posted once the lock is released.
    pub outbox: Vec<Delivery>,
    /// Notifications decided so far (queued for delivery when a change matched a channel),
    /// so a test can see that a change notified no one without waiting for a courier.
    pub notifications_decided: usize,
    /// Where queued notifications go to be posted; `None` in unit tests without a server.
    pub courier: Option<std::sync::mpsc::Sender<Delivery>>,
    /// Notifications posted (or refused) so far, with their outcomes.
    pub deliveries: Vec<Delivery>,
    /// Notes of every record, in creation order; `Parent_Id` names the record.
    pub notes: Vec<Map<String, Value>>,
    /// Ids of leads converted (they left the Leads module).
    pub converted_leads: BTreeSet<String>,
    /// Each module's tags (`{id, name, ...}`), in creation order.
    pub tags: BTreeMap<String, Vec<Value>>,
    /// Many-to-many links (campaign members, contact roles) with their junction values.
    pub links: BTreeMap<(String, String, String, String), Map<String, Value>>,
    /// Each record's photo: (module, id) -> (content type, bytes).
    pub photos: BTreeMap<(String, String), (String, Vec<u8>)>,
}

impl CrmState {
    pub(crate) fn new() -> Self {
        let modules = crate::state::STANDARD_MODULES
            .iter()
            .map(|(name, mandatory)| ((*name).to_owned(), Module::new(mandatory)))
            .collect();
        CrmState {
            modules,
            page_tokens: BTreeMap::new(),
            user: json!({"name": "Patricia Boyle", "id": "4876876000000225013"}),
            attachments: BTreeMap::new(),
            attachment_tokens: BTreeMap::new(),
            attachment_size_limit: DEFAULT_SIZE_LIMIT,
            deleted: BTreeMap::new(),
            channels: Vec::new(),
            outbox: Vec::new(),
            notifications_decided: 0,
            courier: None,
            deliveries: Vec::new(),
            notes: Vec::new(),
            converted_leads: BTreeSet::new(),
            tags: BTreeMap::new(),
            links: BTreeMap::new(),
            photos: BTreeMap::new(),
        }
    }
}

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
