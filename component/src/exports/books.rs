//! `zoho:connector/books`: typed Books calls over `crate::books`.

use serde_json::Value;

use super::*;
use crate::books;

fn books_target(target: wit_books::Target) -> books::Target {
    books::Target {
        record_type: target.record_type,
        parent_record_type: target.parent_record_type,
        parent_record_id: target.parent_record_id,
        organization_id: target.organization_id,
    }
}

impl wit_books::Guest for Component {
    fn add_attachment(
        connection: String,
        target: wit_books::Target,
        record_id: String,
        file_name: String,
        data: Vec<u8>,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let target = books_target(target);
            books::attachments::add_attachment(
                session,
                &target.record_type,
                &record_id,
                &file_name,
                data,
                target.organization_id.as_deref(),
            )
        })
    }

    fn download_attachment(
        connection: String,
        target: wit_books::Target,
        record_id: String,
    ) -> Result<wit_crm::AttachmentFile, wit_types::Error> {
        with_session(&connection, |session| {
            let target = books_target(target);
            Ok(attachment_file(books::attachments::download_attachment(
                session,
                &target.record_type,
                &record_id,
                target.organization_id.as_deref(),
            )?))
        })
    }

    fn delete_attachment(
        connection: String,
        target: wit_books::Target,
        record_id: String,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let target = books_target(target);
            books::attachments::delete_attachment(
                session,
                &target.record_type,
                &record_id,
                target.organization_id.as_deref(),
            )
        })
    }

    fn record_action(
        connection: String,
        target: wit_books::Target,
        record_id: String,
        action: String,
        values: Option<String>,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let target = books_target(target);
            let values = values
                .as_deref()
                .map(|text| object_from_json("values", text))
                .transpose()?;
            books::record_actions::record_action(
                session,
                &target.record_type,
                &record_id,
                &action,
                values.as_ref(),
                target.organization_id.as_deref(),
            )
        })
    }

    fn create_record(
        connection: String,
        target: wit_books::Target,
        values: String,
    ) -> Result<String, wit_types::Error> {
        let values = object_from_json("values", &values)?;
        with_session(&connection, |session| {
            let envelope = books::create_record(session, &books_target(target), &values)?;
            Ok(envelope.entity.unwrap_or(Value::Null).to_string())
        })
    }

    fn get_record(
        connection: String,
        target: wit_books::Target,
        record_id: String,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(books::get_record(session, &books_target(target), &record_id)?.to_string())
        })
    }

    fn get_records(
        connection: String,
        target: wit_books::Target,
        request: wit_books::ListRequest,
    ) -> Result<wit_books::RecordList, wit_types::Error> {
        let request = books::ListRequest {
            page: request.page,
            per_page: request.per_page,
            search_fields: request.search_fields,
            fetch_all: request.fetch_all,
            max_records: request.max_records,
            cursor: request.cursor,
        };
        with_session(&connection, |session| {
            let list = books::get_records(session, &books_target(target), &request)?;
            Ok(wit_books::RecordList {
                records: Value::Array(list.records).to_string(),
                page: list.page,
                per_page: list.per_page,
                more_records: list.more_records,
                cursor: list.cursor,
            })
        })
    }

    fn update_record(
        connection: String,
        target: wit_books::Target,
        record_id: String,
        values: String,
    ) -> Result<String, wit_types::Error> {
        let values = object_from_json("values", &values)?;
        with_session(&connection, |session| {
            let envelope = books::update_record(session, &books_target(target), &record_id, &values)?;
            Ok(envelope.entity.unwrap_or(Value::Null).to_string())
        })
    }

    fn delete_record(
        connection: String,
        target: wit_books::Target,
        record_id: String,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(books::delete_record(session, &books_target(target), &record_id)?.message)
        })
    }

    fn list_organizations(connection: String) -> Result<Vec<wit_books::Organization>, wit_types::Error> {
        with_session(&connection, |session| {
            let organizations = books::list_organizations(session)?;
            Ok(organizations
                .into_iter()
                .map(|o| wit_books::Organization { id: o.id, name: o.name })
                .collect())
        })
    }
}
