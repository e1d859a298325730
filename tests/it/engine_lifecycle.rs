//! Renew, Cancel and Validate end to end, each with its success and every refusal, for
//! stateless and stateful contexts; RSTC batches; key types and sizes.

use wstrust::xml::ns;

use crate::engine_support::*;

const HOUR: i64 = 3_600_000;

/// An STS whose realm lets only the holder of a context's key renew or cancel it.
fn proof_of_possession_only() -> Sts {
    let mut r = realm(false);
    r.owner_renewal = false;
    sts_with(vec![r])
}

fn renew_body(ctx: &Ctx) -> String {
    rst(
        "Renew",
        &format!(
            "<wst:RenewTarget>{}</wst:RenewTarget>",
            by_identifier(&ctx.identifier)
        ),
    )
}

/// Renews `ctx` signed with its own key; returns the renewed context (key read from the
/// reply, which is encrypted with the old key).
fn renew(sts: &Sts, ctx: &Ctx, now: i64) -> Ctx {
    let x = send_at(
        sts,
        &envelope(&renew_body(ctx), &By::Context { ctx, derived: true }, now),
        false,
        now,
    );
    let msg = read_reply(&x, vec![(ctx.identifier.clone(), ctx.key.clone())], now);
    let doc = msg.document();
    assert!(
        msg.was_encrypted(msg.envelope().unwrap().body_element().unwrap()),
        "the new key travels in a reply encrypted with the old one"
    );
    let key = binary_secret_proof(doc);
    ctx_from(doc, key)
}

#[test]
fn renewal_keeps_the_identifier_and_changes_instance_and_key() {
    for stateful in [false, true] {
        let sts = sts(stateful);
        let svc = service(sts.store.clone());
        let ctx = issue_to_client(&sts, "", NOW);
        if stateful {
            assert!(ctx.identifier.starts_with("urn:uuid:"));
        } else {
            assert!(ctx.identifier.starts_with("urn:wstrust:sct:"));
        }
        let later = NOW + 10 * 60_000;
        let renewed = renew(&sts, &ctx, later);
        assert_eq!(renewed.identifier, ctx.identifier);
        assert!(renewed.instance.is_some());
        assert_ne!(renewed.key, ctx.key, "a new key");
        // The service reads the same new key from the renewed token.
        let doc = wstrust::xml::Document::parse(renewed.sct.as_bytes()).unwrap();
        let t = svc.validate_sct(&doc, doc.root(), later).unwrap();
        assert_eq!(t.key.unwrap().expose(), renewed.key.as_slice());
        assert_eq!(t.instance, renewed.instance);
        // The renewed context authenticates; the old instance no longer does, anywhere.
        let issue = issue_body("");
        let ok = send_at(
            &sts,
            &envelope(
                &issue,
                &By::Context {
                    ctx: &renewed,
                    derived: false,
                },
                later,
            ),
            false,
            later,
        );
        ok.ok();
        let old = send_at(
            &sts,
            &envelope(
                &issue,
                &By::Context {
                    ctx: &ctx,
                    derived: false,
                },
                later,
            ),
            false,
            later,
        );
        assert_eq!(
            old.fault(),
            "wst:FailedAuthentication",
            "stateful={stateful}"
        );
        let od = wstrust::xml::Document::parse(ctx.sct.as_bytes()).unwrap();
        assert!(
            svc.validate_sct(&od, od.root(), later).is_err(),
            "superseded at the service too"
        );
        // And the renewed one renews again.
        let again = renew(&sts, &renewed, later + 1000);
        assert_ne!(again.instance, renewed.instance);
    }
}

#[test]
fn an_expired_context_renews_inside_the_window_only() {
    let sts = sts(false);
    let ctx = issue_to_client(&sts, "", NOW);
    // Expired (lifetime 1h) but inside the 24h window: renewed.
    let r = renew(&sts, &ctx, NOW + 2 * HOUR);
    assert!(r.instance.is_some());
    // An expired context cannot do anything but renew itself.
    let ctx2 = issue_to_client(&sts, "", NOW);
    let later = NOW + 2 * HOUR;
    let x = send_at(
        &sts,
        &envelope(
            &issue_body(""),
            &By::Context {
                ctx: &ctx2,
                derived: false,
            },
            later,
        ),
        false,
        later,
    );
    assert_eq!(x.fault(), "wst:FailedAuthentication", "{:?}", x.log);
    // Beyond the window: UnableToRenew.
    let late = NOW + HOUR + 25 * HOUR;
    let x = send_at(
        &sts,
        &envelope(
            &renew_body(&ctx2),
            &By::Context {
                ctx: &ctx2,
                derived: false,
            },
            late,
        ),
        false,
        late,
    );
    assert_eq!(x.fault(), "wst:UnableToRenew", "{:?}", x.log);
}

#[test]
fn renewal_refusals() {
    let sts = proof_of_possession_only();
    let ctx = issue_to_client(&sts, "", NOW);
    // Not the proof-key holder: signed by the client's certificate (the owner, but this realm
    // requires proof of possession; engine_owner tests owner renewal).
    let x = send_at(
        &sts,
        &envelope(&renew_body(&ctx), &By::Client, NOW),
        false,
        NOW,
    );
    assert_eq!(x.fault(), "wst:FailedAuthentication", "{:?}", x.log);
    // Signed by another context's key.
    let other = issue_to_client(&sts, "", NOW);
    let x = send_at(
        &sts,
        &envelope(
            &renew_body(&ctx),
            &By::Context {
                ctx: &other,
                derived: false,
            },
            NOW,
        ),
        false,
        NOW,
    );
    assert_eq!(x.fault(), "wst:FailedAuthentication", "{:?}", x.log);
    // No target.
    let x = send_at(
        &sts,
        &envelope(
            &rst("Renew", ""),
            &By::Context {
                ctx: &ctx,
                derived: false,
            },
            NOW,
        ),
        false,
        NOW,
    );
    assert_eq!(x.fault(), "wst:InvalidRequest", "{:?}", x.log);
    // One instance renews once: a second renewal of it is refused.
    renew(&sts, &ctx, NOW + 1000);
    let x = send_at(
        &sts,
        &envelope(
            &renew_body(&ctx),
            &By::Context {
                ctx: &ctx,
                derived: false,
            },
            NOW + 2000,
        ),
        false,
        NOW + 2000,
    );
    assert_ne!(x.status, 200, "{:?}", x.log);
    // Issued as not renewable.
    let fixed = issue_to_client(&sts, "<wst:Renewing Allow=\"false\"/>", NOW);
    let x = send_at(
        &sts,
        &envelope(
            &renew_body(&fixed),
            &By::Context {
                ctx: &fixed,
                derived: false,
            },
            NOW,
        ),
        false,
        NOW,
    );
    assert_eq!(x.fault(), "wst:UnableToRenew", "{:?}", x.log);
    // No renewal after expiry for OK="false".
    let strict = issue_to_client(&sts, "<wst:Renewing OK=\"false\"/>", NOW);
    let t = NOW + 2 * HOUR;
    let x = send_at(
        &sts,
        &envelope(
            &renew_body(&strict),
            &By::Context {
                ctx: &strict,
                derived: false,
            },
            t,
        ),
        false,
        t,
    );
    assert_eq!(x.fault(), "wst:UnableToRenew", "{:?}", x.log);
}

fn cancel_body(ctx: &Ctx) -> String {
    rst(
        "Cancel",
        &format!(
            "<wst:CancelTarget>{}</wst:CancelTarget>",
            by_identifier(&ctx.identifier)
        ),
    )
}

#[test]
fn cancel_by_the_holder_then_refused_everywhere() {
    for stateful in [false, true] {
        let sts = sts(stateful);
        let svc = service(sts.store.clone());
        let ctx = issue_to_client(&sts, "", NOW);
        let x = send_at(
            &sts,
            &envelope(
                &cancel_body(&ctx),
                &By::Context {
                    ctx: &ctx,
                    derived: true,
                },
                NOW,
            ),
            false,
            NOW,
        );
        let doc = x.ok();
        assert!(find(doc, T13, "RequestedTokenCancelled").is_some());
        assert!(
            find(doc, T13, "RequestSecurityTokenResponseCollection").is_none(),
            "cancel answers with an RSTR"
        );
        // Refused by the STS (any use, even cancelling again) and by the service.
        for body in [issue_body(""), cancel_body(&ctx), renew_body(&ctx)] {
            let x = send_at(
                &sts,
                &envelope(
                    &body,
                    &By::Context {
                        ctx: &ctx,
                        derived: false,
                    },
                    NOW,
                ),
                false,
                NOW,
            );
            assert_eq!(x.fault(), "wst:FailedAuthentication", "{:?}", x.log);
        }
        let d = wstrust::xml::Document::parse(ctx.sct.as_bytes()).unwrap();
        assert!(svc.validate_sct(&d, d.root(), NOW).is_err());
    }
}

#[test]
fn cancel_refusals() {
    let sts = proof_of_possession_only();
    let ctx = issue_to_client(&sts, "", NOW);
    let other = issue_to_client(&sts, "", NOW);
    for (body, by, code) in [
        (cancel_body(&ctx), By::Client, "wst:FailedAuthentication"),
        (cancel_body(&ctx), By::Context { ctx: &other, derived: false }, "wst:FailedAuthentication"),
        (rst("Cancel", ""), By::Context { ctx: &ctx, derived: false }, "wst:InvalidRequest"),
        (
            rst("Cancel", "<wst:CancelTarget><wsse:SecurityTokenReference><wsse:Reference URI=\"#nowhere\"/></wsse:SecurityTokenReference></wst:CancelTarget>"),
            By::Context { ctx: &ctx, derived: false },
            "wst:InvalidRequest",
        ),
    ] {
        let x = send_at(&sts, &envelope(&body, &by, NOW), false, NOW);
        assert_eq!(x.fault(), code, "{:?}", x.log);
    }
    // None of the refusals cancelled anything.
    send_at(
        &sts,
        &envelope(
            &issue_body(""),
            &By::Context {
                ctx: &ctx,
                derived: false,
            },
            NOW,
        ),
        false,
        NOW,
    )
    .ok();
}

fn validate_body(target: &str, token_type: Option<&str>) -> String {
    let tt = token_type
        .map(|t| format!("<wst:TokenType>{t}</wst:TokenType>"))
        .unwrap_or_default();
    rst(
        "Validate",
        &format!(
            "{tt}<wst:ValidateTarget>{target}</wst:ValidateTarget>{}",
            applies_to(RP)
        ),
    )
}

fn status(sts: &Sts, body: &str, now: i64) -> (String, Option<String>) {
    let x = send_at(sts, &envelope(body, &By::Client, now), false, now);
    let doc = x.ok();
    let code = doc
        .text(find(doc, T13, "Code").expect("a status code"))
        .into_owned();
    let reason = find(doc, T13, "Reason").map(|r| doc.text(r).into_owned());
    (code, reason)
}

#[test]
fn validate_answers_status_with_a_reason() {
    let sts = sts(false);
    let ctx = issue_to_client(&sts, "", NOW);
    let (code, reason) = status(
        &sts,
        &validate_body(&by_identifier(&ctx.identifier), None),
        NOW,
    );
    assert_eq!(code, format!("{T13}/status/valid"));
    assert_eq!(reason, None);
    // The SCT element itself as the target.
    let (code, _) = status(&sts, &validate_body(&ctx.sct, None), NOW);
    assert_eq!(code, format!("{T13}/status/valid"));
    // Expired.
    let (code, reason) = status(
        &sts,
        &validate_body(&by_identifier(&ctx.identifier), None),
        NOW + 2 * HOUR,
    );
    assert_eq!(code, format!("{T13}/status/invalid"));
    assert_eq!(reason.as_deref(), Some("urn:wstrust:status:expired"));
    // Tampered identifier.
    let mut bad = ctx.identifier.clone();
    bad.pop();
    bad.push(if ctx.identifier.ends_with('A') {
        'B'
    } else {
        'A'
    });
    let (code, reason) = status(&sts, &validate_body(&by_identifier(&bad), None), NOW);
    assert_eq!(code, format!("{T13}/status/invalid"));
    assert_eq!(reason.as_deref(), Some("urn:wstrust:status:unknown-token"));
    // Superseded by a renewal.
    let old = ctx.clone();
    let x = send_at(
        &sts,
        &envelope(
            &renew_body(&ctx),
            &By::Context {
                ctx: &ctx,
                derived: false,
            },
            NOW,
        ),
        false,
        NOW,
    );
    x.ok();
    let (_, reason) = status(&sts, &validate_body(&old.sct, None), NOW);
    assert_eq!(reason.as_deref(), Some("urn:wstrust:status:superseded"));
    // Cancelled.
    let c2 = issue_to_client(&sts, "", NOW);
    send_at(
        &sts,
        &envelope(
            &cancel_body(&c2),
            &By::Context {
                ctx: &c2,
                derived: false,
            },
            NOW,
        ),
        false,
        NOW,
    )
    .ok();
    let (_, reason) = status(
        &sts,
        &validate_body(&by_identifier(&c2.identifier), None),
        NOW,
    );
    assert_eq!(reason.as_deref(), Some("urn:wstrust:status:cancelled"));
    // Unauthenticated validation is refused; a missing target is invalid.
    let x = send_at(
        &sts,
        &envelope(
            &validate_body(&by_identifier(&c2.identifier), None),
            &By::Nobody,
            NOW,
        ),
        false,
        NOW,
    );
    assert_eq!(x.fault(), "wst:FailedAuthentication");
    let x = send_at(
        &sts,
        &envelope(&rst("Validate", ""), &By::Client, NOW),
        false,
        NOW,
    );
    assert_eq!(x.fault(), "wst:InvalidRequest");
}

#[test]
fn validate_can_exchange_for_a_new_context() {
    let sts = sts(false);
    let svc = service(sts.store.clone());
    let ctx = issue_to_client(&sts, &claims(&[READ]), NOW);
    let x = send_at(
        &sts,
        &envelope(
            &validate_body(&by_identifier(&ctx.identifier), Some(SCT13)),
            &By::Client,
            NOW,
        ),
        false,
        NOW,
    );
    let doc = x.ok();
    assert_eq!(
        doc.text(find(doc, T13, "Code").unwrap()),
        format!("{T13}/status/valid")
    );
    let fresh = ctx_from(doc, client_proof(doc));
    assert_ne!(fresh.identifier, ctx.identifier);
    let t = svc
        .validate_sct(
            doc,
            find(doc, ns::WSC13, "SecurityContextToken").unwrap(),
            NOW,
        )
        .unwrap();
    assert_eq!(t.key.unwrap().expose(), fresh.key.as_slice());
    assert_eq!(t.claims, vec![(READ.to_owned(), String::new())]);
}

#[test]
fn a_collection_is_answered_by_one_collection() {
    let sts = sts(false);
    let one = issue_body("");
    let body = format!(
        "<wst:RequestSecurityTokenCollection xmlns:wst=\"{T13}\">{one}{one}</wst:RequestSecurityTokenCollection>"
    );
    let x = send_at(&sts, &envelope(&body, &By::Client, NOW), false, NOW);
    let doc = x.ok();
    let c = find(doc, T13, "RequestSecurityTokenResponseCollection").unwrap();
    assert_eq!(doc.child_elements(c).count(), 2);
    let ids = find_all(doc, ns::WSC13, "Identifier");
    assert_ne!(doc.text(ids[0]), doc.text(ids[1]));
    // One bad request refuses the batch.
    let bad = rst(
        "Issue",
        &format!("{}<wst:KeySize>64</wst:KeySize>", applies_to(RP)),
    );
    let body = format!(
        "<wst:RequestSecurityTokenCollection xmlns:wst=\"{T13}\">{one}{bad}</wst:RequestSecurityTokenCollection>"
    );
    let x = send_at(&sts, &envelope(&body, &By::Client, NOW), false, NOW);
    assert_eq!(x.fault(), "wst:InvalidRequest");
}

fn sct_type() -> String {
    format!("<wst:TokenType>{SCT13}</wst:TokenType>")
}

#[test]
fn issue_refusals_key_types_sizes_scope_claims() {
    let sts = sts(false);
    let kt = |t: &str| format!("<wst:KeyType>{T13}/{t}</wst:KeyType>");
    for (extra, code) in [
        // A security context token cannot be a bearer or public-key token (a request naming
        // no TokenType gets a SAML assertion then: tests/it/engine_defaults.rs).
        (
            format!("{}{}", sct_type(), kt("Bearer")),
            "wst:InvalidRequest",
        ),
        (
            format!("{}{}", sct_type(), kt("PublicKey")),
            "wst:InvalidRequest",
        ),
        (
            "<wst:KeySize>64</wst:KeySize>".to_owned(),
            "wst:InvalidRequest",
        ),
        (
            "<wst:KeySize>1024</wst:KeySize>".to_owned(),
            "wst:InvalidRequest",
        ),
        (claims(&["urn:right:admin"]), "wst:InvalidRequest"),
        (
            "<wst:TokenType>urn:example:unknown-token</wst:TokenType>".to_owned(),
            "wst:InvalidRequest",
        ),
    ] {
        let x = send_at(
            &sts,
            &envelope(&issue_body(&extra), &By::Client, NOW),
            false,
            NOW,
        );
        assert_eq!(x.fault(), code, "{extra}: {:?}", x.log);
    }
    let body = rst("Issue", &applies_to("https://elsewhere.example/"));
    let x = send_at(&sts, &envelope(&body, &By::Client, NOW), false, NOW);
    assert_eq!(x.fault(), "wst:InvalidScope");
    // Accepted sizes are honoured, and the key in the token is the requester's key.
    let svc = service(sts.store.clone());
    for bits in [128u32, 512] {
        let x = send_at(
            &sts,
            &envelope(
                &issue_body(&format!("<wst:KeySize>{bits}</wst:KeySize>")),
                &By::Client,
                NOW,
            ),
            false,
            NOW,
        );
        let doc = x.ok();
        let k = client_proof(doc);
        assert_eq!(k.len() * 8, bits as usize);
        assert_eq!(service_key(&svc, doc, NOW), k);
    }
}

/// The wall clock, in ms: the stores below expire entries by it.
fn wall_now() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(d.as_millis()).unwrap()
}

#[test]
fn a_cancelled_context_validates_invalid_on_every_store() {
    // Issue 21: a Validate after a Cancel must answer `invalid` whatever holds the
    // cancellation: memory, redb (durable, the default) or a real Redis (several nodes), for
    // stateless (sealed) and stateful (stored) contexts. Here engine and stores share the
    // wall clock, as in production.
    let tmp = crate::server_support::TempDir::new("cancel-stores");
    let redis = crate::store_redis::redis();
    let mut stores: Vec<(&str, std::sync::Arc<dyn wstrust::store::TokenStore>)> = vec![
        (
            "memory",
            std::sync::Arc::new(wstrust::store::MemoryStore::new()),
        ),
        (
            "redb",
            std::sync::Arc::new(
                wstrust::store::RedbStore::open(&tmp.path().join("store.redb")).unwrap(),
            ),
        ),
    ];
    if let Some(r) = &redis {
        let url = format!("redis://127.0.0.1:{}/", r.1);
        stores.push((
            "redis",
            std::sync::Arc::new(wstrust::store::RedisStore::open(&url, "cancel").unwrap()),
        ));
    }
    for (name, store) in stores {
        for stateful in [false, true] {
            let case = format!("{name}, stateful = {stateful}");
            let now = wall_now();
            let sts = sts_on(vec![realm(stateful)], store.clone());
            let ctx = issue_to_client(&sts, "", now);
            let target = validate_body(&by_identifier(&ctx.identifier), None);
            let (code, _) = status(&sts, &target, now);
            assert_eq!(code, format!("{T13}/status/valid"), "{case}: before");
            let x = send_at(
                &sts,
                &envelope(
                    &cancel_body(&ctx),
                    &By::Context {
                        ctx: &ctx,
                        derived: true,
                    },
                    now,
                ),
                false,
                now,
            );
            assert!(
                find(x.ok(), T13, "RequestedTokenCancelled").is_some(),
                "{case}: cancelled"
            );
            let later = wall_now();
            let (code, reason) = status(&sts, &target, later);
            assert_eq!(code, format!("{T13}/status/invalid"), "{case}: after");
            let want = if stateful {
                // A stored context is removed on cancel: it is no longer known.
                [
                    "urn:wstrust:status:cancelled",
                    "urn:wstrust:status:unknown-token",
                ]
            } else {
                ["urn:wstrust:status:cancelled"; 2]
            };
            assert!(
                want.contains(&reason.as_deref().unwrap_or_default()),
                "{case}: reason {reason:?}"
            );
            // The SCT element itself as the target says the same, and the service refuses it.
            let (code, _) = status(&sts, &validate_body(&ctx.sct, None), later);
            assert_eq!(code, format!("{T13}/status/invalid"), "{case}: the SCT");
            let d = wstrust::xml::Document::parse(ctx.sct.as_bytes()).unwrap();
            assert!(
                service(store.clone())
                    .validate_sct(&d, d.root(), later)
                    .is_err(),
                "{case}: the service refuses it"
            );
        }
    }
}
