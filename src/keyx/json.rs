//! The JSON wire form (MSL's field names; binary values in standard base64 with padding).
//!
//! ```text
//! request  {"scheme":"ASYMMETRIC_WRAPPED"|"DH",
//!           "keydata":{"keypairid":s,"mechanism":"RSA"|"ECC","publickey":b64}
//!                   | {"parametersid":s,"publickey":b64},
//!           "authdata":{"scheme":"USERNAME_PASSWORD","username":s,"password":s}
//!                    | {"scheme":"X509","certificate":b64,"signature":b64},   (optional)
//!           "mastertoken":{"tokendata":b64,"signature":b64},                  (renewal only)
//!           "mac":b64}                                                        (renewal only)
//! response {"mastertoken":{...},"scheme":..,
//!           "keydata":{"keypairid":s,"encryptionkey":b64,"hmackey":b64}
//!                   | {"parametersid":s,"publickey":b64}}
//! unchanged renewal {"mastertoken":{...}}
//! error    {"error":{"code":"<STABLE_CODE>","message":"..."}}
//! ```
//!
//! Unknown members are ignored (as MSL does); a member of the wrong type, bad base64 or a
//! document over [`MAX_JSON`] bytes is malformed. `"DIFFIE_HELLMAN"` is read as `"DH"`.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::crypto::SecretBytes;

use super::error::{ErrorCode, KeyxError, Result};
use super::model::{
    AuthData, KeyRequest, KeyRequestData, KeyResponse, KeyResponseData, MasterToken, Mechanism,
    RenewOutcome, Renewal, Scheme,
};

/// Largest JSON document read, in bytes.
pub const MAX_JSON: usize = 64 * 1024;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Reads members of one object, reporting failures with one error code.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    code: ErrorCode,
}

impl<'a> Obj<'a> {
    fn fail<T>(&self, detail: &'static str) -> Result<T> {
        Err(KeyxError::new(self.code, detail))
    }

    fn of(value: Option<&'a Value>, code: ErrorCode, detail: &'static str) -> Result<Self> {
        match value {
            Some(Value::Object(map)) => Ok(Self { map, code }),
            _ => Err(KeyxError::new(code, detail)),
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    fn string(&self, key: &str, detail: &'static str) -> Result<&'a str> {
        match self.map.get(key) {
            Some(Value::String(s)) => Ok(s),
            _ => self.fail(detail),
        }
    }

    fn bytes(&self, key: &str, detail: &'static str) -> Result<Vec<u8>> {
        let s = self.string(key, detail)?;
        match b64().decode(s) {
            Ok(b) if !b.is_empty() => Ok(b),
            _ => self.fail(detail),
        }
    }
}

fn parse_document(bytes: &[u8], code: ErrorCode) -> Result<Value> {
    if bytes.len() > MAX_JSON {
        return Err(KeyxError::new(code, "json document too large"));
    }
    serde_json::from_slice(bytes).map_err(|_| KeyxError::new(code, "not json"))
}

fn master_token(value: Option<&Value>) -> Result<MasterToken> {
    let o = Obj::of(
        value,
        ErrorCode::MasterTokenMalformed,
        "mastertoken is not an object",
    )?;
    Ok(MasterToken {
        token_data: o.bytes("tokendata", "mastertoken tokendata missing or not base64")?,
        signature: o.bytes("signature", "mastertoken signature missing or not base64")?,
    })
}

fn master_token_json(t: &MasterToken) -> Value {
    json!({
        "tokendata": b64().encode(&t.token_data),
        "signature": b64().encode(&t.signature),
    })
}

fn request_data(root: &Obj<'_>) -> Result<KeyRequestData> {
    let scheme = Scheme::parse(root.string("scheme", "scheme missing")?)?;
    let kd = Obj::of(root.get("keydata"), root.code, "keydata missing")?;
    Ok(match scheme {
        Scheme::AsymmetricWrapped => KeyRequestData::AsymmetricWrapped {
            key_pair_id: kd.string("keypairid", "keypairid missing")?.to_owned(),
            mechanism: Mechanism::parse(kd.string("mechanism", "mechanism missing")?)?,
            public_key: kd.bytes("publickey", "publickey missing or not base64")?,
        },
        Scheme::DiffieHellman => KeyRequestData::DiffieHellman {
            parameters_id: kd
                .string("parametersid", "parametersid missing")?
                .to_owned(),
            public_key: kd.bytes("publickey", "publickey missing or not base64")?,
        },
    })
}

fn auth_data(value: &Value) -> Result<AuthData> {
    let o = Obj::of(
        Some(value),
        ErrorCode::MalformedRequest,
        "authdata is not an object",
    )?;
    match o.string("scheme", "authdata scheme missing")? {
        "USERNAME_PASSWORD" => Ok(AuthData::UsernamePassword {
            username: o.string("username", "username missing")?.to_owned(),
            password: SecretBytes::from_slice(o.string("password", "password missing")?.as_bytes()),
        }),
        "X509" => Ok(AuthData::X509 {
            certificate: o.bytes("certificate", "certificate missing or not base64")?,
            signature: o.bytes("signature", "signature missing or not base64")?,
        }),
        _ => Err(KeyxError::new(
            ErrorCode::UnknownAuthScheme,
            "unknown authdata scheme",
        )),
    }
}

/// Parses a key request.
pub fn parse_request(bytes: &[u8]) -> Result<KeyRequest> {
    let doc = parse_document(bytes, ErrorCode::MalformedRequest)?;
    let root = Obj::of(
        Some(&doc),
        ErrorCode::MalformedRequest,
        "request is not an object",
    )?;
    let data = request_data(&root)?;
    let auth = root.get("authdata").map(auth_data).transpose()?;
    let renewal = match root.get("mastertoken") {
        None => {
            if root.get("mac").is_some() {
                return root.fail("mac without mastertoken");
            }
            None
        }
        token => Some(Renewal {
            master_token: master_token(token)?,
            mac: match root.get("mac") {
                None => None,
                Some(_) => Some(root.bytes("mac", "mac not base64")?),
            },
        }),
    };
    Ok(KeyRequest {
        data,
        auth,
        renewal,
    })
}

fn request_keydata(d: &KeyRequestData) -> Value {
    match d {
        KeyRequestData::AsymmetricWrapped {
            key_pair_id,
            mechanism,
            public_key,
        } => json!({
            "keypairid": key_pair_id,
            "mechanism": mechanism.as_str(),
            "publickey": b64().encode(public_key),
        }),
        KeyRequestData::DiffieHellman {
            parameters_id,
            public_key,
        } => json!({
            "parametersid": parameters_id,
            "publickey": b64().encode(public_key),
        }),
    }
}

/// Writes a key request. A password that is not UTF-8 is written with replacement
/// characters (it cannot be carried in JSON otherwise).
pub fn write_request(request: &KeyRequest) -> String {
    let mut root = Map::new();
    root.insert("scheme".into(), request.data.scheme().as_str().into());
    root.insert("keydata".into(), request_keydata(&request.data));
    match &request.auth {
        None => {}
        Some(AuthData::UsernamePassword { username, password }) => {
            root.insert(
                "authdata".into(),
                json!({
                    "scheme": "USERNAME_PASSWORD",
                    "username": username,
                    "password": String::from_utf8_lossy(password.expose()),
                }),
            );
        }
        Some(AuthData::X509 {
            certificate,
            signature,
        }) => {
            root.insert(
                "authdata".into(),
                json!({
                    "scheme": "X509",
                    "certificate": b64().encode(certificate),
                    "signature": b64().encode(signature),
                }),
            );
        }
    }
    if let Some(r) = &request.renewal {
        root.insert("mastertoken".into(), master_token_json(&r.master_token));
        if let Some(mac) = &r.mac {
            root.insert("mac".into(), b64().encode(mac).into());
        }
    }
    Value::Object(root).to_string()
}

fn response_keydata(d: &KeyResponseData) -> Value {
    match d {
        KeyResponseData::AsymmetricWrapped {
            key_pair_id,
            encryption_key,
            hmac_key,
        } => json!({
            "keypairid": key_pair_id,
            "encryptionkey": b64().encode(encryption_key),
            "hmackey": b64().encode(hmac_key),
        }),
        KeyResponseData::DiffieHellman {
            parameters_id,
            public_key,
        } => json!({
            "parametersid": parameters_id,
            "publickey": b64().encode(public_key),
        }),
    }
}

/// Writes a key response.
pub fn write_response(response: &KeyResponse) -> String {
    json!({
        "mastertoken": master_token_json(&response.master_token),
        "scheme": response.data.scheme().as_str(),
        "keydata": response_keydata(&response.data),
    })
    .to_string()
}

/// Writes the answer to a renewal request: a key response, or `{"mastertoken":{...}}` alone
/// when the token is returned unchanged.
pub fn write_outcome(outcome: &RenewOutcome) -> String {
    match outcome {
        RenewOutcome::Renewed(r) => write_response(r),
        RenewOutcome::Unchanged(t) => json!({ "mastertoken": master_token_json(t) }).to_string(),
    }
}

fn response_from(root: &Obj<'_>) -> Result<KeyResponse> {
    let master_token = master_token(root.get("mastertoken"))?;
    let scheme = Scheme::parse(root.string("scheme", "scheme missing")?)?;
    let kd = Obj::of(root.get("keydata"), root.code, "keydata missing")?;
    let data = match scheme {
        Scheme::AsymmetricWrapped => KeyResponseData::AsymmetricWrapped {
            key_pair_id: kd.string("keypairid", "keypairid missing")?.to_owned(),
            encryption_key: kd.bytes("encryptionkey", "encryptionkey missing or not base64")?,
            hmac_key: kd.bytes("hmackey", "hmackey missing or not base64")?,
        },
        Scheme::DiffieHellman => KeyResponseData::DiffieHellman {
            parameters_id: kd
                .string("parametersid", "parametersid missing")?
                .to_owned(),
            public_key: kd.bytes("publickey", "publickey missing or not base64")?,
        },
    };
    Ok(KeyResponse { master_token, data })
}

fn response_root(bytes: &[u8]) -> Result<Value> {
    let doc = parse_document(bytes, ErrorCode::MalformedResponse)?;
    if let Some(code) = parse_error_value(&doc) {
        return Err(KeyxError::new(code, "the peer answered with an error"));
    }
    Ok(doc)
}

/// Parses a key response. An error document becomes an error with its code.
pub fn parse_response(bytes: &[u8]) -> Result<KeyResponse> {
    let doc = response_root(bytes)?;
    let root = Obj::of(
        Some(&doc),
        ErrorCode::MalformedResponse,
        "response is not an object",
    )?;
    response_from(&root)
}

/// Parses the answer to a renewal request (see [`write_outcome`]).
pub fn parse_outcome(bytes: &[u8]) -> Result<RenewOutcome> {
    let doc = response_root(bytes)?;
    let root = Obj::of(
        Some(&doc),
        ErrorCode::MalformedResponse,
        "response is not an object",
    )?;
    if root.get("scheme").is_none() && root.get("keydata").is_none() {
        Ok(RenewOutcome::Unchanged(master_token(
            root.get("mastertoken"),
        )?))
    } else {
        response_from(&root).map(RenewOutcome::Renewed)
    }
}

/// Writes an error document: `{"error":{"code":..,"message":..}}`.
pub fn write_error(error: &KeyxError) -> String {
    json!({
        "error": { "code": error.code.as_str(), "message": error.detail }
    })
    .to_string()
}

fn parse_error_value(doc: &Value) -> Option<ErrorCode> {
    let code = doc.get("error")?.get("code")?.as_str()?;
    Some(ErrorCode::parse(code).unwrap_or(ErrorCode::Internal))
}

/// The code of an error document (an unknown code reads as [`ErrorCode::Internal`]); `None`
/// when `bytes` is not an error document.
pub fn parse_error(bytes: &[u8]) -> Option<ErrorCode> {
    parse_document(bytes, ErrorCode::MalformedResponse)
        .ok()
        .as_ref()
        .and_then(parse_error_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trip_with_everything() {
        let req = KeyRequest {
            data: KeyRequestData::AsymmetricWrapped {
                key_pair_id: "kp-1".into(),
                mechanism: Mechanism::Rsa,
                public_key: vec![1, 2, 3],
            },
            auth: Some(AuthData::UsernamePassword {
                username: "bob".into(),
                password: SecretBytes::from_slice(b"pw\"\\"),
            }),
            renewal: Some(Renewal {
                master_token: MasterToken {
                    token_data: vec![9; 5],
                    signature: vec![8; 32],
                },
                mac: Some(vec![7; 32]),
            }),
        };
        let text = write_request(&req);
        let back = parse_request(text.as_bytes()).unwrap();
        assert_eq!(back.data, req.data);
        assert_eq!(back.renewal, req.renewal);
        assert_eq!(back.signing_input(), req.signing_input());
        match back.auth {
            Some(AuthData::UsernamePassword { username, password }) => {
                assert_eq!(username, "bob");
                assert_eq!(password.expose(), b"pw\"\\");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_errors_have_their_codes() {
        let cases: &[(&str, ErrorCode)] = &[
            ("[]", ErrorCode::MalformedRequest),
            ("{", ErrorCode::MalformedRequest),
            (r#"{"keydata":{}}"#, ErrorCode::MalformedRequest),
            (
                r#"{"scheme":"NOPE","keydata":{}}"#,
                ErrorCode::UnknownScheme,
            ),
            (r#"{"scheme":"DH"}"#, ErrorCode::MalformedRequest),
            (
                r#"{"scheme":"DH","keydata":{"parametersid":"X25519","publickey":"!!"}}"#,
                ErrorCode::MalformedRequest,
            ),
            (
                r#"{"scheme":"DH","keydata":{"parametersid":"X25519","publickey":""}}"#,
                ErrorCode::MalformedRequest,
            ),
            (
                r#"{"scheme":"DH","keydata":{"parametersid":1,"publickey":"AA=="}}"#,
                ErrorCode::MalformedRequest,
            ),
            (
                r#"{"scheme":"ASYMMETRIC_WRAPPED","keydata":{"keypairid":"k","mechanism":"DSA","publickey":"AA=="}}"#,
                ErrorCode::UnsupportedMechanism,
            ),
            (
                r#"{"scheme":"DH","keydata":{"parametersid":"X25519","publickey":"AA=="},"authdata":{"scheme":"KERBEROS"}}"#,
                ErrorCode::UnknownAuthScheme,
            ),
            (
                r#"{"scheme":"DH","keydata":{"parametersid":"X25519","publickey":"AA=="},"mastertoken":{"tokendata":"AA=="}}"#,
                ErrorCode::MasterTokenMalformed,
            ),
            (
                r#"{"scheme":"DH","keydata":{"parametersid":"X25519","publickey":"AA=="},"mac":"AA=="}"#,
                ErrorCode::MalformedRequest,
            ),
        ];
        for (text, code) in cases {
            assert_eq!(
                parse_request(text.as_bytes()).unwrap_err().code,
                *code,
                "{text}"
            );
        }
        let big = vec![b' '; MAX_JSON + 1];
        assert_eq!(
            parse_request(&big).unwrap_err().code,
            ErrorCode::MalformedRequest
        );
        // MSL's scheme name is accepted.
        let msl = r#"{"scheme":"DIFFIE_HELLMAN","keydata":{"parametersid":"ffdhe2048","publickey":"AA=="},"extra":1}"#;
        assert_eq!(
            parse_request(msl.as_bytes()).unwrap().data.scheme(),
            Scheme::DiffieHellman
        );
    }

    #[test]
    fn response_outcome_and_error_documents() {
        let token = MasterToken {
            token_data: vec![1; 3],
            signature: vec![2; 32],
        };
        let resp = KeyResponse {
            master_token: token.clone(),
            data: KeyResponseData::DiffieHellman {
                parameters_id: "X25519".into(),
                public_key: vec![5; 32],
            },
        };
        assert_eq!(
            parse_response(write_response(&resp).as_bytes()).unwrap(),
            resp
        );
        let renewed = RenewOutcome::Renewed(resp);
        assert_eq!(
            parse_outcome(write_outcome(&renewed).as_bytes()).unwrap(),
            renewed
        );
        let same = RenewOutcome::Unchanged(token);
        assert_eq!(
            parse_outcome(write_outcome(&same).as_bytes()).unwrap(),
            same
        );
        let e = KeyxError::new(ErrorCode::MasterTokenSequenceStale, "newer exists");
        let text = write_error(&e);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["code"], "MASTERTOKEN_SEQUENCE_STALE");
        assert_eq!(v["error"]["message"], "newer exists");
        assert_eq!(parse_error(text.as_bytes()), Some(e.code));
        assert_eq!(parse_response(text.as_bytes()).unwrap_err().code, e.code);
        assert_eq!(parse_error(b"{}"), None);
    }
}
