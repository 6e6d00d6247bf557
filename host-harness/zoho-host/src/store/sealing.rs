//! Secrets sealed at rest: the client secret, refresh token and cached access token of every
//! stored connection, and the token of every stored channel, are kept only as AEAD ciphertext.
//!
//! Two layers, as n8n's key rotation has them: the operator holds the instance key
//! (`ZOHO_HARNESS_KEY`, 32 random bytes in base64); it wraps the data keys the store keeps beside
//! the data, each with a number; each secret is sealed under the newest data key. Rotating a
//! data key re-seals values without the instance key changing, and changing the instance key
//! re-wraps a handful of data keys without touching any value.
//!
//! XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`): its 24-byte nonces are drawn at random
//! for every value, which stays safe however many values a fleet seals under one key (a 12-byte
//! random nonce, as AES-GCM has, does not). Every value is bound, as associated data, to the
//! record and field it belongs to, so a ciphertext copied to another row or field does not
//! decrypt; a data key is bound to its number the same way.
//!
//! Everything else in a record (names, data centers, expiries, limits, trigger states) stays
//! readable: operators need it, and none of it opens anyone's Zoho.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The secret fields of a stored connection (as `StoredConnection` serializes them).
pub(crate) const CONNECTION_SECRETS: &[&str] = &["client_secret", "refresh_token", "access_token"];
/// The secret field of a stored channel document: the token notifications carry.
pub(crate) const CHANNEL_SECRETS: &[&str] = &["token"];

const NONCE_BYTES: usize = 24;
const KEY_BYTES: usize = 32;
/// Versions the associated data, so a later format can never be confused with this one.
const CONTEXT: &str = "zoho-harness sealed v1";

/// The instance key the operator holds. Its `Debug` shows only its id.
#[derive(Clone)]
pub struct InstanceKey {
    cipher: XChaCha20Poly1305,
    id: String,
}

impl std::fmt::Debug for InstanceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InstanceKey({})", self.id)
    }
}

/// Why an instance key given as text is not one. Never quotes the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyTextError(String);

impl InstanceKey {
    /// Reads a key as `store init-key` prints it: 32 bytes in standard base64 (surrounding
    /// whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, KeyTextError> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| KeyTextError("the instance key is not base64 text".into()))?,
        );
        if bytes.len() != KEY_BYTES {
            return Err(KeyTextError(format!(
                "the instance key is {} bytes; it must be {KEY_BYTES} random bytes in base64 (zoho-harness store init-key makes one)",
                bytes.len()
            )));
        }
        Self::from_bytes(&bytes).ok_or_else(|| KeyTextError("the instance key could not be used".into()))
    }

    /// A new random key, and its text (shown to the operator once, never stored).
    pub fn generate() -> Result<(Self, Zeroizing<String>), KeyTextError> {
        let bytes = Zeroizing::new(
            <[u8; KEY_BYTES]>::try_generate()
                .map_err(|e| KeyTextError(format!("the system's random source failed: {e}")))?,
        );
        let key = Self::from_bytes(&bytes[..]).ok_or_else(|| KeyTextError("the new key could not be used".into()))?;
        Ok((key, Zeroizing::new(STANDARD.encode(bytes.as_slice()))))
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        // A hash names the key in the store and in messages, so a wrong key can be told from a
        // damaged one; SHA-256 of 32 random bytes reveals nothing of them.
        let digest = Sha256::new()
            .chain_update(b"zoho-harness instance key id\0")
            .chain_update(bytes)
            .finalize();
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Some(Self {
            cipher: XChaCha20Poly1305::new_from_slice(bytes).ok()?,
            id,
        })
    }

    /// The key's public name: 12 hex digits of a hash of it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A new data key numbered `id`, wrapped under this key.
    pub(crate) fn new_data_key(&self, id: u32) -> Result<(DataKey, WrappedKey), SealError> {
        let bytes = Zeroizing::new(<[u8; KEY_BYTES]>::try_generate().map_err(|e| SealError::Random(e.to_string()))?);
        let wrapped = self.wrap(id, &bytes[..])?;
        let key = DataKey::from_bytes(id, &bytes[..])
            .ok_or_else(|| SealError::Random("a new data key could not be used".into()))?;
        Ok((key, wrapped))
    }

    fn wrap(&self, id: u32, bytes: &[u8]) -> Result<WrappedKey, SealError> {
        Ok(WrappedKey {
            id,
            wrapped: seal_bytes(&self.cipher, &data_key_context(id), bytes)?,
            instance_key: self.id.clone(),
        })
    }

    /// The data key `wrapped` holds; `WrongInstanceKey` if this key did not wrap it.
    pub(crate) fn unwrap(&self, wrapped: &WrappedKey) -> Result<DataKey, SealError> {
        let bytes = open_bytes(&self.cipher, &data_key_context(wrapped.id), &wrapped.wrapped).map_err(|_| {
            SealError::WrongInstanceKey {
                given: self.id.clone(),
                wrapped_with: wrapped.instance_key.clone(),
            }
        })?;
        let bytes = Zeroizing::new(bytes);
        DataKey::from_bytes(wrapped.id, &bytes).ok_or_else(|| SealError::WrongInstanceKey {
            given: self.id.clone(),
            wrapped_with: wrapped.instance_key.clone(),
        })
    }

    /// `wrapped` re-wrapped under `new` (the data key itself unchanged).
    pub(crate) fn rewrap(&self, wrapped: &WrappedKey, new: &InstanceKey) -> Result<WrappedKey, SealError> {
        let bytes = Zeroizing::new(
            open_bytes(&self.cipher, &data_key_context(wrapped.id), &wrapped.wrapped).map_err(|_| {
                SealError::WrongInstanceKey {
                    given: self.id.clone(),
                    wrapped_with: wrapped.instance_key.clone(),
                }
            })?,
        );
        new.wrap(wrapped.id, &bytes)
    }
}

fn data_key_context(id: u32) -> String {
    format!("{CONTEXT}\0data-key\0{id}")
}

/// A data key as the store keeps it: wrapped under the instance key named by `instance_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WrappedKey {
    pub(crate) id: u32,
    pub(crate) wrapped: String,
    pub(crate) instance_key: String,
}

/// An unwrapped data key, numbered as the store numbers it.
pub(crate) struct DataKey {
    id: u32,
    cipher: XChaCha20Poly1305,
}

impl DataKey {
    /// `None` unless `bytes` is a whole key.
    fn from_bytes(id: u32, bytes: &[u8]) -> Option<Self> {
        Some(Self {
            id,
            cipher: XChaCha20Poly1305::new_from_slice(bytes).ok()?,
        })
    }

    pub(crate) fn id(&self) -> u32 {
        self.id
    }
}

/// Why a value could not be sealed or opened. No variant carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error(
        "the instance key given ({given}) is not the one the store's data keys are wrapped under ({wrapped_with}); give that key (ZOHO_HARNESS_KEY or --key-file)"
    )]
    WrongInstanceKey { given: String, wrapped_with: String },
    #[error("the {field} of {record} does not decrypt: it was sealed for another record or field, or it was altered")]
    DoesNotOpen { record: String, field: String },
    #[error("the {field} of {record} is sealed under data key {key}, which the store does not have")]
    UnknownDataKey { record: String, field: String, key: u32 },
    #[error("the {field} of {record} is damaged: {reason}")]
    Damaged {
        record: String,
        field: String,
        reason: String,
    },
    #[error("the system's random source failed: {0}")]
    Random(String),
}

/// What a sealed value belongs to, bound into it as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner<'a> {
    Connection(&'a str),
    Channel(&'a str),
}

impl Owner<'_> {
    fn kind(self) -> &'static str {
        match self {
            Owner::Connection(_) => "connection",
            Owner::Channel(_) => "channel",
        }
    }

    fn key(&self) -> &str {
        match self {
            Owner::Connection(name) | Owner::Channel(name) => name,
        }
    }

    /// The fields of this kind of record that are secrets.
    pub(crate) fn secret_fields(self) -> &'static [&'static str] {
        match self {
            Owner::Connection(_) => CONNECTION_SECRETS,
            Owner::Channel(_) => CHANNEL_SECRETS,
        }
    }

    fn describe(self) -> String {
        format!("{} {:?}", self.kind(), self.key())
    }

    fn context(self, field: &str) -> String {
        format!("{CONTEXT}\0{}\0{}\0{field}", self.kind(), self.key())
    }
}

/// A sealed value as stored: `{"sealed": base64(nonce || ciphertext), "key": N}`. An object, so
/// it can never be mistaken for a plain secret (always a string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SealedValue {
    sealed: String,
    key: u32,
}

fn seal_bytes(cipher: &XChaCha20Poly1305, context: &str, plain: &[u8]) -> Result<String, SealError> {
    let nonce = XNonce::try_generate().map_err(|e| SealError::Random(e.to_string()))?;
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plain,
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| SealError::Random("the cipher refused a value".into()))?;
    let mut stored = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
    stored.extend_from_slice(nonce.as_slice());
    stored.extend_from_slice(&ciphertext);
    Ok(STANDARD.encode(stored))
}

/// `Err(None)`: not base64 or too short; `Err(Some(()))`: the tag does not match.
fn open_bytes(cipher: &XChaCha20Poly1305, context: &str, stored: &str) -> Result<Vec<u8>, Option<()>> {
    let bytes = STANDARD.decode(stored).map_err(|_| None)?;
    if bytes.len() < NONCE_BYTES {
        return Err(None);
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
    cipher
        .decrypt(
            &XNonce::try_from(nonce).map_err(|_| None)?,
            Payload {
                msg: ciphertext,
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| Some(()))
}

/// Seals every plain secret field of `record` (a connection or channel as JSON) under `key`.
/// Fields already sealed are left as they are.
pub(crate) fn seal_record(record: &mut Value, owner: Owner<'_>, key: &DataKey) -> Result<(), SealError> {
    for field in owner.secret_fields() {
        if let Some(slot) = record.get_mut(*field)
            && let Value::String(plain) = slot
        {
            let plain = Zeroizing::new(std::mem::take(plain));
            let sealed = seal_bytes(&key.cipher, &owner.context(field), plain.as_bytes())?;
            *slot = json!(SealedValue { sealed, key: key.id });
        }
    }
    Ok(())
}

/// The data key numbers `record`'s sealed fields name (for fetching the keys before opening).
pub(crate) fn sealed_with(record: &Value, owner: Owner<'_>) -> Vec<u32> {
    owner
        .secret_fields()
        .iter()
        .filter_map(|field| record.get(*field))
        .filter_map(|value| serde_json::from_value::<SealedValue>(value.clone()).ok())
        .map(|sealed| sealed.key)
        .collect()
}

/// Whether any of `record`'s secret fields is sealed.
pub(crate) fn is_sealed(record: &Value, owner: Owner<'_>) -> bool {
    !sealed_with(record, owner).is_empty()
}

/// How many of `record`'s secret fields are still plain text.
pub(crate) fn plain_fields(record: &Value, owner: Owner<'_>) -> usize {
    owner
        .secret_fields()
        .iter()
        .filter(|field| record.get(**field).is_some_and(Value::is_string))
        .count()
}

/// Opens every sealed secret field of `record` in place, with the data keys `keys` finds.
pub(crate) fn open_record(
    record: &mut Value,
    owner: Owner<'_>,
    keys: &dyn Fn(u32) -> Option<Arc<DataKey>>,
) -> Result<(), SealError> {
    for field in owner.secret_fields() {
        let Some(slot) = record.get_mut(*field) else {
            continue;
        };
        if !slot.is_object() {
            continue;
        }
        let sealed: SealedValue = serde_json::from_value(slot.clone()).map_err(|e| SealError::Damaged {
            record: owner.describe(),
            field: (*field).to_owned(),
            reason: e.to_string(),
        })?;
        let key = keys(sealed.key).ok_or_else(|| SealError::UnknownDataKey {
            record: owner.describe(),
            field: (*field).to_owned(),
            key: sealed.key,
        })?;
        let plain = open_bytes(&key.cipher, &owner.context(field), &sealed.sealed).map_err(|e| match e {
            None => SealError::Damaged {
                record: owner.describe(),
                field: (*field).to_owned(),
                reason: "it is not a sealed value".into(),
            },
            Some(()) => SealError::DoesNotOpen {
                record: owner.describe(),
                field: (*field).to_owned(),
            },
        })?;
        let text = String::from_utf8(plain).map_err(|_| SealError::DoesNotOpen {
            record: owner.describe(),
            field: (*field).to_owned(),
        })?;
        *slot = Value::String(text);
    }
    Ok(())
}

/// The data keys a store has unwrapped so far, under the instance key it was opened with.
/// Unwrapped once per process: a worker reads a key it has not seen (after a rotation) once.
pub(crate) struct Keyring {
    instance: InstanceKey,
    keys: Mutex<BTreeMap<u32, Arc<DataKey>>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    pub(crate) fn new(instance: InstanceKey) -> Self {
        Self {
            instance,
            keys: Mutex::default(),
        }
    }

    pub(crate) fn instance(&self) -> &InstanceKey {
        &self.instance
    }

    /// The data key numbered `id`, if it has been unwrapped.
    pub(crate) fn get(&self, id: u32) -> Option<Arc<DataKey>> {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&id)
            .cloned()
    }

    /// Whether every data key `record` is sealed under has been unwrapped already.
    pub(crate) fn knows_keys_of(&self, record: &Value, owner: Owner<'_>) -> bool {
        sealed_with(record, owner).iter().all(|id| self.get(*id).is_some())
    }

    /// Unwraps `wrapped` (once) and keeps it.
    pub(crate) fn learn(&self, wrapped: &WrappedKey) -> Result<Arc<DataKey>, SealError> {
        if let Some(known) = self.get(wrapped.id) {
            return Ok(known);
        }
        let key = Arc::new(self.instance.unwrap(wrapped)?);
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(wrapped.id, Arc::clone(&key));
        Ok(key)
    }

    /// Keeps a data key this process made.
    pub(crate) fn keep(&self, key: DataKey) -> Arc<DataKey> {
        let key = Arc::new(key);
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key.id, Arc::clone(&key));
        key
    }

    /// Opens `record`, unwrapping the data keys it names from `stored` where not yet known.
    pub(crate) fn open(&self, record: &mut Value, owner: Owner<'_>, stored: &[WrappedKey]) -> Result<(), SealError> {
        for id in sealed_with(record, owner) {
            if self.get(id).is_none()
                && let Some(wrapped) = stored.iter().find(|k| k.id == id)
            {
                self.learn(wrapped)?;
            }
        }
        open_record(record, owner, &|id| self.get(id))
    }
}

/// How sealed a store is, for `store status`: no secret, only counts and key numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SealingStatus {
    /// Where the store is.
    pub store: String,
    /// The id of the instance key the data keys are wrapped under (`None`: no data key yet).
    pub instance_key: Option<String>,
    /// Every data key the store keeps, newest last, with how many values are sealed under it.
    pub data_keys: Vec<DataKeyUse>,
    /// Secret values still stored as plain text.
    pub plain_values: usize,
    /// Records (connections and channels) looked at.
    pub records: usize,
}

/// One data key and the values sealed under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataKeyUse {
    pub id: u32,
    pub values: usize,
}

impl SealingStatus {
    /// Counts `record`'s secret fields: sealed ones under their key, plain ones apart.
    pub(crate) fn count(&mut self, record: &Value, owner: Owner<'_>) {
        self.records += 1;
        self.plain_values += plain_fields(record, owner);
        for id in sealed_with(record, owner) {
            match self.data_keys.iter_mut().find(|k| k.id == id) {
                Some(known) => known.values += 1,
                None => self.data_keys.push(DataKeyUse { id, values: 1 }),
            }
        }
    }
}

/// What a rotation did: the data key every secret is now sealed under, how many values it
/// re-sealed, and the keys it retired.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rotation {
    pub data_key: u32,
    pub resealed: usize,
    pub retired: Vec<u32>,
    /// Whether it went on with a rotation an earlier run left unfinished.
    pub resumed: bool,
}

/// Whether `record` has a secret that is plain or sealed under a key other than `target`.
pub(crate) fn needs_resealing(record: &Value, owner: Owner<'_>, target: u32) -> bool {
    plain_fields(record, owner) > 0 || sealed_with(record, owner).iter().any(|id| *id != target)
}

/// Re-seals `record` under `target`: opened with whatever keys it names, sealed again.
pub(crate) fn reseal(
    record: &mut Value,
    owner: Owner<'_>,
    keyring: &Keyring,
    stored: &[WrappedKey],
    target: &DataKey,
) -> Result<(), SealError> {
    keyring.open(record, owner, stored)?;
    seal_record(record, owner, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring() -> (Keyring, Arc<DataKey>, WrappedKey) {
        let (instance, _) = InstanceKey::generate().expect("random");
        let (key, wrapped) = instance.new_data_key(1).expect("made");
        let keyring = Keyring::new(instance);
        let key = keyring.keep(key);
        (keyring, key, wrapped)
    }

    #[test]
    fn a_sealed_record_opens_to_what_it_was_and_shows_no_secret() {
        let (keyring, key, wrapped) = keyring();
        let plain =
            json!({"client_id": "1000.X", "client_secret": "shh-secret", "access_token": "1000.tok", "expires_at": 5});
        let mut record = plain.clone();
        seal_record(&mut record, Owner::Connection("acme"), &key).expect("sealed");
        let text = record.to_string();
        assert!(!text.contains("shh-secret") && !text.contains("1000.tok"), "{text}");
        assert_eq!(record["client_id"], "1000.X", "non-secrets stay readable");
        assert_eq!(record["expires_at"], 5);
        keyring
            .open(&mut record, Owner::Connection("acme"), &[wrapped])
            .expect("opens");
        assert_eq!(record, plain);
    }

    #[test]
    fn a_value_moved_to_another_record_or_field_does_not_open() {
        let (keyring, key, wrapped) = keyring();
        let mut acme = json!({"client_secret": "acme-secret", "access_token": "acme-token"});
        seal_record(&mut acme, Owner::Connection("acme"), &key).expect("sealed");

        let mut other = json!({"client_secret": acme["client_secret"].clone()});
        let error = keyring
            .open(&mut other, Owner::Connection("globex"), std::slice::from_ref(&wrapped))
            .expect_err("another row");
        assert!(matches!(error, SealError::DoesNotOpen { .. }), "{error:?}");

        let mut swapped = json!({"client_secret": acme["access_token"].clone()});
        let error = keyring
            .open(&mut swapped, Owner::Connection("acme"), std::slice::from_ref(&wrapped))
            .expect_err("another field");
        assert!(matches!(error, SealError::DoesNotOpen { .. }), "{error:?}");

        let mut channel = json!({"token": acme["client_secret"].clone()});
        let error = keyring
            .open(&mut channel, Owner::Channel("acme"), &[wrapped])
            .expect_err("another kind of record");
        assert!(matches!(error, SealError::DoesNotOpen { .. }), "{error:?}");
    }

    #[test]
    fn every_value_gets_its_own_nonce() {
        let (_, key, _) = keyring();
        let mut first = json!({"token": "same"});
        let mut second = json!({"token": "same"});
        seal_record(&mut first, Owner::Channel("c"), &key).expect("sealed");
        seal_record(&mut second, Owner::Channel("c"), &key).expect("sealed");
        assert_ne!(first, second);
    }

    #[test]
    fn a_data_key_unwraps_only_under_its_instance_key_and_its_number() {
        let (instance, _) = InstanceKey::generate().expect("random");
        let (other, _) = InstanceKey::generate().expect("random");
        let (_, wrapped) = instance.new_data_key(3).expect("made");
        assert!(matches!(
            other.unwrap(&wrapped),
            Err(SealError::WrongInstanceKey { .. })
        ));
        let renumbered = WrappedKey {
            id: 4,
            ..wrapped.clone()
        };
        assert!(instance.unwrap(&renumbered).is_err(), "bound to its number");
        let rewrapped = instance.rewrap(&wrapped, &other).expect("rewrapped");
        assert_eq!(rewrapped.instance_key, other.id());
        assert!(other.unwrap(&rewrapped).is_ok());
        assert!(instance.unwrap(&rewrapped).is_err());
    }

    #[test]
    fn instance_key_text_is_checked_and_never_echoed() {
        let (key, text) = InstanceKey::generate().expect("random");
        assert_eq!(
            InstanceKey::parse(&format!(" {}\n", text.as_str()))
                .expect("parses")
                .id(),
            key.id()
        );
        let short = STANDARD.encode([7_u8; 16]);
        let error = InstanceKey::parse(&short).expect_err("16 bytes");
        assert!(!error.to_string().contains(&short));
        let error = InstanceKey::parse("not base64 !!").expect_err("text");
        assert!(!error.to_string().contains("!!"));
        assert!(!format!("{key:?}").contains(text.as_str()));
    }
}
