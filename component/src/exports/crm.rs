//! `zoho:connector/crm`: typed CRM calls over `crate::crm`.

use serde_json::Value;

use super::*;
use crate::crm;
use crate::shared::error::Error;

impl wit_crm::Guest for Component {
    fn convert_lead(
        connection: String,
        lead_id: String,
        options: wit_crm::ConvertOptions,
    ) -> Result<wit_crm::ConvertedLead, wit_types::Error> {
        with_session(&connection, |session| {
            let deal = options
                .deal
                .as_deref()
                .map(|text| object_from_json("deal", text))
                .transpose()?;
            let converted = crm::convert::convert_lead(
                session,
                &lead_id,
                &crm::convert::ConvertOptions {
                    overwrite: options.overwrite,
                    notify_lead_owner: options.notify_lead_owner,
                    notify_new_entity_owner: options.notify_new_entity_owner,
                    account: options.account_id,
                    contact: options.contact_id,
                    assign_to: options.assign_to,
                    deal,
                },
            )?;
            Ok(wit_crm::ConvertedLead {
                contact_id: converted.contact.map(|e| e.id),
                account_id: converted.account.map(|e| e.id),
                deal_id: converted.deal.map(|e| e.id),
            })
        })
    }

    fn list_notes(
        connection: String,
        module: String,
        record_id: String,
        fields: Vec<String>,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        with_session(&connection, |session| {
            let (page, per_page, fetch) = paging_parts(paging);
            let gathered = crm::notes::list_notes(session, &module, &record_id, &fields, page, per_page, &fetch)?;
            Ok(record_page(gathered))
        })
    }

    fn create_note(
        connection: String,
        module: String,
        record_id: String,
        title: Option<String>,
        content: String,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        with_session(&connection, |session| {
            let result = crm::notes::create_note(session, &module, &record_id, title.as_deref(), &content)?;
            Ok(record_result(result))
        })
    }

    fn update_note(
        connection: String,
        note_id: String,
        title: Option<String>,
        content: Option<String>,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        with_session(&connection, |session| {
            let result = crm::notes::update_note(session, &note_id, title.as_deref(), content.as_deref())?;
            Ok(record_result(result))
        })
    }

    fn delete_note(connection: String, note_id: String) -> Result<wit_types::RecordResult, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(record_result(crm::notes::delete_note(session, &note_id)?))
        })
    }

    fn list_tags(connection: String, module: String) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let tags = crm::tags::list_tags(session, &module)?;
            Ok(Value::Array(tags).to_string())
        })
    }

    fn add_tags(
        connection: String,
        module: String,
        record_ids: Vec<String>,
        tags: Vec<String>,
        over_write: bool,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        with_session(&connection, |session| {
            let change = crm::tags::TagChange::Add { over_write };
            let results = crm::tags::change_tags(session, &module, &record_ids, &tags, change)?;
            Ok(results.into_iter().map(record_result).collect())
        })
    }

    fn remove_tags(
        connection: String,
        module: String,
        record_ids: Vec<String>,
        tags: Vec<String>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        with_session(&connection, |session| {
            let results = crm::tags::change_tags(session, &module, &record_ids, &tags, crm::tags::TagChange::Remove)?;
            Ok(results.into_iter().map(record_result).collect())
        })
    }

    fn list_related_lists(
        connection: String,
        module: String,
    ) -> Result<Vec<wit_crm::RelatedListInfo>, wit_types::Error> {
        with_session(&connection, |session| {
            let lists = crm::metadata::list_related_lists(session, &module)?;
            Ok(lists
                .into_iter()
                .map(|l| wit_crm::RelatedListInfo {
                    api_name: l.api_name,
                    label: l.label,
                    module: l.module,
                })
                .collect())
        })
    }

    fn list_related_records(
        connection: String,
        module: String,
        record_id: String,
        related_list: String,
        fields: Vec<String>,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        with_session(&connection, |session| {
            let (page, per_page, fetch) = paging_parts(paging);
            let target = crm::related::RelatedList {
                module: &module,
                record_id: &record_id,
                related_list: &related_list,
            };
            let gathered = crm::related::list_related_records(session, target, &fields, page, per_page, &fetch)?;
            Ok(record_page(gathered))
        })
    }

    fn link_related_records(
        connection: String,
        module: String,
        record_id: String,
        related_list: String,
        related_ids: Vec<String>,
        values: Option<String>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        with_session(&connection, |session| {
            let values = values
                .as_deref()
                .map(|text| object_from_json("values", text))
                .transpose()?
                .unwrap_or_default();
            let target = crm::related::RelatedList {
                module: &module,
                record_id: &record_id,
                related_list: &related_list,
            };
            let results = crm::related::link_related_records(session, target, &related_ids, &values)?;
            Ok(results.into_iter().map(record_result).collect())
        })
    }

    fn unlink_related_record(
        connection: String,
        module: String,
        record_id: String,
        related_list: String,
        related_id: String,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        with_session(&connection, |session| {
            let target = crm::related::RelatedList {
                module: &module,
                record_id: &record_id,
                related_list: &related_list,
            };
            Ok(record_result(crm::related::unlink_related_record(
                session,
                target,
                &related_id,
            )?))
        })
    }

    fn list_users(
        connection: String,
        user_type: String,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        with_session(&connection, |session| {
            let (page, per_page, fetch) = paging_parts(paging);
            let gathered = crm::users::list_users(session, &user_type, page, per_page, &fetch)?;
            Ok(record_page(gathered))
        })
    }

    fn get_user(connection: String, user_id: String) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(crm::users::get_user(session, &user_id)?.to_string())
        })
    }

    fn list_deleted_records(
        connection: String,
        module: String,
        kind: wit_crm::DeletedKind,
        if_modified_since: Option<String>,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        with_session(&connection, |session| {
            let kind = match kind {
                wit_crm::DeletedKind::All => crm::DeletedKind::All,
                wit_crm::DeletedKind::Recycle => crm::DeletedKind::Recycle,
                wit_crm::DeletedKind::Permanent => crm::DeletedKind::Permanent,
            };
            let (page, per_page, fetch) = paging_parts(paging);
            let gathered = crm::list_deleted(
                session,
                &module,
                kind,
                if_modified_since.as_deref(),
                page,
                per_page,
                &fetch,
            )?;
            Ok(record_page(gathered))
        })
    }

    fn upload_photo(
        connection: String,
        module: String,
        record_id: String,
        file_name: String,
        data: Vec<u8>,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(crm::photo::upload_photo(session, &module, &record_id, &file_name, data)?.to_string())
        })
    }

    fn download_photo(
        connection: String,
        module: String,
        record_id: String,
    ) -> Result<wit_crm::AttachmentFile, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(attachment_file(crm::photo::download_photo(
                session, &module, &record_id,
            )?))
        })
    }

    fn bulk_read_start(connection: String, request: wit_crm::BulkReadRequest) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let criteria = request
                .criteria
                .as_deref()
                .map(|text| serde_json::from_str::<Value>(text).map_err(|_| Error::invalid("criteria", "must be JSON")))
                .transpose()?;
            let query = crm::bulk::read::ReadQuery {
                module: request.record_type,
                fields: request.fields,
                criteria,
                page: request.page,
                page_token: request.page_token,
                callback_url: request.callback_url,
            };
            Ok(crm::bulk::read::start(session, &query)?.job_id)
        })
    }

    fn bulk_read_status(connection: String, job_id: String) -> Result<wit_crm::BulkReadJob, wit_types::Error> {
        with_session(&connection, |session| {
            let status = crm::bulk::read::status(session, &job_id)?;
            Ok(wit_crm::BulkReadJob {
                job_id: status.job_id,
                state: status.state,
                record_type: status.module,
                page: status.page,
                per_page: status.per_page,
                count: status.count,
                more_records: status.more_records,
                next_page_token: status.next_page_token,
                download_url: status.download_url,
                error_message: status.error_message,
            })
        })
    }

    fn bulk_read_result(
        connection: String,
        job_id: String,
        offset: Option<String>,
        max_bytes: Option<u32>,
    ) -> Result<wit_crm::BulkChunk, wit_types::Error> {
        bulk_result(&connection, &job_id, offset, max_bytes, crm::bulk::read::result)
    }

    fn bulk_write_upload(connection: String, file_name: String, data: Vec<u8>) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(crm::bulk::write::upload(session, &file_name, data)?.file_id)
        })
    }

    fn bulk_write_start(connection: String, request: wit_crm::BulkWriteRequest) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let field_mappings = request
                .field_mappings
                .as_deref()
                .map(|text| {
                    serde_json::from_str::<Value>(text).map_err(|_| Error::invalid("fieldMappings", "must be JSON"))
                })
                .transpose()?;
            let operation = match request.operation {
                wit_crm::BulkOperation::Insert => "insert",
                wit_crm::BulkOperation::Update => "update",
                wit_crm::BulkOperation::Upsert => "upsert",
            };
            let job = crm::bulk::write::WriteJob {
                operation: operation.to_owned(),
                module: request.record_type,
                file_id: request.file_id,
                field_mappings,
                find_by: request.find_by,
                callback_url: request.callback_url,
                ignore_empty: request.ignore_empty,
            };
            crm::bulk::write::start(session, &job)
        })
    }

    fn bulk_write_status(connection: String, job_id: String) -> Result<wit_crm::BulkWriteJob, wit_types::Error> {
        with_session(&connection, |session| {
            let status = crm::bulk::write::status(session, &job_id)?;
            Ok(wit_crm::BulkWriteJob {
                job_id: status.job_id,
                state: status.state,
                operation: status.operation,
                record_type: status.module,
                added: status.counts.added,
                updated: status.counts.updated,
                skipped: status.counts.skipped,
                total: status.counts.total,
                result_url: status.result_url,
            })
        })
    }

    fn bulk_write_result(
        connection: String,
        job_id: String,
        offset: Option<String>,
        max_bytes: Option<u32>,
    ) -> Result<wit_crm::BulkChunk, wit_types::Error> {
        bulk_result(&connection, &job_id, offset, max_bytes, crm::bulk::write::result)
    }

    fn add_attachment(
        connection: String,
        module: String,
        record_id: String,
        upload: wit_crm::AttachmentUpload,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        use crate::crm::attachments::Upload;
        let upload = match upload {
            wit_crm::AttachmentUpload::File(f) => Upload::File {
                file_name: f.file_name,
                content_type: f.content_type,
                data: f.data,
            },
            wit_crm::AttachmentUpload::Link(l) => Upload::Link {
                url: l.url,
                title: l.title,
            },
        };
        let result = crate::crm::attachments::add(&mut session_for(&connection), &module, &record_id, &upload)?;
        Ok(record_result(result))
    }

    fn list_attachments(
        connection: String,
        module: String,
        record_id: String,
        fields: Vec<String>,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        let (page, per_page, fetch) = paging_parts(paging);
        let gathered = crate::crm::attachments::list(
            &mut session_for(&connection),
            &module,
            &record_id,
            &fields,
            page,
            per_page,
            &fetch,
        )?;
        Ok(record_page(gathered))
    }

    fn download_attachment(
        connection: String,
        module: String,
        record_id: String,
        attachment_id: String,
    ) -> Result<wit_crm::AttachmentFile, wit_types::Error> {
        let download =
            crate::crm::attachments::download(&mut session_for(&connection), &module, &record_id, &attachment_id)?;
        Ok(attachment_file(download))
    }

    fn search_records(
        connection: String,
        module: String,
        by: wit_crm::SearchBy,
        fields: Vec<String>,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        use crate::crm::search::{Condition, SearchBy};
        let by = match by {
            wit_crm::SearchBy::Criteria(c) => SearchBy::Criteria(c),
            wit_crm::SearchBy::Conditions((conditions, match_all)) => {
                let conditions = conditions
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| match serde_json::from_str(&c.value) {
                        Ok(value) => Ok(Condition {
                            field: c.field,
                            operator: c.operator,
                            value,
                        }),
                        Err(e) => Err(Error::invalid(
                            format!("conditions[{i}].value"),
                            format!("is not valid JSON: {e}"),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                SearchBy::Criteria(crate::crm::search::criteria(&conditions, match_all)?)
            }
            wit_crm::SearchBy::Email(e) => SearchBy::Email(e),
            wit_crm::SearchBy::Phone(p) => SearchBy::Phone(p),
            wit_crm::SearchBy::Word(w) => SearchBy::Word(w),
        };
        let (page, per_page, fetch) = paging_parts(paging);
        let gathered = crate::crm::search::search(
            &mut session_for(&connection),
            &module,
            &by,
            &fields,
            page,
            per_page,
            &fetch,
        )?;
        Ok(record_page(gathered))
    }

    fn run_query(
        connection: String,
        query: String,
        fetch_all: bool,
        max_records: Option<u32>,
        cursor: Option<String>,
    ) -> Result<wit_crm::QueryResult, wit_types::Error> {
        let mut session = session_for(&connection);
        let rows = crate::crm::coql::run_query(&mut session, &query, fetch_all, max_records, cursor.as_deref())?;
        Ok(wit_crm::QueryResult {
            rows: Value::Array(rows.rows).to_string(),
            more_records: rows.more_records,
            cursor: rows.cursor,
        })
    }

    fn list_modules(connection: String) -> Result<Vec<wit_crm::ModuleInfo>, wit_types::Error> {
        let modules = crate::crm::metadata::list_modules(&mut session_for(&connection))?;
        Ok(modules
            .into_iter()
            .map(|m| wit_crm::ModuleInfo {
                api_name: m.api_name,
                label: m.label,
                singular_label: m.singular_label,
                custom: m.custom,
                api_supported: m.api_supported,
            })
            .collect())
    }

    fn list_fields(connection: String, module: String) -> Result<Vec<wit_crm::FieldInfo>, wit_types::Error> {
        let fields = crate::crm::metadata::list_fields(&mut session_for(&connection), &module)?;
        Ok(fields
            .into_iter()
            .map(|f| wit_crm::FieldInfo {
                api_name: f.api_name,
                label: f.label,
                data_type: f.data_type,
                mandatory: f.mandatory,
                read_only: f.read_only,
                custom: f.custom,
                picklist_values: f.picklist_values,
                lookup_module: f.lookup_module,
            })
            .collect())
    }

    fn create_records(
        connection: String,
        module: String,
        records: String,
        trigger: Option<Vec<String>>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        let records = records_from_json("values", &records)?;
        let results = crm::create_records(&mut session_for(&connection), &module, &records, trigger.as_deref())?;
        Ok(results.into_iter().map(record_result).collect())
    }

    fn get_record(
        connection: String,
        module: String,
        id: String,
        fields: Vec<String>,
        if_modified_since: Option<String>,
    ) -> Result<Option<String>, wit_types::Error> {
        let record = crm::get_record(
            &mut session_for(&connection),
            &module,
            &id,
            &fields,
            if_modified_since.as_deref(),
        )?;
        Ok(record.map(|r| r.to_string()))
    }

    fn get_records(
        connection: String,
        module: String,
        options: wit_crm::ListOptions,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        let fetch = crm::Fetch {
            fetch_all: options.fetch_all,
            max_records: options.max_records,
            cursor: options.cursor,
        };
        let options = crm::ListOptions {
            fields: options.fields,
            page: options.page,
            per_page: options.per_page,
            page_token: options.page_token,
            sort_by: options.sort_by,
            sort_order: options.sort_order.map(|o| match o {
                wit_types::SortOrder::Asc => crm::SortOrder::Asc,
                wit_types::SortOrder::Desc => crm::SortOrder::Desc,
            }),
            if_modified_since: options.if_modified_since,
        };
        let gathered = crm::get_records(&mut session_for(&connection), &module, &options, &fetch)?;
        Ok(record_page(gathered))
    }

    fn update_records(
        connection: String,
        module: String,
        records: String,
        trigger: Option<Vec<String>>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        let records = records_from_json("values", &records)?;
        let results = crm::update_records(&mut session_for(&connection), &module, &records, trigger.as_deref())?;
        Ok(results.into_iter().map(record_result).collect())
    }

    fn delete_records(
        connection: String,
        module: String,
        ids: Vec<String>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        let results = crm::delete_records(&mut session_for(&connection), &module, &ids)?;
        Ok(results.into_iter().map(record_result).collect())
    }

    fn upsert_records(
        connection: String,
        module: String,
        records: String,
        duplicate_check_fields: Vec<String>,
        trigger: Option<Vec<String>>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        let records = records_from_json("records", &records)?;
        let results = crm::upsert_records(
            &mut session_for(&connection),
            &module,
            &records,
            &duplicate_check_fields,
            trigger.as_deref(),
        )?;
        Ok(results.into_iter().map(record_result).collect())
    }

    fn update_record(
        connection: String,
        module: String,
        id: String,
        values: String,
        trigger: Option<Vec<String>>,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        let values = object_from_json("values", &values)?;
        let result = crm::update_record(&mut session_for(&connection), &module, &id, &values, trigger.as_deref())?;
        Ok(record_result(result))
    }

    fn delete_record(
        connection: String,
        module: String,
        id: String,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        let result = crm::delete_record(&mut session_for(&connection), &module, &id)?;
        Ok(record_result(result))
    }
}
