//! Hostile and mistaken peers: every refusal carries its stable code, on the STS side (bad
//! public values, short RSA keys, unknown schemes and groups) and on the client side
//! (responses that do not answer the request).

use base64::Engine as _;
use serde_json::{json, Value};
use wstrust::crypto::RsaPublicKey;
use wstrust::keyx::client::{AsymmetricWrappedRequest, DhRequest};
use wstrust::keyx::dh::DhGroup;
use wstrust::keyx::server::Sts;
use wstrust::keyx::{json as kjson, ErrorCode, KeyResponse, KeyResponseData};
use wstrust::store::MemoryStore;

use crate::keyx_support::{client_key, now, policy, token_keys};

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Sends a hand-made JSON request to the STS and returns the wire error code.
fn sts_error(request: Value) -> String {
    let keys = token_keys(1, 9);
    let policy = policy();
    let store = MemoryStore::new();
    let sts = Sts {
        keys: &keys,
        policy: &policy,
        store: &store,
    };
    let body = request.to_string();
    let result =
        kjson::parse_request(body.as_bytes()).and_then(|r| sts.respond(&r, "device", now()));
    let e = result.expect_err("the sts must refuse");
    let doc: Value = serde_json::from_str(&kjson::write_error(&e)).unwrap();
    doc["error"]["code"].as_str().unwrap().to_owned()
}

fn dh(parameters_id: &str, public_key: &[u8]) -> Value {
    json!({"scheme": "DH", "keydata": {"parametersid": parameters_id, "publickey": b64(public_key)}})
}

#[test]
fn invalid_ffdhe_public_values() {
    let p = DhGroup::Ffdhe2048.prime().unwrap();
    let mut p_minus_1 = p.clone();
    *p_minus_1.last_mut().unwrap() -= 1;
    // p + 1, with the carry through p's trailing 0xff bytes.
    let mut p_plus_1 = p.clone();
    for b in p_plus_1.iter_mut().rev() {
        let (sum, carry) = b.overflowing_add(1);
        *b = sum;
        if !carry {
            break;
        }
    }
    let mut with_zero = vec![0u8];
    with_zero.extend_from_slice(&p);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("0", vec![0]),
        ("1", vec![1]),
        ("0 padded", vec![0; 256]),
        ("p-1", p_minus_1),
        ("p", p.clone()),
        ("p with msl zero", with_zero),
        ("p+1", p_plus_1),
        ("above p", vec![0xff; 256]),
        ("wrong length", vec![0x02; 258]),
        ("far too long", vec![0x02; 2048]),
    ];
    for (what, value) in cases {
        assert_eq!(
            sts_error(dh("ffdhe2048", &value)),
            "KEYX_INVALID_PUBLIC_KEY",
            "{what}"
        );
    }
    // Empty base64 is not a public value at all.
    assert_eq!(
        sts_error(json!({"scheme":"DH","keydata":{"parametersid":"ffdhe2048","publickey":""}})),
        "KEYX_MALFORMED_REQUEST"
    );
    // The same rules in ffdhe3072.
    let p3 = DhGroup::Ffdhe3072.prime().unwrap();
    for value in [vec![1u8], p3, vec![0xff; 384]] {
        assert_eq!(
            sts_error(dh("ffdhe3072", &value)),
            "KEYX_INVALID_PUBLIC_KEY"
        );
    }
}

#[test]
fn invalid_x25519_public_values() {
    let mut one = [0u8; 32];
    one[0] = 1;
    // A point of order 8 (RFC 7748 implementations' well-known low-order list).
    let order8: [u8; 32] = [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ];
    let mut p_minus_1 = [0xffu8; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    for (what, value) in [
        ("zero", [0u8; 32].to_vec()),
        ("one", one.to_vec()),
        ("order 8", order8.to_vec()),
        ("p-1", p_minus_1.to_vec()),
        ("short", vec![9; 31]),
        ("long", vec![9; 33]),
    ] {
        assert_eq!(
            sts_error(dh("X25519", &value)),
            "KEYX_INVALID_PUBLIC_KEY",
            "{what}"
        );
    }
}

#[test]
fn short_rsa_keys_unknown_schemes_and_groups() {
    // A 1024-bit RSA public key.
    let mut n = vec![0xd3u8; 128];
    n[127] |= 1;
    let short = RsaPublicKey::from_components(&n, &[1, 0, 1]).unwrap();
    assert_eq!(short.modulus_bits(), 1024);
    let aw = |mechanism: &str, key: &[u8]| {
        json!({"scheme":"ASYMMETRIC_WRAPPED","keydata":{
            "keypairid":"kp","mechanism":mechanism,"publickey":b64(key)}})
    };
    assert_eq!(
        sts_error(aw("RSA", &short.spki_der())),
        "KEYX_INVALID_PUBLIC_KEY"
    );
    assert_eq!(sts_error(aw("RSA", b"not der")), "KEYX_INVALID_PUBLIC_KEY");
    let good = client_key().public_key().spki_der();
    assert_eq!(sts_error(aw("ECC", &good)), "KEYX_UNSUPPORTED_MECHANISM");
    assert_eq!(sts_error(aw("DSA", &good)), "KEYX_UNSUPPORTED_MECHANISM");
    assert_eq!(
        sts_error(json!({"scheme":"JWE_LADDER","keydata":{}})),
        "KEYX_UNKNOWN_SCHEME"
    );
    assert_eq!(
        sts_error(json!({"scheme":"SYMMETRIC_WRAPPED","keydata":{"keyid":"PSK"}})),
        "KEYX_UNKNOWN_SCHEME"
    );
    for id in ["ffdhe4096", "modp2048", "FFDHE2048", "x25519", ""] {
        assert_eq!(
            sts_error(dh(id, &[2; 32])),
            "KEYX_UNKNOWN_PARAMETERS_ID",
            "{id}"
        );
    }
}

fn respond(req: &wstrust::keyx::KeyRequest) -> KeyResponse {
    let keys = token_keys(1, 9);
    let policy = policy();
    let store = MemoryStore::new();
    Sts {
        keys: &keys,
        policy: &policy,
        store: &store,
    }
    .respond(req, "device", now())
    .unwrap()
}

#[test]
fn client_refuses_responses_that_do_not_answer_its_request() {
    // Key pair id not echoed.
    let (req, pending) = AsymmetricWrappedRequest::with_key("kp-1", client_key()).unwrap();
    let mut resp = respond(&req);
    if let KeyResponseData::AsymmetricWrapped { key_pair_id, .. } = &mut resp.data {
        *key_pair_id = "kp-2".into();
    }
    assert_eq!(
        pending.complete(&resp).unwrap_err().code,
        ErrorCode::KeyPairIdMismatch
    );

    // Wrapped key tampered.
    let (req, pending) = AsymmetricWrappedRequest::with_key("kp-1", client_key()).unwrap();
    let mut resp = respond(&req);
    if let KeyResponseData::AsymmetricWrapped { hmac_key, .. } = &mut resp.data {
        hmac_key[10] ^= 1;
    }
    assert_eq!(
        pending.complete(&resp).unwrap_err().code,
        ErrorCode::WrappedKeyInvalid
    );

    // Parameters id not echoed.
    let (req, pending) = DhRequest::new(DhGroup::X25519).unwrap();
    let mut resp = respond(&req);
    if let KeyResponseData::DiffieHellman { parameters_id, .. } = &mut resp.data {
        *parameters_id = "ffdhe2048".into();
    }
    assert_eq!(
        pending.complete(&resp).unwrap_err().code,
        ErrorCode::ParametersIdMismatch
    );

    // A low-order STS public value.
    let (req, pending) = DhRequest::new(DhGroup::X25519).unwrap();
    let mut resp = respond(&req);
    if let KeyResponseData::DiffieHellman { public_key, .. } = &mut resp.data {
        *public_key = vec![0; 32];
    }
    assert_eq!(
        pending.complete(&resp).unwrap_err().code,
        ErrorCode::InvalidPublicKey
    );

    // Another scheme altogether.
    let (req, _) = DhRequest::new(DhGroup::X25519).unwrap();
    let dh_resp = respond(&req);
    let (_, pending) = AsymmetricWrappedRequest::with_key("kp-1", client_key()).unwrap();
    assert_eq!(
        pending.complete(&dh_resp).unwrap_err().code,
        ErrorCode::SchemeMismatch
    );

    // An error document instead of a response surfaces its code.
    let err = kjson::write_error(&wstrust::keyx::KeyxError::new(
        ErrorCode::UnknownParametersId,
        "x",
    ));
    assert_eq!(
        kjson::parse_response(err.as_bytes()).unwrap_err().code,
        ErrorCode::UnknownParametersId
    );
}
