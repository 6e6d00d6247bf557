//! What each action does to Zoho, as the manifest's `hints` say it: read-only, destructive,
//! idempotent. Platforms file actions by them (a Zapier search is a read, never a create) and
//! warn before destructive ones; MCP hosts get them as tool annotations.
//!
//! Destructive means the action deletes data or replaces it wholesale (a delete, an unlink, a
//! removed tag, a voided invoice, a replaced photo or channel, a raw request that may be any
//! of these). Updating a record's fields is an everyday write, not destructive. Idempotent
//! means the same call again changes nothing more.

/// The hints of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
}

impl Hints {
    const READ: Hints = Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
    };
    const CREATE: Hints = Hints {
        read_only: false,
        destructive: false,
        idempotent: false,
    };
    const UPDATE: Hints = Hints {
        read_only: false,
        destructive: false,
        idempotent: true,
    };
    const DELETE: Hints = Hints {
        read_only: false,
        destructive: true,
        idempotent: true,
    };
    const REPLACE: Hints = Hints {
        read_only: false,
        destructive: true,
        idempotent: false,
    };
}

/// The hints of action `key`. Every action of the catalog has its row (a test holds the
/// table to the catalog); an unknown key is taken as a replacing write, the least a caller
/// should assume.
pub fn of(key: &str) -> Hints {
    HINTS
        .iter()
        .find(|(known, _)| *known == key)
        .map_or(Hints::REPLACE, |(_, hints)| *hints)
}

/// Every action of the catalog with its hints, in catalog order.
const HINTS: &[(&str, Hints)] = &[
    ("crmCreateRecord", Hints::CREATE),
    ("crmGetRecord", Hints::READ),
    ("crmGetRecords", Hints::READ),
    ("crmUpdateRecord", Hints::UPDATE),
    ("crmRemoveRecord", Hints::DELETE),
    ("crmRemoveRecords", Hints::DELETE),
    ("crmUpsertRecords", Hints::UPDATE),
    ("crmAddAttachment", Hints::CREATE),
    ("crmListAttachments", Hints::READ),
    ("crmDownloadAttachment", Hints::READ),
    ("crmSearchRecords", Hints::READ),
    ("crmRunQuery", Hints::READ),
    ("crmListModules", Hints::READ),
    ("crmListFields", Hints::READ),
    ("crmListRelatedLists", Hints::READ),
    ("crmListRelatedRecords", Hints::READ),
    ("crmLinkRelatedRecords", Hints::UPDATE),
    ("crmUnlinkRelatedRecord", Hints::DELETE),
    ("crmUploadPhoto", Hints::REPLACE),
    ("crmDownloadPhoto", Hints::READ),
    ("crmListTags", Hints::READ),
    ("crmAddTags", Hints::UPDATE),
    ("crmRemoveTags", Hints::DELETE),
    ("crmListNotes", Hints::READ),
    ("crmCreateNote", Hints::CREATE),
    ("crmUpdateNote", Hints::UPDATE),
    ("crmDeleteNote", Hints::DELETE),
    ("crmListUsers", Hints::READ),
    ("crmGetUser", Hints::READ),
    ("crmListDeletedRecords", Hints::READ),
    ("crmEnableNotifications", Hints::CREATE),
    ("crmListNotifications", Hints::READ),
    ("crmRenewNotifications", Hints::UPDATE),
    ("crmUpdateNotifications", Hints::REPLACE),
    ("crmDisableNotifications", Hints::DELETE),
    ("crmBulkReadStart", Hints::CREATE),
    ("crmBulkReadStatus", Hints::READ),
    ("crmBulkReadResult", Hints::READ),
    ("crmBulkWriteUpload", Hints::CREATE),
    ("crmBulkWriteStart", Hints::CREATE),
    ("crmBulkWriteStatus", Hints::READ),
    ("crmBulkWriteResult", Hints::READ),
    ("crmConvertLead", Hints::CREATE),
    ("booksCreateRecord", Hints::CREATE),
    ("booksGetRecord", Hints::READ),
    ("booksGetRecords", Hints::READ),
    ("booksUpdateRecord", Hints::UPDATE),
    ("booksRemoveRecord", Hints::DELETE),
    ("booksListOrganizations", Hints::READ),
    ("booksListRecordTypes", Hints::READ),
    ("booksAddAttachment", Hints::CREATE),
    ("booksDownloadAttachment", Hints::READ),
    ("booksDeleteAttachment", Hints::DELETE),
    ("booksRecordAction", Hints::REPLACE),
    ("crmRawRequest", Hints::REPLACE),
    ("booksRawRequest", Hints::REPLACE),
];

#[cfg(test)]
mod tests {
    use super::HINTS;

    #[test]
    fn every_action_of_the_catalog_has_its_hints_and_nothing_else_does() {
        let mut catalog: Vec<&str> = super::super::catalog().map(|a| a.key).collect();
        let mut known: Vec<&str> = HINTS.iter().map(|(key, _)| *key).collect();
        catalog.sort_unstable();
        known.sort_unstable();
        assert_eq!(known, catalog);
        for (key, hints) in HINTS {
            assert!(!(hints.read_only && hints.destructive), "{key}");
            assert!(!hints.read_only || hints.idempotent, "{key}: a read is idempotent");
        }
    }
}
