//! Replays every exchange recorded from a real client (fixtures/realclients/, written by the
//! `realclient_*` tests with `WSTRUST_RECORD_FIXTURES=1`) through the server's request
//! handling in-process (`wstrust::server::InProcess`: the routes and aliases `wstrust serve`
//! sets up from the same configuration), on a copy of the recording's data directory with its
//! recorded wstrust.toml, a fresh in-memory store and the clock fixed at the recorded
//! wsu:Created. The request goes to the recorded path with the recorded Content-Type and
//! SOAPAction.
//!
//! For each exchange, the recorded response and the replayed one must both have the outcome
//! the sidecar states (HTTP status, token type, proof-key form, fault code); for an issued
//! token, the key the requester gets (a BinarySecret, an EncryptedKey opened with the data
//! directory's pki/client.key, or the P_SHA1 of both entropies) must equal the key the
//! service gets from the token (an SCT through `wstrust::service::Validator::validate_sct`,
//! a SAML assertion through the crate's SAML validation, for the AppliesTo address); a bearer
//! assertion must name the requester. An exchange whose sidecar names another in `after` is
//! replayed after that one (and its own predecessors) on the same store.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use wstrust::config::{self, datadir};
use wstrust::crypto::{psha1, RsaPrivateKey};
use wstrust::engine::{Engine, Transport};
use wstrust::server::{HttpRequest, InProcess};
use wstrust::service::TokenConfirmation;
use wstrust::store::{MemoryStore, StoreClock};
use wstrust::wss::FixedClock;
use wstrust::xml::{datetime, ns, Document};
use wstrust::xmlsec::{base64_decode, decrypt_key, EncryptedKey, KeyEncryptionKey, Policy};

use crate::interop_support::find;
use crate::realclient_support::{
    copy_dir, first_rstr, fixtures_dir, issued_token, outcome_of, sidecars, ServiceSide, Sidecar,
};
use crate::server_support::TempDir;

/// The recordings committed today: zeep (SOAP 1.1 and 1.2 × UsernameToken text, digest,
/// without Timestamp, X.509), node-soap (SOAP 1.1 and 1.2 × UsernameToken text, digest,
/// X.509), MSAL, ADAL for Python and adal-node (each a token and a wrong password but MSAL).
const AT_LEAST: usize = 19;

/// The recorded clock of the exchange being replayed, for the store.
struct ReplayClock(AtomicI64);

impl StoreClock for ReplayClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// One replay: a copy of the data directory with the recorded configuration, served
/// in-process over a fresh in-memory store that runs at the replayed clock.
struct Replayer {
    dir: PathBuf,
    handler: InProcess,
    loopback_confidential: bool,
    clock: Arc<ReplayClock>,
    _tmp: TempDir,
}

impl Replayer {
    fn new(car: &Sidecar) -> Self {
        let tmp = TempDir::new("replay");
        let dir = tmp.path().join("data");
        copy_dir(&fixtures_dir().join(&car.datadir), &dir);
        std::fs::copy(
            fixtures_dir().join(&car.config),
            dir.join(datadir::CONFIG_FILE),
        )
        .unwrap();
        // As `wstrust serve` does, minus the store (a fresh one in memory) and the socket.
        let loaded = config::load(&dir.join(datadir::CONFIG_FILE)).unwrap();
        let loopback_confidential = loaded.server.loopback_is_confidential;
        let clock = Arc::new(ReplayClock(AtomicI64::new(clock_ms(car))));
        let store = MemoryStore::with_clock(clock.clone());
        let engine = Arc::new(Engine::new(loaded.engine, Arc::new(store)));
        let handler = InProcess::new(loaded.server, engine).unwrap();
        Self {
            dir,
            handler,
            loopback_confidential,
            clock,
            _tmp: tmp,
        }
    }
}

fn clock_ms(car: &Sidecar) -> i64 {
    datetime::parse(&car.clock).unwrap_or_else(|| panic!("clock {:?}", car.clock))
}

fn read(stem: &str, ext: &str) -> Vec<u8> {
    let p = fixtures_dir().join(format!("{stem}.{ext}"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn client_key(dir: &std::path::Path) -> RsaPrivateKey {
    RsaPrivateKey::from_pem(&std::fs::read_to_string(dir.join("pki/client.key")).unwrap()).unwrap()
}

/// The requester's key from a response: the proof token read as it says (`None` without
/// one).
fn requester_key(dir: &std::path::Path, request: &Document, resp: &Document) -> Option<Vec<u8>> {
    let (rstr, t) = first_rstr(resp)?;
    let proof = resp.child(rstr, t, "RequestedProofToken")?;
    let open = |ek| {
        let ek = EncryptedKey::read(resp, ek).unwrap();
        decrypt_key(
            &ek,
            KeyEncryptionKey::Rsa(&client_key(dir)),
            &Policy::default(),
        )
        .unwrap()
        .expose()
        .to_vec()
    };
    if resp.child(proof, t, "ComputedKey").is_some() {
        let entropy = resp.child(rstr, t, "Entropy").expect("server entropy");
        let server = match resp.child(entropy, ns::XENC, "EncryptedKey") {
            Some(ek) => open(ek),
            None => {
                base64_decode(&resp.text(resp.child(entropy, t, "BinarySecret").unwrap())).unwrap()
            }
        };
        let mine = find(request, t, "Entropy")
            .and_then(|e| request.child(e, t, "BinarySecret"))
            .map(|b| base64_decode(&request.text(b)).unwrap())
            .expect("the client's entropy in the request");
        let bits = resp
            .child(rstr, t, "KeySize")
            .map_or(256, |k| resp.text(k).trim().parse::<usize>().unwrap());
        return Some(psha1(&mine, &server, bits / 8).unwrap().expose().to_vec());
    }
    if let Some(ek) = resp.child(proof, ns::XENC, "EncryptedKey") {
        return Some(open(ek));
    }
    let bs = resp.child(proof, t, "BinarySecret").expect("a proof token");
    Some(base64_decode(&resp.text(bs)).unwrap())
}

/// The AppliesTo address of a request, if it has one.
fn applies_to(request: &Document) -> Option<String> {
    let at =
        find(request, ns::WSP, "AppliesTo").or_else(|| find(request, ns::WSP15, "AppliesTo"))?;
    let addr = request
        .descendants_or_self(at)
        .find(|n| request.name(*n).local == "Address")
        .expect("an address");
    Some(request.text(addr).trim().to_owned())
}

/// The UsernameToken's user of a request, if it has one.
fn username(request: &Document) -> Option<String> {
    let ut = find(request, ns::WSSE, "UsernameToken")?;
    let u = request.child(ut, ns::WSSE, "Username")?;
    Some(request.text(u).trim().to_owned())
}

/// The requester's and the service's views of a token response agree.
fn assert_keys_agree(stem: &str, dir: &std::path::Path, request: &[u8], response: &[u8], now: i64) {
    let req = Document::parse(request).unwrap();
    let resp = Document::parse(response).unwrap();
    let Some((rstr, t)) = first_rstr(&resp) else {
        return;
    };
    let Some(token) = issued_token(&resp, rstr, t) else {
        return;
    };
    let name = resp.name(token);
    // A Renew names no AppliesTo: the renewed SCT names its realm.
    let audience = || {
        let a = resp
            .child(token, ns::WSX, "Audience")
            .expect("the SCT's audience");
        resp.text(a).trim().to_owned()
    };
    let address = applies_to(&req);
    let service = match &address {
        Some(a) => ServiceSide::load(dir, a),
        None => ServiceSide::load_named(dir, &audience()),
    };
    let address = address.unwrap_or_default();
    let validated = if name.local == "SecurityContextToken" {
        service.sct(&resp, token, now)
    } else if name.ns == ns::SAML1 || name.ns == ns::SAML2 {
        service.saml(&resp, token, &address, now)
    } else {
        panic!(
            "{stem}: a token the replay cannot check: {{{}}}{}",
            name.ns, name.local
        )
    };
    if let Some(user) = username(&req) {
        assert_eq!(
            validated.principal, user,
            "{stem}: the token names the requester"
        );
    } else {
        assert!(
            !validated.principal.is_empty(),
            "{stem}: the token names a requester"
        );
    }
    match requester_key(dir, &req, &resp) {
        Some(mine) => {
            let theirs = validated.key.expect("a token with a key").expose().to_vec();
            assert_eq!(
                mine, theirs,
                "{stem}: requester and service disagree on the key"
            );
        }
        None => {
            // No proof token: a bearer assertion, or a token keeping the key it had.
            if name.local != "SecurityContextToken" {
                assert!(
                    matches!(validated.confirmation, TokenConfirmation::Bearer),
                    "{stem}: a token without a proof token is a bearer token"
                );
            }
        }
    }
}

/// The exchanges to replay for `stem`, predecessors first.
fn chain<'a>(stem: &'a str, all: &'a [(String, Sidecar)]) -> Vec<&'a (String, Sidecar)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut at = stem;
    loop {
        assert!(seen.insert(at.to_owned()), "{stem}: `after` loops at {at}");
        let entry = all
            .iter()
            .find(|(s, _)| s == at)
            .unwrap_or_else(|| panic!("{stem}: `after` names {at}, which is not recorded"));
        out.push(entry);
        match &entry.1.after {
            Some(prev) => at = prev,
            None => break,
        }
    }
    out.reverse();
    out
}

/// Replays one exchange on `r` and checks it; returns nothing, panics with the stem.
fn replay(r: &Replayer, stem: &str, car: &Sidecar) {
    let request = read(stem, "request.xml");
    let recorded = read(stem, "response.xml");
    let now = clock_ms(car);

    let outcome = outcome_of(&recorded);
    assert_eq!(
        outcome, car.expect,
        "{stem}: the recorded response's outcome"
    );
    if outcome.fault.is_none() {
        assert_keys_agree(stem, &r.dir, &request, &recorded, now + 1000);
    }

    let mut headers = Vec::new();
    if let Some(c) = &car.http.content_type {
        headers.push(("Content-Type", c.as_str()));
    }
    if let Some(a) = &car.http.soap_action {
        headers.push(("SOAPAction", a.as_str()));
    }
    let confidential = car.http.scheme == "https" || r.loopback_confidential;
    r.clock.0.store(now, Ordering::SeqCst);
    let reply = r.handler.handle(
        &HttpRequest {
            method: "POST",
            target: &car.http.path,
            headers: &headers,
            body: &request,
        },
        Transport {
            confidential,
            peer: None,
        },
        &FixedClock(now),
    );
    assert_eq!(
        reply.status / 100,
        car.expect.status / 100,
        "{stem}: status {}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    let replayed = outcome_of(&reply.body);
    assert_eq!(replayed, car.expect, "{stem}: the replayed outcome");
    if replayed.fault.is_none() {
        assert_keys_agree(stem, &r.dir, &request, &reply.body, now + 1000);
    }
}

#[test]
fn every_recorded_real_client_exchange_replays_with_its_outcome() {
    let all = sidecars();
    assert!(
        all.len() >= AT_LEAST,
        "{} recordings under fixtures/realclients/, expected at least {AT_LEAST}",
        all.len()
    );
    let clients: HashSet<&str> = all.iter().map(|(_, c)| c.client.as_str()).collect();
    for c in ["zeep", "node-soap", "msal", "adal", "adal-node"] {
        assert!(clients.contains(c), "no recording of {c}");
    }
    for (stem, car) in &all {
        assert_eq!(
            stem,
            &format!("{}-{}", car.client, car.pattern.name),
            "sidecar name"
        );
        for ext in ["request.xml", "response.xml"] {
            assert!(
                fixtures_dir().join(format!("{stem}.{ext}")).is_file(),
                "{stem}: {stem}.{ext} is missing"
            );
        }
        assert!(
            fixtures_dir().join(&car.config).is_file(),
            "{stem}: its configuration {} is missing",
            car.config
        );
        let steps = chain(stem, &all);
        let r = Replayer::new(car);
        for (s, c) in steps {
            // Shown with a failure: which chain, which step.
            println!("replaying {s} (chain of {stem}, clock {})", c.clock);
            replay(&r, s, c);
        }
    }
}

#[test]
fn a_replayed_request_changed_in_its_body_is_refused() {
    // The replay must be able to fail: a signed recording with one signed byte changed is
    // refused where the original is answered.
    let all = sidecars();
    let (stem, car) = all
        .iter()
        .find(|(_, c)| c.pattern.auth == "X.509 signature" && c.expect.fault.is_none())
        .expect("a recorded X.509-signed request");
    let request = String::from_utf8(read(stem, "request.xml")).unwrap();
    let tampered = request.replacen("<wst:KeySize>256<", "<wst:KeySize>128<", 1);
    let tampered = if tampered == request {
        request.replacen(">256</", ">128</", 1)
    } else {
        tampered
    };
    assert_ne!(tampered, request, "{stem}: the KeySize to change");
    let r = Replayer::new(car);
    let mut headers = Vec::new();
    if let Some(c) = &car.http.content_type {
        headers.push(("Content-Type", c.as_str()));
    }
    if let Some(a) = &car.http.soap_action {
        headers.push(("SOAPAction", a.as_str()));
    }
    let reply = r.handler.handle(
        &HttpRequest {
            method: "POST",
            target: &car.http.path,
            headers: &headers,
            body: tampered.as_bytes(),
        },
        Transport {
            confidential: true,
            peer: None,
        },
        &FixedClock(clock_ms(car)),
    );
    assert_eq!(reply.status, 500, "{stem}");
    assert!(outcome_of(&reply.body).fault.is_some());
}

#[test]
fn in_process_handling_routes_as_the_server_does() {
    let all = sidecars();
    let (_, car) = all
        .iter()
        .find(|(_, c)| c.http.path.starts_with("/adfs/"))
        .expect("a recording on an AD FS alias");
    let r = Replayer::new(car);
    let get = |target: &str| {
        r.handler.handle(
            &HttpRequest {
                method: "GET",
                target,
                headers: &[],
                body: b"",
            },
            Transport::default(),
            &FixedClock(clock_ms(car)),
        )
    };
    let health = get("/healthz");
    assert_eq!((health.status, health.body.as_slice()), (200, &b"ok\n"[..]));
    assert_eq!(get("/nowhere").status, 404);
    let wsdl = get("/sts?wsdl");
    assert_eq!(wsdl.status, 200);
    assert!(String::from_utf8_lossy(&wsdl.body).contains("wsdl:definitions"));
    assert_eq!(get("/sts").status, 405, "GET /sts without ?wsdl");
    let mex = get("/adfs/services/trust/mex");
    assert_eq!(mex.status, 200, "the AD FS metadata alias");
    assert!(String::from_utf8_lossy(&mex.body).contains(&car.http.path));
    let plain = r.handler.handle(
        &HttpRequest {
            method: "POST",
            target: &car.http.path,
            headers: &[("Content-Type", "text/plain")],
            body: &read(
                &format!("{}-{}", car.client, car.pattern.name),
                "request.xml",
            ),
        },
        Transport {
            confidential: true,
            peer: None,
        },
        &FixedClock(clock_ms(car)),
    );
    assert_eq!(plain.status, 415, "a SOAP endpoint wants a SOAP media type");
}
