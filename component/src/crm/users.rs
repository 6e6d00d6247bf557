//! The org's users: `GET /users?type=` (Zoho's filters, paged by number) and `GET /users/{id}`.
//! Both answer under `users` rather than `data`.

use http::Request;
use serde_json::Value;

use super::paging::{self, Fetch, Gathered, RawRecord, Walk};
use crate::shared::error::Error;
use crate::shared::plan::{Query, RequiredScope};
use crate::shared::session::Session;
use crate::shared::validate;

/// The filters Zoho's `type` parameter accepts.
pub const USER_TYPES: &[&str] = &[
    "AllUsers",
    "ActiveUsers",
    "DeactiveUsers",
    "ConfirmedUsers",
    "NotConfirmedUsers",
    "DeletedUsers",
    "ActiveConfirmedUsers",
    "AdminUsers",
    "ActiveConfirmedAdmins",
    "CurrentUser",
];

fn read_plan(segments: &[&str], query: &Query) -> Result<Request<Vec<u8>>, Error> {
    super::plans::get_plan(segments, query, RequiredScope("ZohoCRM.users.READ".into()))
}

/// Lists users of one `type`: a page, or with `fetch_all` every page up to the cap.
pub fn list_users(
    session: &mut Session,
    user_type: &str,
    page: Option<u32>,
    per_page: Option<u32>,
    fetch: &Fetch,
) -> Result<Gathered<RawRecord>, Error> {
    if !USER_TYPES.contains(&user_type) {
        return Err(Error::invalid(
            "type",
            format!("must be one of {}", USER_TYPES.join(", ")),
        ));
    }
    let walk = Walk::for_fetch(page, None, per_page, fetch, false)?;
    paging::walk(session, &walk, |session, at, per_page| {
        let number = at.number()?;
        let mut query = Query::new();
        query
            .push("type", user_type)
            .push("page", number.to_string())
            .push("per_page", per_page.to_string());
        let plan = read_plan(&["users"], &query)?;
        let response = session.send(&plan)?;
        super::plans::decode_list(&response, plan.extensions().get(), "users")
    })
}

/// One user by id.
pub fn get_user(session: &mut Session, id: &str) -> Result<Value, Error> {
    validate::record_id("userId", id)?;
    let plan = read_plan(&["users", id], &Query::new())?;
    let response = session.send(&plan)?;
    super::plans::decode_one(&response, plan.extensions().get(), "users", "user")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    #[test]
    fn users_are_paged_by_number_under_their_own_key() {
        let mut host = ScriptedHost::new();
        host.answer(
            200,
            r#"{"users":[{"id":"1","full_name":"A"}],"info":{"per_page":1,"count":1,"page":1,"more_records":true}}"#,
        )
        .answer(
            200,
            r#"{"users":[{"id":"2","full_name":"B"}],"info":{"per_page":1,"count":1,"page":2,"more_records":false}}"#,
        );
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let fetch = Fetch {
            fetch_all: true,
            ..Fetch::default()
        };
        let users = list_users(&mut session, "ActiveUsers", None, Some(1), &fetch).expect("listed");
        let names: Vec<&str> = users.records.iter().map(|u| u.get()).collect();
        assert_eq!(
            names,
            [r#"{"id":"1","full_name":"A"}"#, r#"{"id":"2","full_name":"B"}"#]
        );
        assert_eq!(host.sent[1].uri().query(), Some("type=ActiveUsers&page=2&per_page=1"));
    }

    #[test]
    fn an_unknown_type_or_id_is_refused_before_sending() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        assert!(matches!(
            list_users(&mut session, "Everyone", None, None, &Fetch::default()),
            Err(Error::InvalidInput { .. })
        ));
        assert!(matches!(get_user(&mut session, "12a"), Err(Error::InvalidInput { .. })));
        assert!(host.sent.is_empty());
    }
}
