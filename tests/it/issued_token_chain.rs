//! Issued-token authentication across two STSs over real HTTP (issue 16 item 4, issue 17
//! item 5): STS A (its own data directory and keys) issues a holder-of-key SAML 2.0
//! assertion to a UsernameToken user for STS B; the client then presents it on B's AD FS
//! `issuedtokenmixed{symmetric,asymmetric}basic256` endpoints as WCF does over TLS — the
//! assertion in the security header, a signature over Timestamp and `wsa:To` made with its
//! proof key (the symmetric key A encrypted for B's certificate, or the client's RSA key A
//! bound with UseKey), KeyInfo naming the assertion by its SAML key identifier. That request
//! is built by `tests/interop/issued_token_py.py` with lxml and python-xmlsec (nothing of
//! ours). B trusts A's signing certificate (`[[trusted_issuers]]`) and issues its own token
//! to A's subject.
//!
//! Refused, each with the same generic `wst:FailedAuthentication` fault and no state change
//! (the valid presentation still succeeds afterwards): an assertion from an STS B does not
//! trust, one for another audience, a tampered assertion, an expired one (re-signed with A's key, only its lifetime
//! changed; the same re-signing with a valid lifetime is accepted), a signature by another
//! key than the proof key, a bearer assertion on an endpoint that needs a proof (the same
//! assertion is then accepted once on /sts), the other kind of proof key, a UsernameToken on
//! an issued-token endpoint, and a replayed message.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use wstrust::wss::{Clock, SystemClock};
use wstrust::xml::{datetime, Document};

use crate::interop_support::{fact, facts, peer_available, repo, run_ok, scratch};
use crate::server_support::{data_dir, demo, load, post_soap11, request, start, Http, TempDir};

const B_ISSUER: &str = "urn:test:sts-b";
/// Another audience A issues for (with B's certificate receiving the key): not B's.
const ELSEWHERE: &str = "urn:test:elsewhere";
const SYM13: &str = "/adfs/services/trust/13/issuedtokenmixedsymmetricbasic256";
const ASYM13: &str = "/adfs/services/trust/13/issuedtokenmixedasymmetricbasic256";
const SYM2005: &str = "/adfs/services/trust/2005/issuedtokenmixedsymmetricbasic256";
const ASYM2005: &str = "/adfs/services/trust/2005/issuedtokenmixedasymmetricbasic256";
const B_REALM: &str = "https://demo.wstrust.invalid/app";
const SAML1: &str = "urn:oasis:names:tc:SAML:1.0:assertion";
const SAML2: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

/// The section of docs/interop.md on this test (rendered by `interop_docs`).
pub const INTEROP_DOC: &str = r#"## Issued-token authentication: a chain of two STSs (live)

AD FS's endpoint set (`/adfs/services/trust/{13,2005}/…`) as this STS serves it:

| AD FS endpoint | served | authentication | MEX policy |
|---|---|---|---|
| `usernamemixed` | yes | UsernameToken over HTTPS | TransportBinding + signed encrypted supporting `sp:UsernameToken` |
| `certificatemixed` | yes | message signed by the client certificate over HTTPS | TransportBinding + endorsing `sp:X509Token` |
| `issuedtokenmixedsymmetricbasic256` | yes | another STS's holder-of-key assertion, symmetric proof key | TransportBinding + endorsing `sp:IssuedToken` (template: `SymmetricKey`, 256 bits) |
| `issuedtokenmixedasymmetricbasic256` | yes | another STS's holder-of-key assertion, public proof key | TransportBinding + endorsing `sp:IssuedToken` (template: `PublicKey`) |
| `windowstransport` | no (no Kerberos/Negotiate) | — | not listed |
| `certificatetransport`, `/adfs/ls/` | no | — | not listed |

MEX (`/adfs/services/trust/mex`) lists exactly the served endpoints, each policy compared element for element with a recorded AD FS MEX (`server_adfs::adfs_mex_lists_exactly_the_served_endpoints_with_adfs_policies`; msal and zeep read it). An `issuedtokenmixed*` path takes only a holder-of-key assertion from a `[[trusted_issuers]]` STS with its kind of proof key; bearer assertions (accepted once, over a confidential channel, on `/sts` only), passwords and certificates are refused there.

`tests/it/issued_token_chain.rs`: two in-process servers over HTTP with their own data directories and keys. STS A issues a SAML 2.0 holder-of-key assertion for B to a UsernameToken user (symmetric: a 256-bit key encrypted for B's certificate, returned to the client in `RequestedProofToken`; asymmetric: bound with `UseKey` to the client's certificate). The client request to B is built by `tests/interop/issued_token_py.py` with lxml and python-xmlsec only, as WCF presents an issued token over TLS: the assertion in `wsse:Security` (its original bytes), a `ds:Signature` over Timestamp and `wsa:To` (exclusive c14n, HMAC-SHA1 or RSA-SHA1) with KeyInfo → STR → `SAMLID` key identifier. B trusts A's certificate and issues its SAML 1.1 assertion to A's subject.

| case | endpoint | result |
|---|---|---|
| symmetric proof key, WS-Trust 1.3 and 2005 | `…/issuedtokenmixedsymmetricbasic256` | issued by B to A's subject |
| public proof key, WS-Trust 1.3 and 2005 | `…/issuedtokenmixedasymmetricbasic256` | issued by B to A's subject |
| the same assertion in a second message; re-signed by A's key with a valid lifetime | symmetric | issued |
| signature by a random key / another RSA key instead of the proof key | both | `wst:FailedAuthentication` |
| assertion changed after A signed (NameID) | symmetric | `wst:FailedAuthentication` |
| assertion re-signed by A's key with a lifetime an hour past | symmetric | `wst:FailedAuthentication` |
| assertion from an STS B does not trust (C, its own key) | symmetric | `wst:FailedAuthentication` |
| symmetric proof on the asymmetric endpoint and the reverse | both | `wst:FailedAuthentication` |
| holder-of-key assertion without a signature; bearer assertion | both | `wst:FailedAuthentication` |
| the accepted message sent again | both | `wst:FailedAuthentication` (replay) |
| UsernameToken | symmetric | `wst:FailedAuthentication` |
| bearer assertion on `/sts` (loopback counts as confidential), then again | `/sts` | issued once, then `wst:FailedAuthentication` |

Every refusal is the same SOAP 1.2 fault (`s:Sender` / `wst:FailedAuthentication`, "Authentication failed"), the reason in the log only; no refusal leaves state (the valid message, and the bearer assertion on `/sts`, are accepted after the refusals).
"#;

/// The venv's Python with lxml and python-xmlsec, or `None` after the skip notice (in CI: a
/// failure).
fn python() -> Option<PathBuf> {
    let py = repo().join(".venv-interop/bin/python");
    let ok = Command::new(&py)
        .args(["-c", "import lxml, xmlsec"])
        .output()
        .is_ok_and(|o| o.status.success());
    peer_available("lxml and python-xmlsec (.venv-interop)", ok).then_some(py)
}

fn set_issuer(dir: &Path, issuer: &str, extra: &str) {
    let cfg = dir.join(wstrust::config::datadir::CONFIG_FILE);
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("issuer = \"urn:wstrust:dev-sts\""));
    let text = text.replace(
        "issuer = \"urn:wstrust:dev-sts\"",
        &format!("issuer = \"{issuer}\""),
    );
    std::fs::write(&cfg, format!("{text}\n{extra}")).unwrap();
}

/// An identity STS (A, or the untrusted C) with a realm for B: B's certificate receives the
/// holder-of-key symmetric keys.
fn identity_sts(tag: &str, b: &Path) -> TempDir {
    let d = data_dir(tag);
    std::fs::copy(b.join("pki/sts.pem"), d.path().join("pki/sts-b.pem")).unwrap();
    set_issuer(
        d.path(),
        &format!("urn:test:{tag}"),
        &format!(
            "[[realms]]\nname = \"sts-b\"\napplies_to = \"{B_ISSUER}\"\ncert = \"pki/sts-b.pem\"\n\n\
             [[realms]]\nname = \"elsewhere\"\napplies_to = \"{ELSEWHERE}\"\ncert = \"pki/sts-b.pem\"\n"
        ),
    );
    d
}

struct Chain {
    a_dir: TempDir,
    b_dir: TempDir,
    c_dir: TempDir,
    a: wstrust::server::Running,
    b: wstrust::server::Running,
    c: wstrust::server::Running,
}

fn chain() -> Chain {
    let b_dir = data_dir("issued-b");
    let a_dir = identity_sts("sts-a", b_dir.path());
    let c_dir = identity_sts("sts-c", b_dir.path());
    std::fs::copy(
        a_dir.path().join("pki/sts.pem"),
        b_dir.path().join("pki/sts-a.pem"),
    )
    .unwrap();
    set_issuer(
        b_dir.path(),
        B_ISSUER,
        "[[trusted_issuers]]\nname = \"sts-a\"\ncertificate = \"pki/sts-a.pem\"\n\
         issuer = \"urn:test:sts-a\"\n",
    );
    let pem = |d: &TempDir| std::fs::read(d.path().join("pki/sts.pem")).unwrap();
    assert_ne!(pem(&a_dir), pem(&b_dir), "A and B sign with distinct keys");
    assert_ne!(pem(&a_dir), pem(&c_dir));
    let a = start(load(a_dir.path()));
    let b = start(load(b_dir.path()));
    let c = start(load(c_dir.path()));
    Chain {
        a_dir,
        b_dir,
        c_dir,
        a,
        b,
        c,
    }
}

/// The body of the RST to an identity STS: a SAML 2.0 assertion for B, of `key_type`
/// (`SymmetricKey`, `PublicKey` bound to `use_key`'s certificate, `Bearer`).
fn rst_for(
    user: &str,
    password: &str,
    key_type: &str,
    use_key: Option<&Path>,
    audience: &str,
) -> String {
    let now = SystemClock.now_ms();
    let created = datetime::format(now);
    let expires = datetime::format(now + 300_000);
    let t = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
    let key = match (key_type, use_key) {
        ("SymmetricKey", _) => {
            format!("<wst:KeyType>{t}/SymmetricKey</wst:KeyType><wst:KeySize>256</wst:KeySize>")
        }
        ("PublicKey", Some(cert)) => {
            let pem = std::fs::read_to_string(cert).unwrap();
            let der = wstrust::pki::Certificate::from_pem(&pem).unwrap();
            format!(
                "<wst:KeyType>{t}/PublicKey</wst:KeyType><wst:UseKey>\
<wsse:BinarySecurityToken ValueType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3\" \
EncodingType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary\">{}</wsse:BinarySecurityToken>\
</wst:UseKey>",
                wstrust::xmlsec::base64_encode(der.der())
            )
        }
        _ => format!("<wst:KeyType>{t}/Bearer</wst:KeyType>"),
    };
    format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" \
xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\" \
xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\">\
<s:Header><wsse:Security s:mustUnderstand=\"1\">\
<wsu:Timestamp wsu:Id=\"TS-1\"><wsu:Created>{created}</wsu:Created><wsu:Expires>{expires}</wsu:Expires></wsu:Timestamp>\
<wsse:UsernameToken wsu:Id=\"UT-1\"><wsse:Username>{user}</wsse:Username>\
<wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText\">{password}</wsse:Password>\
</wsse:UsernameToken></wsse:Security></s:Header><s:Body>\
<wst:RequestSecurityToken xmlns:wst=\"{t}\">\
<wst:TokenType>http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0</wst:TokenType>\
<wst:RequestType>{t}/Issue</wst:RequestType>\
<wsp:AppliesTo xmlns:wsp=\"http://schemas.xmlsoap.org/ws/2004/09/policy\">\
<wsa:EndpointReference xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">\
<wsa:Address>{audience}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>{key}\
</wst:RequestSecurityToken></s:Body></s:Envelope>"
    )
}

/// The RSTR an identity STS (`addr`, data directory `dir`) answers for B, saved to a file.
fn token_from(
    addr: SocketAddr,
    dir: &Path,
    key_type: &str,
    use_key: Option<&Path>,
    out: &Path,
) -> PathBuf {
    token_for(addr, dir, (key_type, use_key), B_ISSUER, out)
}

/// The RSTR an identity STS answers for `audience`, saved to a file.
fn token_for(
    addr: SocketAddr,
    dir: &Path,
    (key_type, use_key): (&str, Option<&Path>),
    audience: &str,
    out: &Path,
) -> PathBuf {
    let (user, password, _) = demo(dir);
    let r = post_soap11(
        addr,
        "/sts",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
        &rst_for(&user, &password, key_type, use_key, audience),
    );
    assert_eq!(r.status, 200, "{key_type}: {}", r.text());
    let text = r.text();
    assert!(text.contains(SAML2), "a SAML 2.0 assertion: {text}");
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let file = out.join(format!("rstr-{key_type}-{n}.xml"));
    std::fs::write(&file, &r.body).unwrap();
    file
}

/// Runs the Python presenter; returns the request bytes and the facts.
fn present(
    py: &Path,
    rstr: &Path,
    path: &str,
    proof: &str,
    args: &[&str],
    out: &Path,
) -> (Vec<u8>, Vec<(String, String)>) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let file = out.join(format!("request-{}.xml", N.fetch_add(1, Ordering::Relaxed)));
    let trust = if path.contains("/2005/") {
        "2005"
    } else {
        "13"
    };
    let stdout = run_ok(
        Command::new(py)
            .arg(repo().join("tests/interop/issued_token_py.py"))
            .arg("present")
            .arg("--rstr")
            .arg(rstr)
            .arg("--out")
            .arg(&file)
            .args(["--to", &format!("https://sts-b.example.test{path}")])
            .args(["--applies-to", B_REALM, "--proof", proof, "--trust", trust])
            .args(args),
    );
    (std::fs::read(&file).unwrap(), facts(&stdout))
}

fn post12(addr: SocketAddr, path: &str, body: &[u8]) -> Http {
    request(
        addr,
        "POST",
        path,
        &[("Content-Type", "application/soap+xml; charset=utf-8")],
        body,
    )
}

/// B's token: a SAML 1.1 assertion (the AD FS alias default) issued by B to A's subject.
fn assert_issued(r: &Http, subject: &str, what: &str) {
    assert_eq!(r.status, 200, "{what}: {}", r.text());
    let doc = Document::parse(&r.body).unwrap();
    let assertion = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, SAML1, "Assertion"))
        .unwrap_or_else(|| panic!("{what}: no SAML 1.1 assertion in {}", r.text()));
    assert_eq!(
        doc.attribute(assertion, "", "Issuer"),
        Some(B_ISSUER),
        "{what}"
    );
    let name = doc
        .descendants_or_self(assertion)
        .find(|n| doc.is(*n, SAML1, "NameIdentifier"))
        .unwrap();
    assert_eq!(doc.text(name).trim(), subject, "{what}: A's subject");
}

/// The generic SOAP 1.2 authentication fault, and nothing of the precise reason.
fn assert_refused(r: &Http, what: &str) -> String {
    assert_eq!(r.status, 500, "{what}: {}", r.text());
    let doc = Document::parse(&r.body).unwrap();
    let values: Vec<String> = doc
        .descendants_or_self(doc.root())
        .filter(|n| doc.is(*n, SOAP12, "Value"))
        .map(|n| doc.text(n).trim().to_owned())
        .collect();
    assert!(
        values.iter().any(|v| v.ends_with(":FailedAuthentication")),
        "{what}: {values:?} {}",
        r.text()
    );
    let text = r.text();
    for leak in [
        "issuer",
        "expired",
        "replay",
        "bearer",
        "proof",
        "assertion",
    ] {
        assert!(
            !text.to_lowercase().contains(leak),
            "{what}: the fault names {leak}: {text}"
        );
    }
    // The fault's text with its own identifiers taken out, to compare across cases.
    let reason = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.is(*n, SOAP12, "Text"))
        .map(|n| doc.text(n).into_owned())
        .unwrap_or_default();
    reason
}

#[test]
fn sts_b_accepts_sts_a_holder_of_key_assertions_on_the_issuedtokenmixed_endpoints() {
    let Some(py) = python() else { return };
    let ch = chain();
    let (a, b) = (ch.a.addr(), ch.b.addr());
    let work = scratch("issued-chain");
    let (user, _, _) = demo(ch.a_dir.path());

    // Symmetric: A's assertion carries a 256-bit key encrypted for B; the client signs with
    // the key A returned in RequestedProofToken.
    let sym = token_from(a, ch.a_dir.path(), "SymmetricKey", None, &work);
    let (req, f) = present(&py, &sym, SYM13, "symmetric", &[], &work);
    assert_eq!(fact(&f, "signed"), "hmac-sha1");
    let mut reasons = Vec::new();

    // Refusals first: none of them may leave a trace that stops the valid request below.
    let (bad, _) = present(&py, &sym, SYM13, "symmetric", &["--wrong-key"], &work);
    reasons.push(assert_refused(
        &post12(b, SYM13, &bad),
        "signed by another key",
    ));
    let (bad, _) = present(&py, &sym, SYM13, "symmetric", &["--tamper"], &work);
    reasons.push(assert_refused(
        &post12(b, SYM13, &bad),
        "tampered assertion",
    ));
    let a_key = ch.a_dir.path().join("pki/sts.key");
    let a_key = a_key.to_str().unwrap();
    let (bad, _) = present(
        &py,
        &sym,
        SYM13,
        "symmetric",
        &["--resign", a_key, "--lifetime", "expired"],
        &work,
    );
    reasons.push(assert_refused(&post12(b, SYM13, &bad), "expired assertion"));
    let (bad, _) = present(&py, &sym, ASYM13, "symmetric", &[], &work);
    reasons.push(assert_refused(
        &post12(b, ASYM13, &bad),
        "a symmetric proof on the asymmetric endpoint",
    ));
    let (bad, _) = present(&py, &sym, SYM13, "symmetric", &["--no-signature"], &work);
    reasons.push(assert_refused(
        &post12(b, SYM13, &bad),
        "holder-of-key assertion without its proof",
    ));
    let untrusted = token_from(ch.c.addr(), ch.c_dir.path(), "SymmetricKey", None, &work);
    let (bad, _) = present(&py, &untrusted, SYM13, "symmetric", &[], &work);
    reasons.push(assert_refused(&post12(b, SYM13, &bad), "untrusted issuer"));
    let elsewhere = token_for(a, ch.a_dir.path(), ("SymmetricKey", None), ELSEWHERE, &work);
    let (bad, _) = present(&py, &elsewhere, SYM13, "symmetric", &[], &work);
    reasons.push(assert_refused(&post12(b, SYM13, &bad), "another audience"));

    // The valid presentation, then the same bytes again (a replay).
    assert_issued(&post12(b, SYM13, &req), &user, "symmetric 1.3");
    reasons.push(assert_refused(&post12(b, SYM13, &req), "replayed message"));
    // The same assertion in a new message is still good (holder of key: not used up), and
    // so is a copy re-signed by A's key with a valid lifetime (the re-signing is sound: the
    // expired copy failed on its lifetime).
    let (again, _) = present(&py, &sym, SYM13, "symmetric", &[], &work);
    assert_issued(&post12(b, SYM13, &again), &user, "a second message");
    let (resigned, _) = present(
        &py,
        &sym,
        SYM13,
        "symmetric",
        &["--resign", a_key, "--lifetime", "valid"],
        &work,
    );
    assert_issued(&post12(b, SYM13, &resigned), &user, "re-signed, valid");
    let (r2005, _) = present(&py, &sym, SYM2005, "symmetric", &[], &work);
    assert_issued(&post12(b, SYM2005, &r2005), &user, "symmetric 2005");

    // Asymmetric: A binds the assertion to the client's certificate (UseKey); the client
    // signs with its private key.
    let client_cert = ch.a_dir.path().join("pki/client.pem");
    let client_key = ch.a_dir.path().join("pki/client.key");
    let other_key = ch.b_dir.path().join("pki/client.key");
    let asym = token_from(a, ch.a_dir.path(), "PublicKey", Some(&client_cert), &work);
    let ck = ["--client-key", client_key.to_str().unwrap()];
    let (bad, _) = present(
        &py,
        &asym,
        ASYM13,
        "public",
        &[
            &ck[..],
            &["--wrong-key", "--other-key", other_key.to_str().unwrap()],
        ]
        .concat(),
        &work,
    );
    reasons.push(assert_refused(
        &post12(b, ASYM13, &bad),
        "signed by another RSA key",
    ));
    let (bad, _) = present(&py, &asym, SYM13, "public", &ck, &work);
    reasons.push(assert_refused(
        &post12(b, SYM13, &bad),
        "a public proof on the symmetric endpoint",
    ));
    let (req, f) = present(&py, &asym, ASYM13, "public", &ck, &work);
    assert_eq!(fact(&f, "signed"), "rsa-sha1");
    assert_issued(&post12(b, ASYM13, &req), &user, "asymmetric 1.3");
    reasons.push(assert_refused(
        &post12(b, ASYM13, &req),
        "replayed asymmetric message",
    ));
    let (r2005, _) = present(&py, &asym, ASYM2005, "public", &ck, &work);
    assert_issued(&post12(b, ASYM2005, &r2005), &user, "asymmetric 2005");

    // One generic fault for every refusal.
    reasons.dedup();
    assert_eq!(reasons.len(), 1, "one generic fault text: {reasons:?}");

    // A password is no credential on an issued-token endpoint.
    let (buser, bpassword, _) = demo(ch.b_dir.path());
    let r = post_soap11(
        b,
        SYM13,
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
        &rst_for(&buser, &bpassword, "Bearer", None, B_ISSUER),
    );
    assert_eq!(r.status, 500, "{}", r.text());
    assert_eq!(crate::server_support::fault_of(&r), "FailedAuthentication");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_bearer_assertion_needs_a_proof_on_issuedtokenmixed_and_is_used_once_on_sts() {
    let Some(py) = python() else { return };
    let ch = chain();
    let (a, b) = (ch.a.addr(), ch.b.addr());
    let work = scratch("issued-bearer");
    let (user, _, _) = demo(ch.a_dir.path());
    let bearer = token_from(a, ch.a_dir.path(), "Bearer", None, &work);

    // Where a proof is required, a bearer assertion is refused; that leaves no record.
    let (req, _) = present(&py, &bearer, SYM13, "symmetric", &["--no-signature"], &work);
    assert_refused(&post12(b, SYM13, &req), "bearer on the symmetric endpoint");
    let (req, _) = present(&py, &bearer, ASYM13, "public", &["--no-signature"], &work);
    assert_refused(
        &post12(b, ASYM13, &req),
        "bearer on the asymmetric endpoint",
    );

    // On /sts (loopback counts as confidential here) a bearer assertion authenticates once.
    let (req, _) = present(
        &py,
        &bearer,
        "/sts",
        "symmetric",
        &["--no-signature"],
        &work,
    );
    let r = post12(b, "/sts", &req);
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    assert!(text.contains("RequestSecurityTokenResponse"), "{text}");
    assert!(
        text.contains(&format!(">{user}<")),
        "issued to A's subject: {text}"
    );
    let (again, _) = present(
        &py,
        &bearer,
        "/sts",
        "symmetric",
        &["--no-signature"],
        &work,
    );
    assert_refused(&post12(b, "/sts", &again), "bearer assertion used twice");
    let _ = std::fs::remove_dir_all(&work);
}
