//! CRM's test controls: modules and records stored directly or changed as a user would in
//! Zoho's UI (notifications sent), notes, attachments, edits armed mid-poll, and the
//! notification channels and deliveries.

use serde_json::{Value, json};

use crate::server::dispatch;
use crate::state::Module;
use crate::{FakeZoho, crm};

impl FakeZoho {
    /// Adds a note to a record directly (no request recorded) and returns its id.
    pub fn seed_note(&self, module: &str, record_id: &str, title: &str, content: &str) -> String {
        let mut state = self.shared.lock();
        let id = state.new_id();
        let now = state.clock.now();
        let user = state.crm.user.clone();
        let note = json!({
            "id": id, "Note_Title": title, "Note_Content": content,
            "Parent_Id": {"module": {"api_name": module}, "id": record_id},
            "Owner": user, "Created_By": user, "Modified_By": user,
            "Created_Time": now, "Modified_Time": now,
        });
        if let Value::Object(note) = note {
            state.crm.notes.push(note);
        }
        id
    }

    /// Adds a module (e.g. a custom `Projects__c`) whose records need `mandatory_field`.
    pub fn add_module(&self, name: &str, mandatory_field: &str) {
        self.shared
            .lock()
            .crm
            .modules
            .entry(name.to_owned())
            .or_insert_with(|| Module::new(mandatory_field));
    }

    /// Stores records directly (no request recorded) and returns their new ids.
    pub fn seed(&self, module: &str, records: &[Value]) -> Vec<String> {
        let mut state = self.shared.lock();
        records
            .iter()
            .filter_map(Value::as_object)
            .map(|fields| crate::records::insert(&mut state, module, fields.clone()))
            .collect()
    }

    /// The records of a module as stored, in creation order.
    pub fn records(&self, module: &str) -> Vec<Value> {
        self.shared
            .lock()
            .crm
            .modules
            .get(module)
            .map(|m| m.records.iter().cloned().map(Value::Object).collect())
            .unwrap_or_default()
    }

    /// Sets the largest attachment the fake accepts (Zoho answers 413 above it).
    pub fn set_attachment_size_limit(&self, bytes: usize) {
        self.shared.lock().crm.attachment_size_limit = bytes;
    }

    /// Stores an attachment directly (no request recorded) and returns its id.
    pub fn seed_attachment(
        &self,
        module: &str,
        record_id: &str,
        file_name: &str,
        content_type: &str,
        data: &[u8],
    ) -> String {
        let mut state = self.shared.lock();
        let id = state.new_id();
        let attachment = crate::state::crm::Attachment {
            id: id.clone(),
            file_name: file_name.to_owned(),
            content_type: content_type.to_owned(),
            data: data.to_vec(),
            link_url: None,
            created_time: state.clock.now(),
        };
        state
            .crm
            .attachments
            .entry((module.to_owned(), record_id.to_owned()))
            .or_default()
            .push(attachment);
        id
    }

    /// The attachments of a record as stored: (file name, content type, bytes).
    pub fn attachments(&self, module: &str, record_id: &str) -> Vec<(String, String, Vec<u8>)> {
        self.shared
            .lock()
            .crm
            .attachments
            .get(&(module.to_owned(), record_id.to_owned()))
            .map(|all| {
                all.iter()
                    .map(|a| (a.file_name.clone(), a.content_type.clone(), a.data.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Edits a record as a user would in Zoho's UI (new `Modified_Time`, notifications sent);
    /// false when there is no such record.
    pub fn edit_record(&self, module: &str, id: &str, values: &Value) -> bool {
        let mut state = self.shared.lock();
        let edited = crate::records::edit(&mut state, module, id, values.as_object().cloned().unwrap_or_default());
        dispatch(&mut state);
        edited
    }

    /// Creates a record as a user would in Zoho's UI (notifications sent) and returns its id.
    pub fn create_record(&self, module: &str, values: &Value) -> String {
        let mut state = self.shared.lock();
        let id = crate::records::insert(&mut state, module, values.as_object().cloned().unwrap_or_default());
        crate::watch::notify(&mut state, module, "insert", std::slice::from_ref(&id), &[]);
        dispatch(&mut state);
        id
    }

    /// Deletes a record as a user would (to the recycle bin, notifications sent); false when
    /// there is no such record.
    pub fn delete_record(&self, module: &str, id: &str) -> bool {
        let mut state = self.shared.lock();
        let deleted = crm::remove_record(&mut state, module, id)["status"] == "success";
        if deleted {
            crate::watch::notify(&mut state, module, "delete", &[id.to_owned()], &[]);
        }
        dispatch(&mut state);
        deleted
    }

    /// Arms an edit of a record to happen just before the (`skip` + 1)-th request whose path
    /// starts with `path_prefix` is handled: a change made while a client is mid-way.
    pub fn edit_on_request(&self, path_prefix: &str, skip: usize, module: &str, id: &str, values: &Value) {
        self.shared
            .lock()
            .traffic
            .edits_on_request
            .push(crate::state::EditOnRequest {
                path_prefix: path_prefix.to_owned(),
                skip,
                module: module.to_owned(),
                id: id.to_owned(),
                values: values.as_object().cloned().unwrap_or_default(),
            });
    }

    /// Notifications posted so far (with what the listener answered), oldest first.
    pub fn deliveries(&self) -> Vec<crate::state::crm::Delivery> {
        self.shared.lock().crm.deliveries.clone()
    }

    /// How many notifications the fake has decided to send so far: each change that matched
    /// a channel's events counts when it happens, before the courier posts it. A change that
    /// notifies no one leaves it as it was, at once.
    pub fn notifications_decided(&self) -> usize {
        self.shared.lock().crm.notifications_decided
    }

    /// The notification channels as stored: (channel id, events, token, expiry in Unix seconds).
    pub fn channels(&self) -> Vec<(String, Vec<String>, Option<String>, i64)> {
        self.shared
            .lock()
            .crm
            .channels
            .iter()
            .map(|c| (c.id.clone(), c.events.clone(), c.token.clone(), c.expiry))
            .collect()
    }
}
