//! Both key exchange schemes end to end, client library against server library, in the JSON
//! and the XML wire forms: both sides hold identical session keys, the master token opens only
//! with the STS token key, and a service sharing that key accepts a message MAC'd with the
//! session HMAC key.

use wstrust::keyx::client::{AsymmetricWrappedRequest, DhRequest, PendingExchange};
use wstrust::keyx::dh::DhGroup;
use wstrust::keyx::server::Sts;
use wstrust::keyx::{
    json, open_master_token, verify_message_mac, xml as kx, ErrorCode, KeyRequest, KeyResponse,
    SessionKeys,
};
use wstrust::store::MemoryStore;
use wstrust::xml::{ns, Document, Writer};

use crate::keyx_support::{client_key, now, policy, token_keys};

/// The request travels as JSON both ways.
fn over_json(sts: &Sts<'_>, request: &KeyRequest, identity: &str, t: i64) -> KeyResponse {
    let wire = json::write_request(request);
    let parsed = json::parse_request(wire.as_bytes()).unwrap();
    let response = sts.respond(&parsed, identity, t).unwrap();
    let wire = json::write_response(&response);
    json::parse_response(wire.as_bytes()).unwrap()
}

/// The request travels as XML elements inside RST/RSTR-like wrappers.
fn over_xml(sts: &Sts<'_>, request: &KeyRequest, identity: &str, t: i64) -> KeyResponse {
    let mut w = Writer::new();
    w.start(ns::WST13, "RequestSecurityToken");
    kx::write_key_request_data(&mut w, &request.data);
    w.end();
    let doc = Document::parse(w.finish().unwrap().as_bytes()).unwrap();
    let node = doc
        .children_named(doc.root(), ns::WSX, "KeyRequestData")
        .next()
        .unwrap();
    let parsed = KeyRequest::new(kx::read_key_request_data(&doc, node).unwrap());
    let response = sts.respond(&parsed, identity, t).unwrap();
    let mut w = Writer::new();
    w.start(ns::WST13, "RequestSecurityTokenResponse");
    kx::write_key_response(&mut w, &response, Some("mt-1"));
    w.end();
    let doc = Document::parse(w.finish().unwrap().as_bytes()).unwrap();
    kx::read_key_response(&doc, doc.root()).unwrap()
}

type Transport = fn(&Sts<'_>, &KeyRequest, &str, i64) -> KeyResponse;

fn run(request: KeyRequest, pending: PendingExchange, transport: Transport) {
    let keys = token_keys(7, 0x42);
    let policy = policy();
    let store = MemoryStore::new();
    let sts = Sts {
        keys: &keys,
        policy: &policy,
        store: &store,
    };
    let t = now();
    let response = transport(&sts, &request, "device-123", t);
    let (client_keys, master_token): (SessionKeys, _) = pending.complete(&response).unwrap();

    // The STS side of the keys is inside the master token: identical.
    let claims = open_master_token(&master_token, &keys).unwrap();
    assert!(claims.session.same_as(&client_keys));
    assert_eq!(claims.session.encryption.len(), 16);
    assert_eq!(claims.session.hmac.len(), 32);
    assert_eq!(claims.identity, "device-123");
    assert_eq!(claims.issuer, "sts.example");
    assert_eq!(claims.sequence_number, 1);
    assert_eq!(claims.key_id, 7);
    assert_eq!(
        (claims.renewal_window, claims.expiration),
        (t + 100, t + 200)
    );

    // Only the STS token key opens it.
    for wrong in [token_keys(7, 0x43), token_keys(8, 0x42)] {
        assert_eq!(
            open_master_token(&master_token, &wrong).unwrap_err().code,
            ErrorCode::MasterTokenTampered
        );
    }

    // A service sharing the token key accepts a message MAC'd by the client.
    let message = b"GET /resource HTTP/1.1";
    let mac = client_keys.mac(message);
    let seen = verify_message_mac(&master_token, &keys, message, &mac, t + 1).unwrap();
    assert_eq!(seen.identity, "device-123");
    assert_eq!(
        verify_message_mac(&master_token, &keys, b"GET /other", &mac, t + 1)
            .unwrap_err()
            .code,
        ErrorCode::MessageMacInvalid
    );
    assert_eq!(
        verify_message_mac(&master_token, &token_keys(7, 1), message, &mac, t + 1)
            .unwrap_err()
            .code,
        ErrorCode::MasterTokenTampered
    );
    // A second exchange of the same kind gives new keys under a new serial number.
    let again = transport(
        &sts,
        &KeyRequest::new(same_kind(&response)),
        "device-123",
        t,
    );
    let other = open_master_token(&again.master_token, &keys).unwrap();
    assert_ne!(other.serial_number, claims.serial_number);
    assert!(!other.session.same_as(&claims.session));
}

/// A fresh DH request of the same group as a response, for the second-exchange check.
fn same_kind(response: &KeyResponse) -> wstrust::keyx::KeyRequestData {
    match &response.data {
        wstrust::keyx::KeyResponseData::DiffieHellman { parameters_id, .. } => {
            let g = DhGroup::from_id(parameters_id).unwrap();
            DhRequest::new(g).unwrap().0.data
        }
        wstrust::keyx::KeyResponseData::AsymmetricWrapped { .. } => {
            AsymmetricWrappedRequest::with_key("kp-2", client_key())
                .unwrap()
                .0
                .data
        }
    }
}

#[test]
fn asymmetric_wrapped_json() {
    let (req, pending) = AsymmetricWrappedRequest::with_key("kp-1", client_key()).unwrap();
    run(req, pending, over_json);
}

#[test]
fn asymmetric_wrapped_xml_with_a_fresh_key() {
    let (req, pending) = AsymmetricWrappedRequest::new("kp-fresh").unwrap();
    run(req, pending, over_xml);
}

#[test]
fn dh_every_group_json_and_xml() {
    for group in DhGroup::ALL {
        let (req, pending) = DhRequest::new(group).unwrap();
        run(req, pending, over_json);
        let (req, pending) = DhRequest::new(group).unwrap();
        run(req, pending, over_xml);
    }
}
