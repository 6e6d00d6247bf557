//! Books state changes as one operation: `POST /{type}/{id}/{action}` for the actions each
//! record type has (mark an invoice sent, void it, email it, ...), with a body where the action
//! takes one (an email's recipients, subject and text).

use http::Method;
use serde_json::{Map, Value};

use super::{BOOKS_BASE, decode, organization};
use crate::shared::error::Error;
use crate::shared::plan::{self, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::validate;

/// The actions each record type takes.
pub const ACTIONS: &[(&str, &[&str])] = &[
    (
        "invoices",
        &[
            "status/sent",
            "status/void",
            "status/draft",
            "email",
            "approve",
            "submit",
            "writeoff",
        ],
    ),
    (
        "estimates",
        &["status/sent", "status/accepted", "status/declined", "email"],
    ),
    ("bills", &["status/void", "status/open"]),
    ("salesorders", &["status/open", "status/void"]),
    ("purchaseorders", &["status/open", "status/billed", "status/cancelled"]),
    ("creditnotes", &["status/void", "status/draft", "status/open"]),
    ("contacts", &["active", "inactive"]),
];

/// Every `recordType` that has actions, for the input's choices.
pub const RECORD_TYPES: &[&str] = &[
    "invoices",
    "estimates",
    "bills",
    "salesorders",
    "purchaseorders",
    "creditnotes",
    "contacts",
];

/// Every action name, for the input's choices.
pub const ACTION_NAMES: &[&str] = &[
    "status/sent",
    "status/void",
    "status/draft",
    "status/open",
    "status/accepted",
    "status/declined",
    "status/billed",
    "status/cancelled",
    "email",
    "approve",
    "submit",
    "writeoff",
    "active",
    "inactive",
];

/// Runs `action` on a record; Books' message on success.
pub fn record_action(
    session: &mut Session,
    record_type: &str,
    record_id: &str,
    action: &str,
    values: Option<&Map<String, Value>>,
    organization_id: Option<&str>,
) -> Result<String, Error> {
    validate::record_id("recordId", record_id)?;
    let Some((_, allowed)) = ACTIONS.iter().find(|(t, _)| *t == record_type) else {
        return Err(Error::invalid(
            "recordType",
            format!("must be one of {}", RECORD_TYPES.join(", ")),
        ));
    };
    if !allowed.contains(&action) {
        return Err(Error::invalid(
            "action",
            format!("must be one {record_type} take: {}", allowed.join(", ")),
        ));
    }
    if action == "email"
        && values.is_none_or(|v| {
            v.get("to_mail_ids")
                .is_none_or(|to| to.as_array().is_none_or(Vec::is_empty))
        })
    {
        return Err(Error::invalid(
            "values",
            "need to_mail_ids for an email: an array of recipient addresses",
        ));
    }
    let organization = organization(session, organization_id)?;
    let mut query = Query::new();
    query.push("organization_id", organization);
    let mut segments = vec![record_type, record_id];
    segments.extend(action.split('/'));
    let body = values.map(|v| Value::Object(v.clone()));
    let plan = plan::request(
        Method::POST,
        plan::path(BOOKS_BASE, &segments),
        &query,
        body.as_ref(),
        PlanMeta {
            // A status change lands the same way twice; an email would be sent twice.
            repeatable: if action == "email" {
                Repeatable::No
            } else {
                Repeatable::Yes
            },
            scope: None,
        },
    )?;
    let response = session.send(&plan)?;
    crate::shared::zoho::check_write_outcome(&plan, &response)?;
    Ok(decode(&response)?.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    #[test]
    fn an_action_is_posted_below_its_record_with_the_organization() {
        let mut host = ScriptedHost::new();
        host.answer(
            200,
            r#"{"code":0,"message":"Invoice status has been changed to Void."}"#,
        );
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let message = record_action(&mut session, "invoices", "9", "status/void", None, Some("77")).expect("voided");
        assert_eq!(message, "Invoice status has been changed to Void.");
        assert_eq!(host.sent[0].uri().path(), "/books/v3/invoices/9/status/void");
        assert_eq!(host.sent[0].uri().query(), Some("organization_id=77"));
    }

    #[test]
    fn actions_a_type_does_not_take_and_recipientless_emails_are_refused_before_sending() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        assert!(record_action(&mut session, "bills", "9", "email", None, Some("77")).is_err());
        assert!(record_action(&mut session, "items", "9", "active", None, Some("77")).is_err());
        assert!(record_action(&mut session, "invoices", "9", "email", None, Some("77")).is_err());
        assert!(host.sent.is_empty());
    }
}
