//! Where a form finds an input's choices: another action of the manifest lists them (the
//! modules, a module's fields, its related lists, tags, channels, Books organizations and
//! record types). The manifest carries these sources, so every platform builds its dropdowns
//! from them without knowing any action by name.

/// How an input takes the choices (`choice-use` in the WIT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceUse {
    /// The input is one of the choices.
    One,
    /// The input is a list of choices.
    Several,
    /// The input is an object whose member names are choices.
    MemberNames,
}

/// One input's choices: which action lists them and how to read its output.
#[derive(Debug, Clone, Copy)]
pub struct ChoiceSource {
    /// The key of the listing action.
    pub action: &'static str,
    /// The listing action's inputs from this form: (its input, this action's input).
    pub arguments: &'static [(&'static str, &'static str)],
    /// JSON Pointer to the array of items in the listing action's output.
    pub items: &'static str,
    pub value: &'static str,
    pub label: &'static str,
    /// Only items whose member equals the JSON value (member, JSON text).
    pub filter: &'static [(&'static str, &'static str)],
    pub takes: ChoiceUse,
    pub required_member: Option<&'static str>,
    pub type_member: Option<&'static str>,
}

impl ChoiceSource {
    const fn listed_by(action: &'static str, value: &'static str, label: &'static str) -> Self {
        Self {
            action,
            arguments: &[],
            items: "/data",
            value,
            label,
            filter: &[],
            takes: ChoiceUse::One,
            required_member: None,
            type_member: None,
        }
    }

    const fn of_record_type(mut self) -> Self {
        self.arguments = &[("recordType", "recordType")];
        self
    }

    const fn several(mut self) -> Self {
        self.takes = ChoiceUse::Several;
        self
    }
}

/// The CRM modules the API serves (Zoho lists some, such as Visits, that it does not).
pub const CRM_MODULES: ChoiceSource = ChoiceSource {
    filter: &[("apiSupported", "true")],
    ..ChoiceSource::listed_by("crmListModules", "apiName", "label")
};

/// Field API names of the chosen module.
pub const CRM_FIELDS: ChoiceSource = ChoiceSource::listed_by("crmListFields", "apiName", "label")
    .of_record_type()
    .several();

/// A record's values, field by field: the chosen module's fields a write can set, each with
/// whether Zoho requires it and the JSON type of its value.
pub const CRM_WRITABLE_FIELDS: ChoiceSource = ChoiceSource {
    filter: &[("readOnly", "false")],
    takes: ChoiceUse::MemberNames,
    required_member: Some("mandatory"),
    type_member: Some("jsonType"),
    ..ChoiceSource::listed_by("crmListFields", "apiName", "label").of_record_type()
};

/// The chosen module's related lists.
pub const CRM_RELATED_LISTS: ChoiceSource =
    ChoiceSource::listed_by("crmListRelatedLists", "apiName", "label").of_record_type();

/// The chosen module's tags, by name.
pub const CRM_TAGS: ChoiceSource = ChoiceSource::listed_by("crmListTags", "name", "name")
    .of_record_type()
    .several();

/// The notification channels of the connection.
pub const CRM_CHANNEL: ChoiceSource = ChoiceSource::listed_by("crmListNotifications", "channelId", "notifyUrl");

/// Several notification channels.
pub const CRM_CHANNELS: ChoiceSource = CRM_CHANNEL.several();

/// The Books organizations of the connection.
pub const BOOKS_ORGANIZATIONS: ChoiceSource =
    ChoiceSource::listed_by("booksListOrganizations", "organization_id", "name");

/// The Books record types the connector knows from Zoho's documents.
pub const BOOKS_RECORD_TYPES: ChoiceSource = ChoiceSource::listed_by("booksListRecordTypes", "recordType", "label");
