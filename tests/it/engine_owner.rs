//! Renew and Cancel by the context's owner (the principal it was issued to, authenticated by
//! password or X.509 signature instead of the context key), and every refusal: another
//! principal, a realm with `owner_renewal = false`, a clear-text password over a channel that
//! is not confidential, a superseded instance, the `act_as` principal of a delegated context.
//! Each refusal is a fault that changes nothing (the context still validates, is not
//! cancelled and still renews).

use wstrust::service::delegation::Delegation;
use wstrust::trust::ScVersion;
use wstrust::xml::{ns, Document};

use crate::engine_support::*;

const HOUR: i64 = 3_600_000;
const WST14: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200802";

/// How a request authenticates.
#[derive(Clone, Copy)]
enum Auth<'a> {
    /// UsernameToken `name`/`secret`, over a channel that is confidential or not.
    Password(&'a str, bool),
    /// The client certificate's signature over the Body.
    Cert,
    /// The context's own key (proof of possession).
    Key(&'a Ctx),
}

fn send(sts: &Sts, body: &str, auth: Auth<'_>, now: i64) -> Exchange {
    match auth {
        Auth::Password(name, confidential) => send_at(
            sts,
            &envelope_with(body, &By::Nobody, now, vec![user(name, "secret")]),
            confidential,
            now,
        ),
        Auth::Cert => send_at(sts, &envelope(body, &By::Client, now), false, now),
        Auth::Key(ctx) => send_at(
            sts,
            &envelope(
                body,
                &By::Context {
                    ctx,
                    derived: false,
                },
                now,
            ),
            true,
            now,
        ),
    }
}

/// An RST of `kind` whose `{kind}Target` holds the SCT itself, as zeep and node-soap send it.
fn targeting(kind: &str, ctx: &Ctx) -> String {
    rst(
        kind,
        &format!("<wst:{kind}Target>{}</wst:{kind}Target>", ctx.sct),
    )
}

/// An RST of `kind` naming `ctx` by a reference to its identifier (for requests that carry
/// the SCT in the security header already).
fn by_reference(kind: &str, ctx: &Ctx) -> String {
    rst(
        kind,
        &format!(
            "<wst:{kind}Target>{}</wst:{kind}Target>",
            by_identifier(&ctx.identifier)
        ),
    )
}

/// Alice's context, issued for her password over a confidential channel.
fn issue_to_alice(sts: &Sts, extra: &str, now: i64) -> Ctx {
    let x = send(sts, &issue_body(extra), Auth::Password("alice", true), now);
    let doc = x.ok();
    let k = binary_secret_proof(doc);
    ctx_from(doc, k)
}

/// `wst:Status/wst:Code` of a Validate reply, as `valid` or `invalid`.
fn status(doc: &Document) -> String {
    let code = find(doc, T13, "Code").expect("a status code");
    doc.text(code).trim().rsplit('/').next().unwrap().to_owned()
}

/// The engine's and the service's opinion of `ctx` at `now` (asked by bob, a bystander).
fn still_valid(sts: &Sts, ctx: &Ctx, now: i64) -> bool {
    let x = send(
        sts,
        &targeting("Validate", ctx),
        Auth::Password("bob", true),
        now,
    );
    let engine = status(x.ok()) == "valid";
    let svc = service(sts.store.clone());
    let doc = Document::parse(ctx.sct.as_bytes()).unwrap();
    let service = svc.validate_sct(&doc, doc.root(), now).is_ok();
    assert_eq!(engine, service, "the STS and the service agree");
    engine
}

/// The renewed context in a successful Renew reply, its new key taken from the proof token
/// (a BinarySecret, or encrypted for the client certificate), checked against the service.
fn renewed(sts: &Sts, x: &Exchange, old: &Ctx, now: i64) -> Ctx {
    let doc = x.ok();
    let key = if find(doc, ns::XENC, "EncryptedKey").is_some()
        && find(doc, T13, "BinarySecret").is_none()
    {
        client_proof(doc)
    } else {
        binary_secret_proof(doc)
    };
    let new = ctx_from(doc, key);
    assert_eq!(new.identifier, old.identifier);
    assert!(new.instance.is_some() && new.instance != old.instance);
    assert_ne!(new.key, old.key, "a new key");
    let svc = service(sts.store.clone());
    assert_eq!(
        service_key(&svc, doc, now),
        new.key,
        "the service sees the new key"
    );
    new
}

fn cancelled(x: &Exchange) -> bool {
    find(x.ok(), T13, "RequestedTokenCancelled").is_some()
}

#[test]
fn the_owner_renews_and_cancels_with_a_password() {
    for stateful in [false, true] {
        let sts = sts(stateful);
        let ctx = issue_to_alice(&sts, &claims(&[READ]), NOW);
        let later = NOW + 10 * 60_000;
        let x = send(
            &sts,
            &targeting("Renew", &ctx),
            Auth::Password("alice", true),
            later,
        );
        assert!(
            find(x.ok(), ns::XENC, "EncryptedData").is_none(),
            "confidential channel: a plain BinarySecret"
        );
        let r = renewed(&sts, &x, &ctx, later);
        let doc = Document::parse(r.sct.as_bytes()).unwrap();
        let t = service(sts.store.clone())
            .validate_sct(&doc, doc.root(), later)
            .unwrap();
        assert_eq!(t.principal, "alice", "principal kept");
        assert_eq!(
            t.claims,
            vec![(READ.to_owned(), String::new())],
            "claims kept"
        );
        assert!(!still_valid(&sts, &ctx, later), "old instance superseded");
        assert!(still_valid(&sts, &r, later));
        // The superseded instance cannot be renewed again by the owner.
        let again = send(
            &sts,
            &targeting("Renew", &ctx),
            Auth::Password("alice", true),
            later,
        );
        assert_eq!(again.fault(), "wst:FailedAuthentication", "{:?}", again.log);
        // Cancel by the owner: every instance refused from then on.
        let x = send(
            &sts,
            &targeting("Cancel", &r),
            Auth::Password("alice", true),
            later,
        );
        assert!(cancelled(&x), "stateful={stateful}");
        assert!(!still_valid(&sts, &r, later));
        let x = send(
            &sts,
            &targeting("Renew", &r),
            Auth::Password("alice", true),
            later,
        );
        assert_eq!(x.fault(), "wst:FailedAuthentication");
    }
}

#[test]
fn the_owner_renews_and_cancels_with_an_x509_signature() {
    for stateful in [false, true] {
        let sts = sts(stateful);
        let ctx = issue_to_client(&sts, "", NOW);
        let later = NOW + 10 * 60_000;
        // Not a confidential channel: the new key comes encrypted for the client certificate.
        let x = send(&sts, &targeting("Renew", &ctx), Auth::Cert, later);
        assert!(find(x.ok(), T13, "BinarySecret").is_none());
        let r = renewed(&sts, &x, &ctx, later);
        assert!(still_valid(&sts, &r, later) && !still_valid(&sts, &ctx, later));
        // A bare reference to the identifier names the first generation, superseded by now.
        let by_ref = rst(
            "Renew",
            &format!(
                "<wst:RenewTarget><wsse:SecurityTokenReference><wsse:Reference URI=\"{}\" \
                 ValueType=\"{SCT13}\"/></wsse:SecurityTokenReference></wst:RenewTarget>",
                r.identifier
            ),
        );
        let x = send(&sts, &by_ref, Auth::Cert, later);
        assert_eq!(x.fault(), "wst:FailedAuthentication", "{:?}", x.log);
        // The key of the renewed context works, and the owner cancels.
        send(&sts, &issue_body(""), Auth::Key(&r), later).ok();
        let x = send(&sts, &targeting("Cancel", &r), Auth::Cert, later);
        assert!(cancelled(&x));
        assert!(!still_valid(&sts, &r, later));
    }
}

#[test]
fn an_expired_context_follows_the_renewal_window() {
    let sts = sts(false);
    let ctx = issue_to_alice(&sts, "", NOW);
    // Expired (1 h lifetime) but inside the 24 h window: the owner renews it.
    let t = NOW + 2 * HOUR;
    let r = renewed(
        &sts,
        &send(
            &sts,
            &targeting("Renew", &ctx),
            Auth::Password("alice", true),
            t,
        ),
        &ctx,
        t,
    );
    // Beyond the window: UnableToRenew, and cancelling is pointless and refused.
    let late = t + HOUR + 25 * HOUR;
    let x = send(
        &sts,
        &targeting("Renew", &r),
        Auth::Password("alice", true),
        late,
    );
    assert_eq!(x.fault(), "wst:UnableToRenew", "{:?}", x.log);
    let x = send(
        &sts,
        &targeting("Cancel", &r),
        Auth::Password("alice", true),
        late,
    );
    assert_eq!(x.fault(), "wst:InvalidRequest", "{:?}", x.log);
    // Expired inside the window: the owner may still cancel (it could otherwise be renewed).
    let c = issue_to_alice(&sts, "", NOW);
    let x = send(
        &sts,
        &targeting("Cancel", &c),
        Auth::Password("alice", true),
        t,
    );
    assert!(cancelled(&x));
    let x = send(
        &sts,
        &targeting("Renew", &c),
        Auth::Password("alice", true),
        t,
    );
    assert_eq!(x.fault(), "wst:FailedAuthentication");
}

#[test]
fn another_principal_can_neither_renew_nor_cancel() {
    let sts = sts(false);
    let alice = issue_to_alice(&sts, "", NOW);
    let client = issue_to_client(&sts, "", NOW);
    let t = NOW + 60_000;
    for (ctx, auth) in [
        (&alice, Auth::Password("bob", true)),
        (&alice, Auth::Cert),
        (&client, Auth::Password("alice", true)),
        (&alice, Auth::Key(&client)),
    ] {
        for kind in ["Renew", "Cancel"] {
            let x = send(&sts, &targeting(kind, ctx), auth, t);
            assert_eq!(x.fault(), "wst:FailedAuthentication", "{kind}: {:?}", x.log);
        }
        assert!(still_valid(&sts, ctx, t), "nothing changed");
    }
    // Both still renew by their owners, with the original instances: nothing was superseded.
    renewed(
        &sts,
        &send(
            &sts,
            &targeting("Renew", &alice),
            Auth::Password("alice", true),
            t,
        ),
        &alice,
        t,
    );
    renewed(
        &sts,
        &send(&sts, &targeting("Renew", &client), Auth::Cert, t),
        &client,
        t,
    );
}

#[test]
fn a_realm_may_require_proof_of_possession() {
    let mut r = realm(false);
    r.owner_renewal = false;
    let sts = sts_with(vec![r]);
    let ctx = issue_to_alice(&sts, "", NOW);
    let t = NOW + 60_000;
    for kind in ["Renew", "Cancel"] {
        let x = send(
            &sts,
            &targeting(kind, &ctx),
            Auth::Password("alice", true),
            t,
        );
        assert_eq!(x.fault(), "wst:FailedAuthentication", "{kind}: {:?}", x.log);
    }
    assert!(still_valid(&sts, &ctx, t));
    let cert_ctx = issue_to_client(&sts, "", NOW);
    let x = send(&sts, &targeting("Renew", &cert_ctx), Auth::Cert, t);
    assert_eq!(x.fault(), "wst:FailedAuthentication");
    // The key holder still renews and cancels.
    let r = renewed(
        &sts,
        &send(&sts, &by_reference("Renew", &ctx), Auth::Key(&ctx), t),
        &ctx,
        t,
    );
    assert!(cancelled(&send(
        &sts,
        &by_reference("Cancel", &r),
        Auth::Key(&r),
        t
    )));
    assert!(!still_valid(&sts, &r, t));
}

#[test]
fn a_clear_password_needs_a_confidential_channel() {
    let sts = sts(false);
    let ctx = issue_to_alice(&sts, "", NOW);
    let t = NOW + 60_000;
    for kind in ["Renew", "Cancel"] {
        let x = send(
            &sts,
            &targeting(kind, &ctx),
            Auth::Password("alice", false),
            t,
        );
        assert_eq!(x.fault(), "wst:FailedAuthentication", "{kind}: {:?}", x.log);
    }
    assert!(still_valid(&sts, &ctx, t));
    renewed(
        &sts,
        &send(
            &sts,
            &targeting("Renew", &ctx),
            Auth::Password("alice", true),
            t,
        ),
        &ctx,
        t,
    );
}

#[test]
fn a_delegated_context_belongs_to_its_holder_not_the_act_as_principal() {
    let sts = sts(false);
    // A (the client certificate) delegates READ to alice, who gets a context acting as A.
    let a = issue_to_client(&sts, &claims(&[READ, WRITE]), NOW);
    let d = Delegation {
        delegator: "CN=interop-client".into(),
        delegate: "alice".into(),
        target: RP.into(),
        rights: vec![READ.into()],
        delegatable: false,
        expires_ms: NOW + 600_000,
        context: (a.identifier.clone(), a.instance.clone()),
    }
    .write_signed("dlg-1", ScVersion::V13, &a.key)
    .unwrap();
    let ask = format!(
        "{}<wst14:ActAs xmlns:wst14=\"{WST14}\">{d}</wst14:ActAs>",
        claims(&[READ])
    );
    let delegated = issue_to_alice(&sts, &ask, NOW);
    let t = NOW + 60_000;
    for kind in ["Renew", "Cancel"] {
        let x = send(&sts, &targeting(kind, &delegated), Auth::Cert, t);
        assert_eq!(x.fault(), "wst:FailedAuthentication", "{kind}: {:?}", x.log);
    }
    assert!(still_valid(&sts, &delegated, t));
    // Alice renews it; rights and the act_as identity are kept, never widened.
    let x = send(
        &sts,
        &targeting("Renew", &delegated),
        Auth::Password("alice", true),
        t,
    );
    let r = renewed(&sts, &x, &delegated, t);
    let doc = Document::parse(r.sct.as_bytes()).unwrap();
    let v = service(sts.store)
        .validate_sct(&doc, doc.root(), t)
        .unwrap();
    assert_eq!(v.principal, "alice");
    assert_eq!(v.act_as.as_deref(), Some("CN=interop-client"));
    assert_eq!(v.claims, vec![(READ.to_owned(), String::new())]);
}
