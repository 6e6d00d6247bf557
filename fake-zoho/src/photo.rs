//! Record photos (`POST` / `GET /{module}/{id}/photo`): one image per record, for the modules
//! Zoho gives a photo (Leads, Contacts, Accounts, Products, Vendors, custom modules), PNG, JPEG,
//! GIF or BMP, at most 10 MB; uploading again replaces it.

use bytes::Bytes;
use serde_json::json;

use crate::records::invalid_id;
use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

const PHOTO_MODULES: &[&str] = &["Leads", "Contacts", "Accounts", "Products", "Vendors"];
pub(crate) const MAX_PHOTO_BYTES: usize = 10 << 20;

pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    let reply = match (request.method.as_str(), rest) {
        ("POST", [module, id, "photo"]) => with_photo_record(state, module, id, |s| upload(s, module, id, request)),
        ("GET", [module, id, "photo"]) => with_photo_record(state, module, id, |s| download(s, module, id)),
        _ => return None,
    };
    Some(reply)
}

fn with_photo_record(state: &mut State, module: &str, id: &str, handler: impl FnOnce(&mut State) -> Reply) -> Reply {
    let custom = !crate::state::STANDARD_MODULES.iter().any(|(m, _)| m == &module);
    match state.crm.modules.get(module) {
        None => Reply::crm_error(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"resource_path_index": 0}),
        ),
        Some(_) if !custom && !PHOTO_MODULES.contains(&module) => Reply::crm_error(
            400,
            "NOT_SUPPORTED",
            "photos are not supported for this module",
            json!({"module": module, "supported_modules": PHOTO_MODULES}),
        ),
        Some(stored) if stored.position(id).is_none() => Reply::json(400, &invalid_id(id)),
        Some(_) => handler(state),
    }
}

/// The image type of `data` from its first bytes.
fn image_type(data: &[u8]) -> Option<&'static str> {
    match data {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [b'B', b'M', ..] => Some("image/bmp"),
        _ => None,
    }
}

fn upload(state: &mut State, module: &str, id: &str, request: &RecordedRequest) -> Reply {
    let parts = match crate::wire::form_parts(request) {
        Ok(parts) => parts,
        Err(reply) => return reply,
    };
    let Some(file) = parts.iter().find(|p| p.name == "file" && p.file_name.is_some()) else {
        return Reply::crm_error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "file"}),
        );
    };
    if file.data.len() > MAX_PHOTO_BYTES {
        return Reply::crm_error(
            413,
            "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
            "the file size exceeds the allowed limit",
            json!({"maximum_size": MAX_PHOTO_BYTES}),
        );
    }
    let Some(content_type) = image_type(&file.data) else {
        return Reply::crm_error(
            400,
            "INVALID_DATA",
            "the file type is not supported; upload a PNG, JPEG, GIF or BMP image",
            json!({"supported_types": ["png", "jpeg", "gif", "bmp"]}),
        );
    };
    state.crm.photos.insert(
        (module.to_owned(), id.to_owned()),
        (content_type.to_owned(), file.data.clone()),
    );
    Reply::json(
        200,
        &json!({"code": "SUCCESS", "details": {}, "message": "photo uploaded successfully", "status": "success"}),
    )
}

fn download(state: &State, module: &str, id: &str) -> Reply {
    match state.crm.photos.get(&(module.to_owned(), id.to_owned())) {
        None => Reply::no_content(),
        Some((content_type, data)) => Reply {
            status: 200,
            headers: vec![("content-type".into(), content_type.clone())],
            body: Bytes::from(data.clone()),
            hold: None,
            cut_after: None,
        },
    }
}
