//! JWTs from the served STS checked by an independent JOSE library (issue 16): a realm that
//! issues `urn:ietf:params:oauth:token-type:jwt` answers RSTs over SOAP 1.1 and 1.2 on the
//! real HTTP server; PyJWT (tests/interop/clients/verify_jwt.py) verifies each JWT's RS256
//! signature by the STS certificate, its audience (the AppliesTo), issuer and expiry, and
//! refuses it tampered, expired or for another audience; for a symmetric-key JWT, `cryptography`
//! opens `cnf.jwe` with the relying party's key and finds the requester's proof key. Our own
//! `wstrust validate-token` accepts the same JWT.

use std::process::Command;

use wstrust::xml::{ns, Document};

use crate::interop_support::{fact, facts, hex};
use crate::realclient_support::{clients_dir, python_clients, Server};
use crate::server_support::{request, rst_username, ISSUE_SCT};

const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const WST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";

/// The RST of `rst_username` asking for a JWT with `key_type` (`Bearer`, or `None` for a
/// symmetric key) in SOAP `env`.
fn jwt_request(
    user: &str,
    password: &str,
    applies_to: &str,
    key_type: Option<&str>,
    env: &str,
) -> String {
    let sct_tt = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";
    let mut xml = rst_username(user, password, applies_to).replace(sct_tt, JWT);
    if let Some(k) = key_type {
        xml = xml.replace(
            "<wst:KeySize>256</wst:KeySize>",
            &format!("<wst:KeyType>{WST}/{k}</wst:KeyType>"),
        );
    }
    xml.replace(
        &format!("xmlns:s=\"{SOAP11}\""),
        &format!("xmlns:s=\"{env}\""),
    )
}

/// The compact JWT in the RSTR and, for a symmetric key, the BinarySecret proof key.
fn jwt_of(body: &[u8]) -> (String, Option<Vec<u8>>) {
    let doc = Document::parse(body).unwrap();
    let bst = doc
        .descendants_or_self(doc.root())
        .find(|n| {
            doc.is(*n, ns::WSSE, "BinarySecurityToken")
                && doc.attribute(*n, "", "ValueType") == Some(JWT)
        })
        .unwrap_or_else(|| {
            panic!(
                "no BinarySecurityToken in {}",
                String::from_utf8_lossy(body)
            )
        });
    let raw = wstrust::xmlsec::base64_decode(doc.text(bst).trim()).unwrap();
    let proof = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns::WST13, "BinarySecret"))
        .map(|n| wstrust::xmlsec::base64_decode(doc.text(n).trim()).unwrap());
    (String::from_utf8(raw).unwrap(), proof)
}

#[test]
fn pyjwt_verifies_the_jwts_the_served_sts_issues() {
    let Some(py) = python_clients() else {
        return;
    };
    let server = Server::start("jwt-pyjwt", |c| {
        c.replace(
            "# token_types = [\"sct\", \"saml11\", \"saml20\"]",
            "token_types = [\"sct\", \"saml11\", \"saml20\", \"jwt\"]",
        )
    });
    let (user, password, applies_to) = crate::server_support::demo(&server.dir);
    let issuer = wstrust::config::load(&server.dir.join(wstrust::config::datadir::CONFIG_FILE))
        .unwrap()
        .engine
        .issuer;
    for env in [SOAP11, SOAP12] {
        for key_type in [Some("Bearer"), None] {
            let case = format!("{env} {key_type:?}");
            let xml = jwt_request(&user, &password, &applies_to, key_type, env);
            let ct = if env == SOAP11 {
                "text/xml; charset=utf-8".to_owned()
            } else {
                format!("application/soap+xml; charset=utf-8; action=\"{ISSUE_SCT}\"")
            };
            let mut headers = vec![("Content-Type", ct.as_str())];
            let action = format!("\"{ISSUE_SCT}\"");
            if env == SOAP11 {
                headers.push(("SOAPAction", action.as_str()));
            }
            let resp = request(server.bin.addr, "POST", "/sts", &headers, xml.as_bytes());
            assert_eq!(resp.status, 200, "{case}: {}", resp.text());
            let (token, proof) = jwt_of(&resp.body);
            let file = server.dir.join(format!(
                "jwt-{}.txt",
                hex(&wstrust::crypto::random_bytes(4).unwrap())
            ));
            std::fs::write(&file, &token).unwrap();
            let out = Command::new(&py)
                .arg(clients_dir().join("verify_jwt.py"))
                .arg("--jwt")
                .arg(&file)
                .args(["--cert", &server.file("pki/sts.pem")])
                .args(["--audience", &applies_to, "--issuer", &issuer])
                .args(["--service-key", &server.file("pki/service.key")])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success(),
                "{case}: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let f = facts(&text);
            assert_eq!(fact(&f, "signature"), "verified", "{case}: {text}");
            assert_eq!(fact(&f, "sub"), user, "{case}");
            assert!(
                fact(&f, "tampered").starts_with("refused InvalidSignatureError"),
                "{case}"
            );
            assert!(
                fact(&f, "expired").starts_with("refused ExpiredSignatureError"),
                "{case}"
            );
            assert!(
                fact(&f, "other_audience").starts_with("refused InvalidAudienceError"),
                "{case}"
            );
            match key_type {
                Some(_) => {
                    assert_eq!(fact(&f, "cnf"), "none", "{case}: a bearer JWT has no cnf");
                    assert!(proof.is_none(), "{case}: no proof key");
                }
                None => {
                    assert_eq!(fact(&f, "cnf"), "jwe", "{case}");
                    let proof = proof.as_ref().expect("a proof key for the requester");
                    assert_eq!(
                        fact(&f, "cnf_key_hex"),
                        hex(proof),
                        "{case}: the service gets the requester's key"
                    );
                }
            }
            // Our own service-side check accepts the same JWT.
            let ours = Command::new(env!("CARGO_BIN_EXE_wstrust"))
                .arg("validate-token")
                .arg("--token")
                .arg(&file)
                .args(["--service-key", &server.file("pki/service.key")])
                .args(["--sts-cert", &server.file("pki/sts.pem")])
                .args(["--audience", &applies_to, "--issuer", &issuer])
                .args(["--format", "json", "--reveal-key"])
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&ours.stdout).into_owned();
            assert!(
                ours.status.success(),
                "{case}: validate-token: {said}{}",
                String::from_utf8_lossy(&ours.stderr)
            );
            if let Some(p) = &proof {
                assert!(
                    said.contains(&hex(p)),
                    "{case}: validate-token opens the key: {said}"
                );
            }
            // And refuses it for another audience.
            let other = Command::new(env!("CARGO_BIN_EXE_wstrust"))
                .arg("validate-token")
                .arg("--token")
                .arg(&file)
                .args(["--service-key", &server.file("pki/service.key")])
                .args(["--sts-cert", &server.file("pki/sts.pem")])
                .args(["--audience", "https://other.example/"])
                .output()
                .unwrap();
            assert!(
                !other.status.success(),
                "{case}: another audience is refused"
            );
        }
    }
}
