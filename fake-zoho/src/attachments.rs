//! `/{module}/{id}/Attachments`: multipart uploads parsed for real (field `file`, or
//! `attachmentUrl` + `title`), stored byte for byte under a size limit, listed with Zoho's
//! envelope (fields required, as in v8) and downloaded exactly.

use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;
use crate::state::crm::Attachment;

fn record_exists(state: &State, module: &str, id: &str) -> bool {
    state.crm.modules[module].position(id).is_some()
}

fn invalid_parent(id: &str) -> Reply {
    Reply::json(
        400,
        &json!({"code": "INVALID_DATA", "details": {"id": id}, "message": "the related id given seems to be invalid", "status": "error"}),
    )
}

/// `POST /{module}/{id}/Attachments`.
pub(crate) fn upload(state: &mut State, module: &str, record_id: &str, request: &RecordedRequest) -> Reply {
    if !record_exists(state, module, record_id) {
        return invalid_parent(record_id);
    }
    let parts = match crate::wire::form_parts(request) {
        Ok(parts) => parts,
        Err(reply) => return reply,
    };
    let file = parts.iter().find(|p| p.name == "file" && p.file_name.is_some());
    let link = parts
        .iter()
        .find(|p| p.name == "attachmentUrl")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned());
    let title = parts
        .iter()
        .find(|p| p.name == "title")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned());
    let id = state.new_id();
    let attachment = match (file, link) {
        (Some(file), None) => {
            if file.data.len() > state.crm.attachment_size_limit {
                return Reply::crm_error(
                    413,
                    "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
                    "file size exceeds the allowed limit",
                    json!({"max_size": state.crm.attachment_size_limit}),
                );
            }
            Attachment {
                id,
                file_name: file.file_name.clone().unwrap_or_default(),
                content_type: file
                    .content_type
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".into()),
                data: file.data.clone(),
                link_url: None,
                created_time: state.clock.now(),
            }
        }
        (None, Some(url)) => Attachment {
            id,
            file_name: title.unwrap_or_else(|| url.clone()),
            content_type: "text/uri-list".into(),
            data: Vec::new(),
            link_url: Some(url),
            created_time: state.clock.now(),
        },
        _ => {
            return Reply::crm_error(
                400,
                "REQUIRED_PARAM_MISSING",
                "One of the expected parameter is missing",
                json!({"param_name": "file"}),
            );
        }
    };
    let details = json!({
        "Modified_Time": attachment.created_time, "Modified_By": state.crm.user, "Created_Time": attachment.created_time,
        "id": attachment.id, "Created_By": state.crm.user,
    });
    state
        .crm
        .attachments
        .entry((module.to_owned(), record_id.to_owned()))
        .or_default()
        .push(attachment);
    Reply::json(
        200,
        &json!({"data": [{"code": "SUCCESS", "details": details, "message": "attachment uploaded", "status": "success"}]}),
    )
}

fn as_record(attachment: &Attachment, parent: &str, user: &Value) -> Map<String, Value> {
    let mut record = Map::new();
    record.insert("id".into(), json!(attachment.id));
    record.insert("File_Name".into(), json!(attachment.file_name));
    record.insert("Size".into(), json!(attachment.data.len().to_string()));
    record.insert("Created_Time".into(), json!(attachment.created_time));
    record.insert("Modified_Time".into(), json!(attachment.created_time));
    record.insert("Owner".into(), user.clone());
    record.insert("Parent_Id".into(), json!({"id": parent}));
    record.insert(
        "$type".into(),
        json!(if attachment.link_url.is_some() {
            "link_url"
        } else {
            "Attachment"
        }),
    );
    record.insert(
        "$link_url".into(),
        attachment.link_url.as_ref().map_or(Value::Null, |u| json!(u)),
    );
    record
}

/// `GET /{module}/{id}/Attachments`: `fields` required; page numbers or page tokens.
pub(crate) fn list(state: &mut State, module: &str, record_id: &str, request: &RecordedRequest) -> Reply {
    let Some(fields) = request
        .query_param("fields")
        .map(|f| f.split(',').map(str::to_owned).collect::<Vec<_>>())
    else {
        return Reply::crm_error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "fields"}),
        );
    };
    if !record_exists(state, module, record_id) {
        return invalid_parent(record_id);
    }
    let per_page: usize = request
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(200)
        .clamp(1, 200);
    let scope = format!("attachments:{module}/{record_id}");
    let offset = match request.query_param("page_token") {
        Some(token) => match state.crm.attachment_tokens.get(token) {
            Some((owner, offset)) if *owner == scope => *offset,
            _ => {
                return Reply::crm_error(
                    400,
                    "INVALID_DATA",
                    "invalid page token",
                    json!({"param_name": "page_token"}),
                );
            }
        },
        None => {
            (request
                .query_param("page")
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1)
                - 1)
                * per_page
        }
    };
    let all = state
        .crm
        .attachments
        .get(&(module.to_owned(), record_id.to_owned()))
        .cloned()
        .unwrap_or_default();
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(per_page)
        .map(|a| crate::wire::project(&as_record(a, record_id, &state.crm.user), Some(&fields)))
        .collect();
    if page.is_empty() {
        return Reply::no_content();
    }
    let next = offset + page.len();
    let more = next < all.len();
    let token = more.then(|| {
        let token = format!("fzat{:x}{:x}", state.crm.attachment_tokens.len(), next);
        state.crm.attachment_tokens.insert(token.clone(), (scope, next));
        token
    });
    Reply::json(
        200,
        &json!({"data": page, "info": {"per_page": per_page, "count": page.len(), "page": offset / per_page + 1, "more_records": more, "next_page_token": token}}),
    )
}

/// `GET /{module}/{id}/Attachments/{attachment_id}`: the bytes as stored.
pub(crate) fn download(state: &State, module: &str, record_id: &str, attachment_id: &str) -> Reply {
    let found = state
        .crm
        .attachments
        .get(&(module.to_owned(), record_id.to_owned()))
        .and_then(|all| all.iter().find(|a| a.id == attachment_id));
    match found {
        Some(attachment) => Reply::file(&attachment.content_type, &attachment.file_name, &attachment.data),
        None => Reply::crm_error(
            400,
            "INVALID_DATA",
            "the id given seems to be invalid",
            json!({"id": attachment_id}),
        ),
    }
}
