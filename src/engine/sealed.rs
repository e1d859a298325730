//! Stateless SecurityContextToken state: the issuer seals everything it must remember about a
//! security context (principal, proof key, lifetime, ...) under its own key and hands the
//! sealed blob out inside the token's identifier, the way Netflix MSL's master token carries
//! its session. Any node holding the [`TokenKeys`] can open it again; nothing is stored.
//!
//! # Wire format (version 1)
//!
//! ```text
//! blob   = header || IV (12) || AES-256-GCM ciphertext || tag (16)
//! header = magic 0xA7 || version 0x01 || key id (u32, big endian)
//! plaintext = header || state
//! state  = str principal || opt act_as || u16 count (str name, str value)* || bytes key
//!          || i64 created_ms || i64 expires_ms || i64 renew_until_ms || u64 instance
//!          || str audience || u64 serial [|| 0x01 str authority]
//! str, bytes = u16 length (big endian) || octets (str: UTF-8)
//! opt    = 0x00 | 0x01 str
//! ```
//!
//! The trailing authority (the trusted issuer a federated principal's name is from) is
//! written only when there is one, so blobs sealed before it existed open unchanged as the
//! state of a local principal; present, it must be exactly `0x01 str`.
//!
//! All integers are big endian. The header is authenticated by repeating it at the start of
//! the GCM plaintext and comparing the copy on opening (the crypto façade's AES-GCM takes no
//! associated data; the guarantee is the same: a changed header, including the key id, makes
//! the blob fail to open). Decoding is strict: unknown magic or version, a state over
//! [`MAX_STATE_LEN`] bytes, trailing bytes, an option tag other than 0 or 1, or invalid UTF-8
//! all fail, and every failure is the single [`Error::Open`].
//!
//! Each seal draws a random 96-bit IV; rotate the sealing key well before 2^32 seals.
//!
//! # Identifier size
//!
//! The identifier is [`IDENTIFIER_PREFIX`] followed by the base64url (unpadded) blob, so its
//! length is `16 + ceil(4 × blob / 3)` with `blob = 46 + state`. A typical state (a 20
//! character principal, two short claims, a 256-bit key, a 40 character audience) is about
//! 150 bytes, giving an identifier of about 280 characters; staying under 600 characters
//! leaves about 380 bytes for principal, claims and audience together.

use base64::Engine as _;
use zeroize::Zeroizing;

use super::keys::Error;
use crate::crypto::{self, BlockCipher, SecretBytes};

/// First byte of every sealed blob.
const MAGIC: u8 = 0xA7;
/// Format version written and accepted.
const VERSION: u8 = 1;
/// Magic, version and key id.
const HEADER_LEN: usize = 6;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Length of a sealing key (AES-256).
const KEY_LEN: usize = 32;

/// Largest encoded state (without the header copy), in bytes.
pub const MAX_STATE_LEN: usize = 64 * 1024;
/// Smallest and largest blob that can open.
const MIN_BLOB_LEN: usize = HEADER_LEN + IV_LEN + HEADER_LEN + TAG_LEN;
const MAX_BLOB_LEN: usize = MIN_BLOB_LEN + MAX_STATE_LEN;
/// Largest identifier that can open (prefix plus base64 of the largest blob).
const MAX_IDENTIFIER_LEN: usize = IDENTIFIER_PREFIX.len() + MAX_BLOB_LEN.div_ceil(3) * 4;

/// The prefix of a `wsc:Identifier` that carries a sealed state.
pub const IDENTIFIER_PREFIX: &str = "urn:wstrust:sct:";

/// The issuer's AES-256 sealing keys, each with a key id; one of them is current and seals,
/// all of them open.
pub struct TokenKeys {
    keys: Vec<(u32, SecretBytes)>,
    current: u32,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("ids", &self.key_ids())
            .field("current", &self.current)
            .finish()
    }
}

impl TokenKeys {
    /// One fresh random key with a random id, current (for a single node whose tokens need
    /// not survive a restart).
    pub fn generate() -> Result<Self, Error> {
        let id = random_id()?;
        Ok(Self {
            keys: vec![(id, crypto::random_secret(KEY_LEN)?)],
            current: id,
        })
    }

    /// The given keys (each exactly 32 bytes, ids distinct), `current` sealing.
    pub fn from_keys(keys: Vec<(u32, SecretBytes)>, current: u32) -> Result<Self, Error> {
        for (i, (id, key)) in keys.iter().enumerate() {
            if key.len() != KEY_LEN {
                return Err(Error::TokenKeys("key is not 32 bytes"));
            }
            if keys.iter().skip(i + 1).any(|(other, _)| other == id) {
                return Err(Error::TokenKeys("duplicate key id"));
            }
        }
        if !keys.iter().any(|(id, _)| *id == current) {
            return Err(Error::TokenKeys("current key id not among the keys"));
        }
        Ok(Self { keys, current })
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> u32 {
        self.current
    }

    /// The ids of all keys, in the order held.
    pub fn key_ids(&self) -> Vec<u32> {
        self.keys.iter().map(|(id, _)| *id).collect()
    }

    /// Adds a fresh random key under a new random id and makes it current; the old keys
    /// still open what they sealed. Returns the new id.
    pub fn rotate(&mut self) -> Result<u32, Error> {
        let mut id = random_id()?;
        let mut tries = 0;
        while self.key(id).is_some() {
            tries += 1;
            if tries > 16 {
                return Err(Error::TokenKeys("no free key id"));
            }
            id = random_id()?;
        }
        self.keys.push((id, crypto::random_secret(KEY_LEN)?));
        self.current = id;
        Ok(id)
    }

    /// Removes key `id` (blobs it sealed no longer open). The current key cannot be retired.
    pub fn retire(&mut self, id: u32) -> Result<(), Error> {
        if id == self.current {
            return Err(Error::TokenKeys("cannot retire the current key"));
        }
        let before = self.keys.len();
        self.keys.retain(|(k, _)| *k != id);
        if self.keys.len() == before {
            return Err(Error::TokenKeys("unknown key id"));
        }
        Ok(())
    }

    fn key(&self, id: u32) -> Option<&SecretBytes> {
        self.keys.iter().find(|(k, _)| *k == id).map(|(_, key)| key)
    }
}

fn random_id() -> Result<u32, Error> {
    let b = crypto::random_bytes(4)?;
    let id = <[u8; 4]>::try_from(b.as_slice()).map_err(|_| Error::TokenKeys("random key id"))?;
    Ok(u32::from_be_bytes(id))
}

/// What the issuer remembers about a security context, carried in its token.
#[derive(Debug, Clone)]
pub struct ContextState {
    /// The authenticated requester.
    pub principal: String,
    /// The identity the requester acts as (`wst:ActAs`), if any.
    pub act_as: Option<String>,
    /// Claims granted, as (name, value) pairs in order.
    pub claims: Vec<(String, String)>,
    /// The context's proof key.
    pub key: SecretBytes,
    /// Issue time, milliseconds since the Unix epoch.
    pub created_ms: i64,
    /// Expiry, milliseconds since the Unix epoch.
    pub expires_ms: i64,
    /// End of the renewal window, milliseconds since the Unix epoch.
    pub renew_until_ms: i64,
    /// `wsc:Instance` of this key generation (renewal increments it).
    pub instance: u64,
    /// The service (`wsp:AppliesTo`) the context is for.
    pub audience: String,
    /// Issuer serial number of the context (for cancellation lists and logs).
    pub serial: u64,
    /// The domain the principal's name is from: `None` for the issuer's own users and
    /// certificates, the trusted issuer's name for a federated subject.
    pub authority: Option<String>,
}

/// Seals `state` under the current key of `keys` (see the module documentation for the
/// format). A state longer than [`MAX_STATE_LEN`] bytes once encoded is [`Error::Seal`].
pub fn seal(keys: &TokenKeys, state: &ContextState) -> Result<Vec<u8>, Error> {
    let key = keys
        .key(keys.current)
        .ok_or(Error::TokenKeys("current key missing"))?;
    let header = header(keys.current);
    let plaintext = encode(&header, state)?;
    let sealed = crypto::encrypt(BlockCipher::Aes256Gcm, key.expose(), &plaintext)?;
    let mut blob = Vec::with_capacity(HEADER_LEN + sealed.len());
    blob.extend_from_slice(&header);
    blob.extend_from_slice(&sealed);
    Ok(blob)
}

/// Opens a blob made by [`seal`] with whichever of `keys` its header names. Every failure
/// (length, magic, version, unknown key id, authentication, decoding) is [`Error::Open`].
pub fn open(keys: &TokenKeys, blob: &[u8]) -> Result<ContextState, Error> {
    if !(MIN_BLOB_LEN..=MAX_BLOB_LEN).contains(&blob.len()) {
        return Err(Error::Open);
    }
    let (head, sealed) = blob.split_at_checked(HEADER_LEN).ok_or(Error::Open)?;
    let [magic, version, a, b, c, d] =
        <[u8; HEADER_LEN]>::try_from(head).map_err(|_| Error::Open)?;
    if magic != MAGIC || version != VERSION {
        return Err(Error::Open);
    }
    let key = keys
        .key(u32::from_be_bytes([a, b, c, d]))
        .ok_or(Error::Open)?;
    let plaintext =
        crypto::decrypt(BlockCipher::Aes256Gcm, key.expose(), sealed).map_err(|_| Error::Open)?;
    match plaintext.expose().split_at_checked(HEADER_LEN) {
        Some((inner, state)) if inner == head => decode(state).ok_or(Error::Open),
        _ => Err(Error::Open),
    }
}

/// Seals arbitrary `plain` bytes under the current key of `keys`, for another purpose than
/// a context state (the nodes' agreed successor signing key): `label || key id (u32) ||
/// AES-256-GCM(plain)` with the label and key id as associated data. A blob sealed under one
/// label never opens under another.
pub fn seal_bytes(keys: &TokenKeys, label: &[u8], plain: &[u8]) -> Result<Vec<u8>, Error> {
    let key = keys
        .key(keys.current)
        .ok_or(Error::TokenKeys("current key missing"))?;
    let mut blob = label.to_vec();
    blob.extend_from_slice(&keys.current.to_be_bytes());
    let sealed = crypto::encrypt_with_aad(BlockCipher::Aes256Gcm, key.expose(), &blob, plain)?;
    blob.extend_from_slice(&sealed);
    Ok(blob)
}

/// Opens a blob made by [`seal_bytes`] with `label`; `None` on any failure.
pub fn open_bytes(keys: &TokenKeys, label: &[u8], blob: &[u8]) -> Option<SecretBytes> {
    let rest = blob.strip_prefix(label)?;
    let (id, sealed) = rest.split_first_chunk::<4>()?;
    let aad = blob.get(..label.len() + 4)?;
    let key = keys.key(u32::from_be_bytes(*id))?;
    crypto::decrypt_with_aad(BlockCipher::Aes256Gcm, key.expose(), aad, sealed).ok()
}

/// The `wsc:Identifier` carrying a sealed state: [`IDENTIFIER_PREFIX`] followed by the
/// unpadded base64url encoding of `blob`.
pub fn identifier(blob: &[u8]) -> String {
    let mut id = String::with_capacity(IDENTIFIER_PREFIX.len() + blob.len().div_ceil(3) * 4);
    id.push_str(IDENTIFIER_PREFIX);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(blob, &mut id);
    id
}

/// Opens the state carried by an identifier made by [`identifier`]. The text must be exact
/// (callers trim XML white space first); every failure is [`Error::Open`].
pub fn from_identifier(keys: &TokenKeys, id: &str) -> Result<ContextState, Error> {
    if id.len() > MAX_IDENTIFIER_LEN {
        return Err(Error::Open);
    }
    let encoded = id.strip_prefix(IDENTIFIER_PREFIX).ok_or(Error::Open)?;
    let blob = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| Error::Open)?;
    open(keys, &blob)
}

fn header(key_id: u32) -> [u8; HEADER_LEN] {
    let [a, b, c, d] = key_id.to_be_bytes();
    [MAGIC, VERSION, a, b, c, d]
}

/// Length of a u16-prefixed field.
fn field_len(len: usize) -> Option<usize> {
    len.checked_add(2)
}

fn encoded_len(state: &ContextState) -> Option<usize> {
    let mut n = field_len(state.principal.len())?;
    n = n.checked_add(1)?;
    if let Some(a) = &state.act_as {
        n = n.checked_add(field_len(a.len())?)?;
    }
    n = n.checked_add(2)?;
    for (name, value) in &state.claims {
        n = n.checked_add(field_len(name.len())?)?;
        n = n.checked_add(field_len(value.len())?)?;
    }
    n = n.checked_add(field_len(state.key.len())?)?;
    n = n.checked_add(3 * 8)?;
    n = n.checked_add(8)?;
    n = n.checked_add(field_len(state.audience.len())?)?;
    n = n.checked_add(8)?;
    match &state.authority {
        None => Some(n),
        Some(a) => n.checked_add(1 + field_len(a.len())?),
    }
}

/// The plaintext: the header copy, then the state. Held in a zeroizing buffer throughout
/// (it contains the proof key).
fn encode(header: &[u8; HEADER_LEN], state: &ContextState) -> Result<Zeroizing<Vec<u8>>, Error> {
    let len = encoded_len(state)
        .filter(|&n| n <= MAX_STATE_LEN)
        .ok_or(Error::Seal("state longer than 64 KiB"))?;
    // Exact capacity: the buffer never reallocates, so no copy of the key is left behind.
    let mut out = Zeroizing::new(Vec::with_capacity(HEADER_LEN + len));
    out.extend_from_slice(header);
    put_field(&mut out, state.principal.as_bytes())?;
    match &state.act_as {
        None => out.push(0),
        Some(a) => {
            out.push(1);
            put_field(&mut out, a.as_bytes())?;
        }
    }
    let count = u16::try_from(state.claims.len()).map_err(|_| Error::Seal("too many claims"))?;
    out.extend_from_slice(&count.to_be_bytes());
    for (name, value) in &state.claims {
        put_field(&mut out, name.as_bytes())?;
        put_field(&mut out, value.as_bytes())?;
    }
    put_field(&mut out, state.key.expose())?;
    for t in [state.created_ms, state.expires_ms, state.renew_until_ms] {
        out.extend_from_slice(&t.to_be_bytes());
    }
    out.extend_from_slice(&state.instance.to_be_bytes());
    put_field(&mut out, state.audience.as_bytes())?;
    out.extend_from_slice(&state.serial.to_be_bytes());
    if let Some(a) = &state.authority {
        out.push(1);
        put_field(&mut out, a.as_bytes())?;
    }
    Ok(out)
}

fn put_field(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), Error> {
    let len = u16::try_from(bytes.len()).map_err(|_| Error::Seal("field longer than 64 KiB"))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// Strict decoding of the state (after the header copy); `None` on any defect.
fn decode(state: &[u8]) -> Option<ContextState> {
    if state.len() > MAX_STATE_LEN {
        return None;
    }
    let mut r = Reader(state);
    let principal = r.string()?;
    let act_as = match r.u8()? {
        0 => None,
        1 => Some(r.string()?),
        _ => return None,
    };
    let count = r.u16()?;
    let mut claims = Vec::new();
    for _ in 0..count {
        let name = r.string()?;
        let value = r.string()?;
        claims.push((name, value));
    }
    let key = SecretBytes::from_slice(r.field()?);
    let created_ms = i64::from_be_bytes(r.array()?);
    let expires_ms = i64::from_be_bytes(r.array()?);
    let renew_until_ms = i64::from_be_bytes(r.array()?);
    let instance = u64::from_be_bytes(r.array()?);
    let audience = r.string()?;
    let serial = u64::from_be_bytes(r.array()?);
    let authority = match r.0 {
        [] => None,
        [1, ..] => {
            r.u8()?;
            Some(r.string()?)
        }
        _ => return None,
    };
    if !r.0.is_empty() {
        return None;
    }
    Some(ContextState {
        principal,
        act_as,
        claims,
        key,
        created_ms,
        expires_ms,
        renew_until_ms,
        instance,
        audience,
        serial,
        authority,
    })
}

/// The unread rest of the input.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        let [b] = self.array()?;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.array()?))
    }

    fn field(&mut self) -> Option<&'a [u8]> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    fn string(&mut self) -> Option<String> {
        std::str::from_utf8(self.field()?).ok().map(str::to_owned)
    }
}

#[cfg(test)]
mod tests;
