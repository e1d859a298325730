//! Pattern 1, direct key transfer: the initiator (the client certificate) makes an SCT and a
//! key and sends an unsolicited RSTR (RequestedSecurityToken + RequestedProofToken with the
//! key in an EncryptedKey for the recipient), signed with its X.509 key. The recipient (the
//! service library, and the STS endpoint itself) verifies it, decrypts the key, registers the
//! context and then accepts messages signed with a key derived from that SCT.

use wstrust::crypto::{random_bytes, OaepParams};
use wstrust::pki::Certificate;
use wstrust::wss::{self, FixedClock};
use wstrust::xml::{ns, Writer};
use wstrust::xmlsec::{base64_encode, write_encrypted_key};

use crate::engine_support::*;

/// An unsolicited RSTR carrying a new context `identifier` with key `k` for `recipient`.
pub fn propagation(identifier: &str, k: &[u8], recipient: &Certificate) -> String {
    let mut w = Writer::new();
    let ski = base64_encode(&recipient.subject_key_id());
    let ki = |w: &mut Writer| wss::write_key_identifier(w, wss::value_type::X509_SKI, &ski);
    write_encrypted_key(
        &mut w,
        None,
        k,
        recipient.public_key(),
        &OaepParams::sha1(),
        Some(&ki),
        &[],
    )
    .unwrap();
    let ek = w.finish().unwrap();
    format!(
        "<wst:RequestSecurityTokenResponse xmlns:wst=\"{T13}\" xmlns:wsu=\"{}\" Context=\"direct-1\">\
         <wst:TokenType>{SCT13}</wst:TokenType><wst:RequestedSecurityToken>{}</wst:RequestedSecurityToken>\
         <wst:RequestedProofToken>{ek}</wst:RequestedProofToken>\
         <wst:Lifetime><wsu:Created>{}</wsu:Created><wsu:Expires>{}</wsu:Expires></wst:Lifetime>\
         </wst:RequestSecurityTokenResponse>",
        ns::WSU,
        sct(identifier),
        wss::time::format(NOW),
        wss::time::format(NOW + 600_000),
    )
}

fn sct(identifier: &str) -> String {
    format!(
        "<wsc:SecurityContextToken xmlns:wsc=\"{}\" xmlns:wsu=\"{}\" wsu:Id=\"p-sct\"><wsc:Identifier>{identifier}</wsc:Identifier></wsc:SecurityContextToken>",
        ns::WSC13,
        ns::WSU
    )
}

fn ctx(identifier: &str, k: &[u8]) -> Ctx {
    Ctx {
        identifier: identifier.into(),
        instance: None,
        sct: sct(identifier),
        sct_id: "p-sct".into(),
        key: k.to_vec(),
    }
}

#[test]
fn service_accepts_a_signed_propagation_then_messages_under_the_key() {
    let sts = sts(false);
    let svc = service(sts.store);
    let k = random_bytes(32).unwrap();
    let id = "urn:example:ctx:service-1";
    let msg = envelope(&propagation(id, &k, &cert("rp")), &By::Client, NOW);
    let t = svc
        .accept_propagation(msg.as_bytes(), &FixedClock(NOW))
        .unwrap();
    assert_eq!(t.key.unwrap().expose(), k.as_slice());
    assert_eq!(t.principal, "CN=interop-client");
    // Replayed: the same message, and a fresh message with the same context.
    assert!(svc
        .accept_propagation(msg.as_bytes(), &FixedClock(NOW))
        .is_err());
    let again = envelope(&propagation(id, &k, &cert("rp")), &By::Client, NOW);
    assert!(svc
        .accept_propagation(again.as_bytes(), &FixedClock(NOW))
        .is_err());
    // A message signed with a key derived from the SCT.
    let app = envelope(
        "<app:Ping xmlns:app=\"urn:app\"/>",
        &By::Context {
            ctx: &ctx(id, &k),
            derived: true,
        },
        NOW,
    );
    let m = svc
        .verify_message(app.as_bytes(), &FixedClock(NOW))
        .unwrap();
    assert_eq!(m.token.identifier, id);
    // Wrong key: refused.
    let wrong = envelope(
        "<app:Ping xmlns:app=\"urn:app\"/>",
        &By::Context {
            ctx: &ctx(id, &[1; 32]),
            derived: true,
        },
        NOW,
    );
    assert!(svc
        .verify_message(wrong.as_bytes(), &FixedClock(NOW))
        .is_err());
}

#[test]
fn tampered_and_unsigned_propagations_are_refused() {
    let sts = sts(false);
    let svc = service(sts.store);
    let k = random_bytes(32).unwrap();
    let msg = envelope(
        &propagation("urn:example:ctx:t", &k, &cert("rp")),
        &By::Client,
        NOW,
    );
    let tampered = msg.replace("urn:example:ctx:t", "urn:example:ctx:u");
    assert!(svc
        .accept_propagation(tampered.as_bytes(), &FixedClock(NOW))
        .is_err());
    let unsigned = envelope(
        &propagation("urn:example:ctx:v", &k, &cert("rp")),
        &By::Nobody,
        NOW,
    );
    assert!(svc
        .accept_propagation(unsigned.as_bytes(), &FixedClock(NOW))
        .is_err());
    // A key for someone else cannot be decrypted.
    let other = envelope(
        &propagation("urn:example:ctx:w", &k, &cert("sts")),
        &By::Client,
        NOW,
    );
    assert!(svc
        .accept_propagation(other.as_bytes(), &FixedClock(NOW))
        .is_err());
    // Nothing was registered by the refusals.
    let app = envelope(
        "<app:Ping xmlns:app=\"urn:app\"/>",
        &By::Context {
            ctx: &ctx("urn:example:ctx:u", &k),
            derived: true,
        },
        NOW,
    );
    assert!(svc
        .verify_message(app.as_bytes(), &FixedClock(NOW))
        .is_err());
}

#[test]
fn the_sts_endpoint_accepts_a_propagation_then_requests_under_the_key() {
    let sts = sts(false);
    let k = random_bytes(32).unwrap();
    let id = "urn:example:ctx:sts-1";
    let x = send_at(
        &sts,
        &envelope(&propagation(id, &k, &cert("sts")), &By::Client, NOW),
        false,
        NOW,
    );
    let doc = x.ok();
    assert!(find(doc, T13, "RequestedUnattachedReference").is_some());
    // An Issue request signed with a key derived from the propagated context.
    let x = send_at(
        &sts,
        &envelope(
            &issue_body(""),
            &By::Context {
                ctx: &ctx(id, &k),
                derived: true,
            },
            NOW,
        ),
        false,
        NOW,
    );
    let msg = read_reply(&x, vec![(id.to_owned(), k.clone())], NOW);
    let svc = service(sts.store.clone());
    let d = msg.document();
    let t = svc
        .validate_sct(d, find(d, ns::WSC13, "SecurityContextToken").unwrap(), NOW)
        .unwrap();
    assert_eq!(t.principal, "CN=interop-client");
    assert_eq!(t.key.unwrap().expose(), binary_secret_proof(d).as_slice());
    // Refusals: a replayed identifier, our own identifier space, tampering, no signature.
    for (body, by) in [
        (propagation(id, &k, &cert("sts")), By::Client),
        (
            propagation("urn:wstrust:sct:AAAA", &k, &cert("sts")),
            By::Client,
        ),
        (
            propagation("urn:example:ctx:x", &k, &cert("sts")),
            By::Nobody,
        ),
    ] {
        let x = send_at(&sts, &envelope(&body, &by, NOW), false, NOW);
        assert_ne!(x.status, 200, "{body}");
    }
    let m = envelope(
        &propagation("urn:example:ctx:y", &k, &cert("sts")),
        &By::Client,
        NOW,
    );
    let x = send_at(
        &sts,
        &m.replace("urn:example:ctx:y", "urn:example:ctx:z"),
        false,
        NOW,
    );
    assert_eq!(x.fault(), "wst:FailedAuthentication");
}
