//! Pattern 3, delegation: principal A (the client certificate) holds a context for service T
//! and delegates rights to B (user alice) with a delegation token signed by the key A shares
//! with T; B presents it as OnBehalfOf or ActAs and gets a token for T recording A.

use wstrust::service::delegation::Delegation;
use wstrust::trust::ScVersion;
use wstrust::xml::ns;

use crate::engine_support::*;

const WST14: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200802";

fn user(name: &str) -> String {
    format!(
        "<wsse:UsernameToken xmlns:wsse=\"{}\"><wsse:Username>{name}</wsse:Username>\
         <wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText\">secret</wsse:Password></wsse:UsernameToken>",
        ns::WSSE
    )
}

fn delegation(
    a: &Ctx,
    delegate: &str,
    rights: &[&str],
    delegatable: bool,
    expires: i64,
) -> Delegation {
    Delegation {
        delegator: "CN=interop-client".into(),
        delegate: delegate.into(),
        target: RP.into(),
        rights: rights.iter().map(|r| (*r).to_owned()).collect(),
        delegatable,
        expires_ms: expires,
        context: (a.identifier.clone(), a.instance.clone()),
    }
}

/// B (`who`, by password over TLS) asks for a token for T with `token` as OnBehalfOf or ActAs.
fn ask(sts: &Sts, who: &str, token: &str, act_as: bool, rights: &[&str]) -> Exchange {
    let holder = if act_as {
        format!("<wst14:ActAs xmlns:wst14=\"{WST14}\">{token}</wst14:ActAs>")
    } else {
        format!("<wst:OnBehalfOf>{token}</wst:OnBehalfOf>")
    };
    let c = if rights.is_empty() {
        String::new()
    } else {
        claims(rights)
    };
    let xml = envelope_with(
        &issue_body(&format!("{c}{holder}")),
        &By::Nobody,
        NOW,
        vec![user(who)],
    );
    send_at(sts, &xml, true, NOW)
}

#[test]
fn delegate_gets_a_token_for_the_target_recording_the_delegator() {
    let sts = sts(false);
    let svc = service(sts.store.clone());
    let a = issue_to_client(&sts, &claims(&[READ, WRITE]), NOW);
    for act_as in [false, true] {
        let d = delegation(&a, "alice", &[READ], false, NOW + 600_000)
            .write_signed(&format!("dlg-{act_as}"), ScVersion::V13, &a.key)
            .unwrap();
        let x = ask(&sts, "alice", &d, act_as, &[READ]);
        let doc = x.ok();
        let proof = binary_secret_proof(doc);
        let t = svc
            .validate_sct(
                doc,
                find(doc, ns::WSC13, "SecurityContextToken").unwrap(),
                NOW,
            )
            .unwrap();
        assert_eq!(
            t.key.unwrap().expose(),
            proof.as_slice(),
            "session key for T = proof for B"
        );
        assert_eq!(t.principal, "alice");
        assert_eq!(t.act_as.as_deref(), Some("CN=interop-client"));
        assert_eq!(t.claims, vec![(READ.to_owned(), String::new())]);
    }
}

#[test]
fn delegation_refusals() {
    let sts = sts(false);
    let a = issue_to_client(&sts, &claims(&[READ]), NOW);
    let sign = |d: Delegation| d.write_signed("dlg-1", ScVersion::V13, &a.key).unwrap();
    let good = sign(delegation(&a, "alice", &[READ], false, NOW + 600_000));
    ask(&sts, "alice", &good, false, &[READ]).ok();
    for (token, who, rights, why) in [
        (
            good.clone(),
            "alice",
            vec![READ, WRITE],
            "request widens the delegated rights",
        ),
        (
            sign(delegation(
                &a,
                "alice",
                &[READ, WRITE],
                false,
                NOW + 600_000,
            )),
            "alice",
            vec![],
            "delegation widens A's rights",
        ),
        (good.clone(), "bob", vec![READ], "wrong delegate"),
        (
            sign(delegation(&a, "alice", &[READ], false, NOW - 1)),
            "alice",
            vec![READ],
            "expired delegation",
        ),
        (
            good.replace(">alice<", ">bob<"),
            "bob",
            vec![READ],
            "tampered delegate",
        ),
        (
            delegation(&a, "alice", &[READ], false, NOW + 600_000)
                .write_signed("dlg-1", ScVersion::V13, &[9u8; 32])
                .unwrap(),
            "alice",
            vec![READ],
            "signed with another key",
        ),
    ] {
        let x = ask(&sts, who, &token, false, &rights);
        assert_eq!(x.fault(), "wst:FailedAuthentication", "{why}: {:?}", x.log);
    }
    // Both OnBehalfOf and ActAs.
    let other = delegation(&a, "alice", &[READ], false, NOW + 600_000)
        .write_signed("dlg-2", ScVersion::V13, &a.key)
        .unwrap();
    let both = format!("<wst14:ActAs xmlns:wst14=\"{WST14}\">{good}</wst14:ActAs><wst:OnBehalfOf>{other}</wst:OnBehalfOf>");
    let xml = envelope_with(&issue_body(&both), &By::Nobody, NOW, vec![user("alice")]);
    assert_eq!(send_at(&sts, &xml, true, NOW).fault(), "wst:InvalidRequest");
}

#[test]
fn re_delegation_needs_delegatable() {
    let sts = sts(false);
    let a = issue_to_client(&sts, &claims(&[READ]), NOW);
    for delegatable in [false, true] {
        let d = delegation(&a, "alice", &[READ], delegatable, NOW + 600_000)
            .write_signed("dlg-1", ScVersion::V13, &a.key)
            .unwrap();
        let x = ask(&sts, "alice", &d, true, &[]);
        let doc = x.ok();
        let b = ctx_from(doc, binary_secret_proof(doc));
        // B (alice) delegates on to bob with the key it shares with T.
        let mut d2 = delegation(&b, "bob", &[READ], false, NOW + 600_000);
        d2.delegator = "alice".into();
        let token = d2.write_signed("dlg-2", ScVersion::V13, &b.key).unwrap();
        let x = ask(&sts, "bob", &token, true, &[READ]);
        if delegatable {
            let svc = service(sts.store.clone());
            let doc = x.ok();
            let t = svc
                .validate_sct(
                    doc,
                    find(doc, ns::WSC13, "SecurityContextToken").unwrap(),
                    NOW,
                )
                .unwrap();
            assert_eq!(t.principal, "bob");
            assert_eq!(t.act_as.as_deref(), Some("alice"));
            assert!(t
                .claims
                .iter()
                .any(|(n, v)| n == "urn:wstrust:delegation:via" && v == "CN=interop-client"));
        } else {
            assert_eq!(x.fault(), "wst:FailedAuthentication", "{:?}", x.log);
        }
    }
}
