//! `GET /users` (with Zoho's `type` filter and paging), `GET /users/{id}` and `GET /org`:
//! Zoho's official SDKs ask for the current user and the org before anything else.

use serde_json::{Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

const MAX_PER_PAGE: usize = 200;

/// The filters Zoho accepts in `type`.
const TYPES: &[&str] = &[
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

/// One user of the org: (id, first, last, email, profile, status, confirmed).
type Seat = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

/// The org's users; the first is the one every token belongs to (`State::user`).
const SEATS: &[Seat] = &[
    (
        "4876876000000225013",
        "Patricia",
        "Boyle",
        "patricia.boyle@zylker.com",
        "Administrator",
        "active",
        true,
    ),
    (
        "4876876000000225027",
        "Ravi",
        "Shankar",
        "ravi.shankar@zylker.com",
        "Standard",
        "active",
        true,
    ),
    (
        "4876876000000225041",
        "Lena",
        "Fischer",
        "lena.fischer@zylker.com",
        "Standard",
        "disabled",
        true,
    ),
    (
        "4876876000000225055",
        "Tomás",
        "Ruiz",
        "tomas.ruiz@zylker.com",
        "Standard",
        "active",
        false,
    ),
];

fn user_json(seat: &Seat) -> Value {
    let (id, first, last, email, profile, status, confirmed) = *seat;
    let admin = profile == "Administrator";
    json!({
        "id": id,
        "first_name": first,
        "last_name": last,
        "full_name": format!("{first} {last}"),
        "email": email,
        "status": status,
        "confirm": confirmed,
        "role": {"name": if admin { "CEO" } else { "Manager" }, "id": if admin { "4876876000000026005" } else { "4876876000000026008" }},
        "profile": {"name": profile, "id": if admin { "4876876000000026011" } else { "4876876000000026014" }},
        "time_zone": "America/Los_Angeles",
        "locale": "en_US",
        "language": "en_US",
        "country_locale": "en_US",
        "date_format": "MM-dd-yyyy",
        "time_format": "hh:mm a",
        "Isonline": false,
    })
}

fn matches(seat: &Seat, filter: &str) -> bool {
    let (id, _, _, _, profile, status, confirmed) = *seat;
    let active = status == "active";
    let admin = profile == "Administrator";
    match filter {
        "ActiveUsers" => active,
        "DeactiveUsers" => status == "disabled",
        "ConfirmedUsers" => confirmed,
        "NotConfirmedUsers" => !confirmed,
        "DeletedUsers" => status == "deleted",
        "ActiveConfirmedUsers" => active && confirmed,
        "AdminUsers" => admin,
        "ActiveConfirmedAdmins" => admin && active && confirmed,
        "CurrentUser" => id == SEATS[0].0,
        _ => true,
    }
}

/// Whether `id` is one of the org's users.
pub(crate) fn exists(id: &str) -> bool {
    SEATS.iter().any(|seat| seat.0 == id)
}

/// Routes `/crm/v8/users...` and `/crm/v8/org`.
pub(crate) fn route(_state: &State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    let reply = match (request.method.as_str(), rest) {
        ("GET", ["users"]) => list(request),
        ("GET", ["users", id]) => match SEATS.iter().find(|seat| seat.0 == *id) {
            Some(seat) => Reply::json(200, &json!({"users": [user_json(seat)]})),
            None => Reply::crm_error(
                400,
                "INVALID_DATA",
                "the id given seems to be invalid",
                json!({"id": id}),
            ),
        },
        ("GET", ["org"]) => Reply::json(200, &json!({"org": [org()]})),
        _ => return None,
    };
    Some(reply)
}

fn list(request: &RecordedRequest) -> Reply {
    let filter = request.query_param("type").unwrap_or("AllUsers");
    if !TYPES.contains(&filter) {
        return Reply::crm_error(
            400,
            "INVALID_DATA",
            "invalid data",
            // The INVALID_DATA shape OAS users.json publishes for this operation.
            json!({"api_name": "type", "expected_data_type": "picklist"}),
        );
    }
    let (page, per_page) = match crate::wire::page_params(request, MAX_PER_PAGE) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let selected: Vec<&Seat> = SEATS.iter().filter(|seat| matches(seat, filter)).collect();
    let offset = (page - 1).saturating_mul(per_page);
    let users: Vec<Value> = selected
        .iter()
        .skip(offset)
        .take(per_page)
        .map(|s| user_json(s))
        .collect();
    if users.is_empty() {
        return Reply::no_content();
    }
    let more = offset + users.len() < selected.len();
    Reply::json(
        200,
        &json!({"users": users, "info": {"per_page": per_page, "count": users.len(), "page": page, "more_records": more}}),
    )
}

fn org() -> Value {
    json!({
        "id": "4876876000000215001",
        "company_name": "Zylker",
        "alias": null,
        "primary_email": "patricia.boyle@zylker.com",
        "primary_zuid": "700000001",
        "zgid": "700000010",
        "domain_name": "org700000010",
        "type": "production",
        "country": "United States",
        "country_code": "US",
        "time_zone": "America/Los_Angeles",
        "iso_code": "USD",
        "currency": "US Dollar - USD",
        "currency_symbol": "$",
        "currency_locale": "en_US",
        "mc_status": false,
        "gapps_enabled": false,
        "privacy_settings": false,
        "license_details": {"paid": true, "paid_type": "enterprise", "users_license_purchased": 10, "trial_expiry": null},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_selects_a_consistent_subset() {
        let count = |filter| SEATS.iter().filter(|s| matches(s, filter)).count();
        assert_eq!(count("AllUsers"), SEATS.len());
        assert_eq!(count("CurrentUser"), 1);
        assert_eq!(count("ActiveUsers") + count("DeactiveUsers"), SEATS.len());
        assert!(count("ActiveConfirmedAdmins") <= count("AdminUsers"));
    }
}
