//! What each action costs in Zoho's CRM credits, as the manifest states it. The prices are
//! Zoho's table (`zoho-facts` `credits`, with its sources); an action's rule follows from the
//! calls it makes. Books is not metered in CRM credits: Books counts requests per day.

/// The credit rule of the action `key`, in words a platform user reads beside the action.
pub fn rule(key: &str) -> &'static str {
    match key {
        "crmRunQuery" => {
            "by each COQL call's LIMIT: 1-200 rows 1, 201-1,000 rows 2, 1,001-2,000 rows 3 (fetchAll pages at 2,000)"
        }
        "crmGetRecords"
        | "crmSearchRecords"
        | "crmListRelatedRecords"
        | "crmListNotes"
        | "crmListUsers"
        | "crmListAttachments"
        | "crmListDeletedRecords" => "1 per page of up to 200 records (3 with a custom view)",
        "crmCreateRecord" | "crmUpdateRecord" | "crmUpsertRecords" => {
            "1 per 10 records written, in calls of up to 100 records (at most 10 a call)"
        }
        "crmConvertLead" => "5",
        "crmAddTags" | "crmRemoveTags" => "1 per 50 records, in calls of up to 100 records",
        "crmBulkReadStart" => "50 per job",
        "crmBulkWriteStart" => "500 per job",
        "crmRenewNotifications" => "1, and 1 more to read the notify URL when it is not given",
        "crmRawRequest" => "by Zoho's table for the endpoint called (1 for most)",
        key if key.starts_with("books") => "none (Books is metered in requests per day, not CRM credits)",
        _ => "1 per call",
    }
}

#[cfg(test)]
mod tests {
    use super::rule;

    #[test]
    fn every_action_states_a_rule() {
        for action in super::super::catalog() {
            assert!(!rule(action.key).is_empty(), "{}", action.key);
        }
        assert_eq!(rule("crmConvertLead"), "5");
        assert!(rule("booksGetRecords").starts_with("none"));
    }
}
