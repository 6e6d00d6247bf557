//! What each action does to Zoho, as MCP's tool annotations say it: read-only, destructive,
//! idempotent. A table here until the manifest carries these hints itself (the platform issue
//! adds them to the WIT); every action key is in it, and a test holds it to the manifest.
//!
//! Destructive means the action deletes data or replaces it wholesale (a delete, an unlink, a
//! removed tag, a voided invoice, a channel replaced, a raw request that may be any of these).
//! Updating a record's fields is an everyday write, not destructive. Idempotent means the same
//! call again changes nothing more.

/// The annotations of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hints {
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
    /// A polling trigger's poll only reads: its state comes back as the cursor.
    pub(super) const POLL: Hints = Hints::READ;

    /// MCP's annotations: every tool here reaches Zoho, an open world.
    pub(super) fn annotations(self, title: &str) -> rmcp::model::ToolAnnotations {
        rmcp::model::ToolAnnotations::with_title(title)
            .read_only(self.read_only)
            .destructive(self.destructive)
            .idempotent(self.idempotent)
            .open_world(true)
    }
}

/// The hints of action `key`; an unknown key (a newer component) is taken as a replacing
/// write, the least an agent should assume.
pub(super) fn hints(key: &str) -> Hints {
    HINTS
        .iter()
        .find(|(known, _)| *known == key)
        .map_or(Hints::REPLACE, |(_, hints)| *hints)
}

/// Every action of the manifest with its hints.
pub(super) const HINTS: &[(&str, Hints)] = &[
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
    ("crmConvertLead", Hints::CREATE),
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
    ("booksCreateRecord", Hints::CREATE),
    ("booksGetRecord", Hints::READ),
    ("booksGetRecords", Hints::READ),
    ("booksUpdateRecord", Hints::UPDATE),
    ("booksRemoveRecord", Hints::DELETE),
    ("booksListOrganizations", Hints::READ),
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

    /// Every action the bundled component offers has its hints here, and nothing else does.
    #[tokio::test]
    async fn every_action_of_the_manifest_has_its_hints() {
        let harness = zoho_host::Harness::bundled(zoho_host::HarnessConfig::default()).expect("loads");
        let actions: Vec<String> = harness
            .list_actions()
            .await
            .expect("manifest")
            .into_iter()
            .map(|a| a.key)
            .collect();
        let known: Vec<String> = HINTS.iter().map(|(key, _)| (*key).to_owned()).collect();
        assert_eq!(known, actions, "the table in the manifest's order");
        for (key, hints) in HINTS {
            assert!(!(hints.read_only && hints.destructive), "{key}");
        }
    }
}
