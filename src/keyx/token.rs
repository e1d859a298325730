//! Master tokens: sealing under the STS token keys, opening, and the message MAC check that a
//! service sharing those keys performs.
//!
//! Format (as MSL's `mastertoken`, with one addition, the clear `keyid`):
//!
//! * `tokendata`: UTF-8 JSON `{"expiration":s,"keyid":n,"renewalwindow":s,
//!   "sequencenumber":n,"serialnumber":n,"sessiondata":"<base64>"}` (times in seconds since
//!   the epoch; numbers below 2^53 as in MSL);
//! * `sessiondata`: AES-256-GCM (random 12-byte IV ‖ ciphertext ‖ tag) of a compact binary
//!   record — version 1, the encryption key, the HMAC key, the identity and the issuer, each
//!   length-prefixed — so the session keys never sit in an unzeroized JSON string;
//! * `signature`: HMAC-SHA256 over the `tokendata` bytes (encrypt-then-MAC, as MSL does).
//!
//! Both the encryption key and the signing key derive from the token key named by `keyid`
//! (HMAC-SHA256 of the key over a fixed label each), so one secret per key id is configured
//! and rotation means adding a new id and making it current while old ids still open the
//! tokens they sealed. A token is trusted only after its signature verifies; an unknown key
//! id, a bad signature or undecryptable session data are all [`ErrorCode::MasterTokenTampered`].

use base64::Engine as _;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::crypto::{self, hmac_sign, hmac_verify, BlockCipher, HmacAlgorithm, SecretBytes};

use super::error::{err, ErrorCode, KeyxError, Result};
use super::model::{MasterToken, SessionKeys, MAC_LEN};

/// Largest sequence or serial number (MSL: 2^53 − 1).
pub const MAX_NUMBER: u64 = (1 << 53) - 1;
/// Largest `tokendata` accepted, in bytes.
pub const MAX_TOKEN_DATA: usize = 8192;
/// Largest identity or issuer, in bytes.
pub const MAX_NAME: usize = 1024;
/// Shortest token key, in bytes.
pub const MIN_TOKEN_KEY: usize = 32;

const ENC_LABEL: &[u8] = b"wstrust keyx mastertoken encryption v1";
const SIG_LABEL: &[u8] = b"wstrust keyx mastertoken signature v1";
const SESSION_VERSION: u8 = 1;

/// The STS token keys: secrets by key id, one of them current (used to seal). Keys are at
/// least [`MIN_TOKEN_KEY`] bytes.
#[derive(Clone, Debug)]
pub struct MasterTokenKeys {
    keys: Vec<(u32, SecretBytes)>,
    current: u32,
}

impl MasterTokenKeys {
    /// A key set. Ids must be unique, every key at least [`MIN_TOKEN_KEY`] bytes and
    /// `current` one of the ids; otherwise [`ErrorCode::Internal`].
    pub fn new(keys: Vec<(u32, SecretBytes)>, current: u32) -> Result<Self> {
        let mut ids: Vec<u32> = keys.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != keys.len() {
            return err(ErrorCode::Internal, "duplicate token key id");
        }
        if keys.iter().any(|(_, k)| k.len() < MIN_TOKEN_KEY) {
            return err(ErrorCode::Internal, "token key shorter than 32 bytes");
        }
        if !ids.contains(&current) {
            return err(ErrorCode::Internal, "current token key id not in the set");
        }
        Ok(Self { keys, current })
    }

    /// A set of one key, current.
    pub fn single(id: u32, key: SecretBytes) -> Result<Self> {
        Self::new(vec![(id, key)], id)
    }

    /// The id that seals new tokens.
    pub fn current_id(&self) -> u32 {
        self.current
    }

    fn key(&self, id: u32) -> Option<&SecretBytes> {
        self.keys.iter().find(|(i, _)| *i == id).map(|(_, k)| k)
    }

    fn derived(&self, id: u32, label: &[u8]) -> Option<SecretBytes> {
        self.key(id)
            .map(|k| SecretBytes::new(hmac_sign(HmacAlgorithm::Sha256, k.expose(), label)))
    }
}

/// The content of a master token. [`open`] fills every field; [`seal`] ignores `key_id` and
/// seals with the current key.
#[derive(Clone, Debug)]
pub struct MasterTokenClaims {
    /// When the renewal window opens (seconds since the epoch).
    pub renewal_window: i64,
    /// When the token expires (seconds since the epoch), not before `renewal_window`.
    pub expiration: i64,
    /// Incremented by one at each renewal.
    pub sequence_number: u64,
    /// Fixed for the life of the token and all its renewals.
    pub serial_number: u64,
    /// The token key id that sealed the token.
    pub key_id: u32,
    /// Who issued the token (MSL `issuerdata`).
    pub issuer: String,
    /// The entity the token represents (MSL `identity`).
    pub identity: String,
    /// The session keys.
    pub session: SessionKeys,
}

impl MasterTokenClaims {
    /// Whether the token has expired at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expiration
    }

    /// Whether the renewal window is open at `now`.
    pub fn in_renewal_window(&self, now: i64) -> bool {
        now >= self.renewal_window
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn push_field(out: &mut Vec<u8>, field: &[u8], two_bytes: bool) -> Result<()> {
    if two_bytes {
        let len = u16::try_from(field.len())
            .map_err(|_| KeyxError::new(ErrorCode::Internal, "session field too long"))?;
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        let len = u8::try_from(field.len())
            .map_err(|_| KeyxError::new(ErrorCode::Internal, "session key too long"))?;
        out.push(len);
    }
    out.extend_from_slice(field);
    Ok(())
}

/// Seals `claims` into a master token with the current key of `keys`.
pub fn seal(claims: &MasterTokenClaims, keys: &MasterTokenKeys) -> Result<MasterToken> {
    if claims.expiration < claims.renewal_window
        || claims.sequence_number > MAX_NUMBER
        || claims.serial_number > MAX_NUMBER
        || claims.identity.len() > MAX_NAME
        || claims.issuer.len() > MAX_NAME
    {
        return err(ErrorCode::Internal, "master token claims out of range");
    }
    let id = keys.current;
    let (Some(enc), Some(sig)) = (keys.derived(id, ENC_LABEL), keys.derived(id, SIG_LABEL)) else {
        return err(ErrorCode::Internal, "current token key missing");
    };
    // Sized up front so no reallocation leaves key bytes behind in freed memory.
    let mut plain = Zeroizing::new(Vec::with_capacity(
        8 + claims.session.encryption.len()
            + claims.session.hmac.len()
            + claims.identity.len()
            + claims.issuer.len(),
    ));
    plain.push(SESSION_VERSION);
    push_field(&mut plain, claims.session.encryption.expose(), false)?;
    push_field(&mut plain, claims.session.hmac.expose(), false)?;
    push_field(&mut plain, claims.identity.as_bytes(), true)?;
    push_field(&mut plain, claims.issuer.as_bytes(), true)?;
    let sessiondata = crypto::encrypt(BlockCipher::Aes256Gcm, enc.expose(), &plain)
        .map_err(|_| KeyxError::new(ErrorCode::Internal, "session data encryption failed"))?;
    let mut map = Map::new();
    map.insert("renewalwindow".into(), claims.renewal_window.into());
    map.insert("expiration".into(), claims.expiration.into());
    map.insert("sequencenumber".into(), claims.sequence_number.into());
    map.insert("serialnumber".into(), claims.serial_number.into());
    map.insert("keyid".into(), id.into());
    map.insert("sessiondata".into(), b64().encode(sessiondata).into());
    let token_data = serde_json::to_vec(&Value::Object(map))
        .map_err(|_| KeyxError::new(ErrorCode::Internal, "token data encoding failed"))?;
    let signature = hmac_sign(HmacAlgorithm::Sha256, sig.expose(), &token_data);
    Ok(MasterToken {
        token_data,
        signature,
    })
}

fn malformed<T>(detail: &'static str) -> Result<T> {
    err(ErrorCode::MasterTokenMalformed, detail)
}

fn tampered<T>(detail: &'static str) -> Result<T> {
    err(ErrorCode::MasterTokenTampered, detail)
}

fn number(map: &Map<String, Value>, key: &str) -> Result<u64> {
    match map.get(key).and_then(Value::as_u64) {
        Some(n) if n <= MAX_NUMBER => Ok(n),
        _ => malformed("master token number missing or out of range"),
    }
}

fn time(map: &Map<String, Value>, key: &str) -> Result<i64> {
    match map.get(key).and_then(Value::as_i64) {
        Some(t) if t >= 0 => Ok(t),
        _ => malformed("master token time missing or negative"),
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    fn field(&mut self, two_bytes: bool) -> Option<&'a [u8]> {
        let n = if two_bytes {
            let b = self.take(2)?;
            usize::from(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
        } else {
            usize::from(*self.take(1)?.first()?)
        };
        self.take(n)
    }
}

/// Verifies and opens a master token. Errors: [`ErrorCode::MasterTokenMalformed`] for a
/// token that is not in our format, [`ErrorCode::MasterTokenTampered`] for an unknown key
/// id, a signature that does not verify or session data that does not decrypt.
pub fn open(token: &MasterToken, keys: &MasterTokenKeys) -> Result<MasterTokenClaims> {
    if token.token_data.is_empty() || token.token_data.len() > MAX_TOKEN_DATA {
        return malformed("master token data empty or too large");
    }
    if token.signature.len() != MAC_LEN {
        return tampered("master token signature of the wrong length");
    }
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&token.token_data) else {
        return tampered("master token data is not a json object");
    };
    let Some(Ok(key_id)) = map.get("keyid").and_then(Value::as_u64).map(u32::try_from) else {
        return tampered("master token key id missing");
    };
    let (Some(enc), Some(sig)) = (
        keys.derived(key_id, ENC_LABEL),
        keys.derived(key_id, SIG_LABEL),
    ) else {
        return tampered("unknown master token key id");
    };
    if hmac_verify(
        HmacAlgorithm::Sha256,
        sig.expose(),
        &token.token_data,
        &token.signature,
    )
    .is_err()
    {
        return tampered("master token signature does not verify");
    }
    // Signed by us from here on.
    let renewal_window = time(&map, "renewalwindow")?;
    let expiration = time(&map, "expiration")?;
    if expiration < renewal_window {
        return malformed("master token expires before its renewal window");
    }
    let sequence_number = number(&map, "sequencenumber")?;
    let serial_number = number(&map, "serialnumber")?;
    let Some(sessiondata) = map
        .get("sessiondata")
        .and_then(Value::as_str)
        .and_then(|s| b64().decode(s).ok())
    else {
        return malformed("master token session data missing");
    };
    let plain = crypto::decrypt(BlockCipher::Aes256Gcm, enc.expose(), &sessiondata)
        .or_else(|_| tampered("master token session data does not decrypt"))?;
    let mut r = Reader(plain.expose());
    let parsed = (|| {
        if r.take(1)? != [SESSION_VERSION] {
            return None;
        }
        let e = SecretBytes::from_slice(r.field(false)?);
        let h = SecretBytes::from_slice(r.field(false)?);
        let identity = String::from_utf8(r.field(true)?.to_vec()).ok()?;
        let issuer = String::from_utf8(r.field(true)?.to_vec()).ok()?;
        r.0.is_empty().then_some((e, h, identity, issuer))
    })();
    let Some((e, h, identity, issuer)) = parsed else {
        return malformed("master token session data does not parse");
    };
    let session = SessionKeys::new(e, h)
        .or_else(|_| malformed("master token session keys of the wrong length"))?;
    Ok(MasterTokenClaims {
        renewal_window,
        expiration,
        sequence_number,
        serial_number,
        key_id,
        issuer,
        identity,
        session,
    })
}

/// Checks, for a service that shares the STS token keys, that `mac` is the HMAC-SHA256 of
/// `message` under the session HMAC key of `token`, and that the token has not expired at
/// `now`. Returns the token's claims (identity, serial number, ...). Whether a newer token
/// has been issued for the serial number is the store's business: see
/// [`super::lifecycle::check_sequence`].
pub fn verify_message_mac(
    token: &MasterToken,
    keys: &MasterTokenKeys,
    message: &[u8],
    mac: &[u8],
    now: i64,
) -> Result<MasterTokenClaims> {
    let claims = open(token, keys)?;
    if claims.is_expired(now) {
        return err(ErrorCode::MasterTokenExpired, "master token has expired");
    }
    if !claims.session.verify_mac(message, mac) {
        return err(
            ErrorCode::MessageMacInvalid,
            "message mac does not verify under the session key",
        );
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(id: u32, byte: u8) -> MasterTokenKeys {
        MasterTokenKeys::single(id, SecretBytes::new(vec![byte; 32])).unwrap()
    }

    fn claims() -> MasterTokenClaims {
        MasterTokenClaims {
            renewal_window: 1_000,
            expiration: 2_000,
            sequence_number: 7,
            serial_number: MAX_NUMBER,
            key_id: 0,
            issuer: "sts".into(),
            identity: "alice".into(),
            session: SessionKeys::new(SecretBytes::new(vec![1; 16]), SecretBytes::new(vec![2; 32]))
                .unwrap(),
        }
    }

    #[test]
    fn seal_open_round_trip_and_rotation() {
        let k1 = keys(1, 0x11);
        let t = seal(&claims(), &k1).unwrap();
        let c = open(&t, &k1).unwrap();
        assert_eq!(
            (
                c.renewal_window,
                c.expiration,
                c.sequence_number,
                c.serial_number,
                c.key_id
            ),
            (1_000, 2_000, 7, MAX_NUMBER, 1)
        );
        assert_eq!((c.issuer.as_str(), c.identity.as_str()), ("sts", "alice"));
        assert!(c.session.same_as(&claims().session));
        // The key id is in the clear; the session keys are not.
        let text = String::from_utf8(t.token_data.clone()).unwrap();
        assert!(text.contains("\"keyid\":1"), "{text}");
        assert!(!text.contains("alice"));
        // Rotation: a set with a new current key still opens the old token.
        let rotated = MasterTokenKeys::new(
            vec![
                (1, SecretBytes::new(vec![0x11; 32])),
                (2, SecretBytes::new(vec![0x22; 48])),
            ],
            2,
        )
        .unwrap();
        assert_eq!(open(&t, &rotated).unwrap().key_id, 1);
        let t2 = seal(&claims(), &rotated).unwrap();
        assert_eq!(open(&t2, &rotated).unwrap().key_id, 2);
        // Without key 1 the old token is refused.
        let only2 = keys(2, 0x22);
        assert_eq!(
            open(&t, &only2).unwrap_err().code,
            ErrorCode::MasterTokenTampered
        );
        // Same id, different secret.
        assert_eq!(
            open(&t, &keys(1, 0x12)).unwrap_err().code,
            ErrorCode::MasterTokenTampered
        );
    }

    #[test]
    fn every_flipped_byte_is_tampering() {
        let k = keys(5, 0x55);
        let t = seal(&claims(), &k).unwrap();
        for i in 0..t.token_data.len() {
            let mut bad = t.clone();
            bad.token_data[i] ^= 0x01;
            let code = open(&bad, &k).unwrap_err().code;
            assert!(
                matches!(code, ErrorCode::MasterTokenTampered),
                "byte {i}: {code}"
            );
        }
        for i in 0..t.signature.len() {
            let mut bad = t.clone();
            bad.signature[i] ^= 0x80;
            assert_eq!(
                open(&bad, &k).unwrap_err().code,
                ErrorCode::MasterTokenTampered
            );
        }
        let mut short = t.clone();
        short.signature.pop();
        assert_eq!(
            open(&short, &k).unwrap_err().code,
            ErrorCode::MasterTokenTampered
        );
        let empty = MasterToken {
            token_data: vec![],
            signature: t.signature,
        };
        assert_eq!(
            open(&empty, &k).unwrap_err().code,
            ErrorCode::MasterTokenMalformed
        );
    }

    #[test]
    fn message_mac_check() {
        let k = keys(3, 0x33);
        let t = seal(&claims(), &k).unwrap();
        let mac = claims().session.mac(b"hello");
        let c = verify_message_mac(&t, &k, b"hello", &mac, 1_500).unwrap();
        assert_eq!(c.identity, "alice");
        assert_eq!(
            verify_message_mac(&t, &k, b"hellO", &mac, 1_500)
                .unwrap_err()
                .code,
            ErrorCode::MessageMacInvalid
        );
        assert_eq!(
            verify_message_mac(&t, &k, b"hello", &mac[..16], 1_500)
                .unwrap_err()
                .code,
            ErrorCode::MessageMacInvalid
        );
        assert_eq!(
            verify_message_mac(&t, &k, b"hello", &mac, 2_000)
                .unwrap_err()
                .code,
            ErrorCode::MasterTokenExpired
        );
        assert_eq!(
            verify_message_mac(&t, &keys(3, 0x34), b"hello", &mac, 1_500)
                .unwrap_err()
                .code,
            ErrorCode::MasterTokenTampered
        );
    }

    #[test]
    fn key_set_rules() {
        let k = || SecretBytes::new(vec![0; 32]);
        assert!(MasterTokenKeys::new(vec![(1, k()), (1, k())], 1).is_err());
        assert!(MasterTokenKeys::new(vec![(1, k())], 2).is_err());
        assert!(MasterTokenKeys::new(vec![(1, SecretBytes::new(vec![0; 31]))], 1).is_err());
        assert_eq!(MasterTokenKeys::single(9, k()).unwrap().current_id(), 9);
        let mut bad = claims();
        bad.expiration = 999;
        assert!(seal(&bad, &keys(1, 1)).is_err());
        let mut big = claims();
        big.sequence_number = MAX_NUMBER + 1;
        assert!(seal(&big, &keys(1, 1)).is_err());
    }
}
