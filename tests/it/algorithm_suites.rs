//! Issue 20 item 3: named algorithm suites that admit exactly what their names say, chosen per
//! realm, enforced once the realm is known, reported by the verifier, rendered into
//! docs/security.md, and the reply algorithms the STS picks.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wstrust::crypto::{
    BlockCipher, DigestAlgorithm as D, HmacAlgorithm as H, OaepParams, SignatureAlgorithm as S,
};
use wstrust::engine::algorithms::{asymmetric_reply, reply_cipher, reply_oaep, symmetric_reply};
use wstrust::engine::config::{AppliesToMatch, Realm};
use wstrust::engine::request::Incoming;
use wstrust::engine::{Engine, Transport};
use wstrust::soap::SoapVersion;
use wstrust::store::{MemoryStore, Space, StoreError, TokenStore};
use wstrust::wss::{self, Encryptor, Environment, FixedClock, Protection, Signer, SignerKeyInfo};
use wstrust::xml::{Document, Writer};
use wstrust::xmlsec::suite::{self, Canonicalization as C, KeyTransportMethod as K};
use wstrust::xmlsec::{Algorithm as A, SignatureMethod, SigningKey, Suite, UsedAlgorithms};

use crate::engine_support::{applies_to, cert, key, rst, NOW};
use crate::interop_support::repo;
use crate::wss_support::{recorded_sts_config, secret_users, MemoryReplay, TestKeys};

// ---------------------------------------------------------------------------------------------
// The suites themselves
// ---------------------------------------------------------------------------------------------

fn rsa(a: S) -> A {
    A::Signature(SignatureMethod::Rsa(a))
}
fn hmac(h: H) -> A {
    A::Signature(SignatureMethod::Hmac(h))
}
fn oaep(d: D) -> A {
    A::KeyTransport(K::RsaOaep { digest: d, mgf1: d })
}

/// (algorithm, admitted by `modern`, admitted by `compatible`), written out independently of
/// the lists in `xmlsec::suite`.
fn expected() -> Vec<(A, bool, bool)> {
    vec![
        (rsa(S::RsaSha1), false, true),
        (rsa(S::RsaSha256), true, true),
        (rsa(S::RsaSha384), true, true),
        (rsa(S::RsaSha512), true, true),
        (hmac(H::Sha1), false, true),
        (hmac(H::Sha256), true, true),
        (hmac(H::Sha384), true, true),
        (hmac(H::Sha512), true, true),
        (A::Digest(D::Sha1), false, true),
        (A::Digest(D::Sha256), true, true),
        (A::Digest(D::Sha384), true, true),
        (A::Digest(D::Sha512), true, true),
        (A::Canonicalization(C::Exclusive), true, true),
        (A::Canonicalization(C::ExclusiveWithComments), false, true),
        (A::Canonicalization(C::Inclusive), false, true),
        (A::Canonicalization(C::InclusiveWithComments), false, true),
        (oaep(D::Sha1), true, true),
        (oaep(D::Sha256), true, true),
        (oaep(D::Sha384), true, true),
        (oaep(D::Sha512), true, true),
        (
            A::KeyTransport(K::RsaOaep {
                digest: D::Sha256,
                mgf1: D::Sha1,
            }),
            false,
            false,
        ),
        (A::KeyTransport(K::AesKeyWrap { bits: 128 }), true, true),
        (A::KeyTransport(K::AesKeyWrap { bits: 192 }), true, true),
        (A::KeyTransport(K::AesKeyWrap { bits: 256 }), true, true),
        (A::KeyTransport(K::Rsa15), false, false),
        (A::DataEncryption(BlockCipher::Aes128Gcm), true, true),
        (A::DataEncryption(BlockCipher::Aes192Gcm), true, true),
        (A::DataEncryption(BlockCipher::Aes256Gcm), true, true),
        (A::DataEncryption(BlockCipher::Aes128Cbc), false, true),
        (A::DataEncryption(BlockCipher::Aes192Cbc), false, true),
        (A::DataEncryption(BlockCipher::Aes256Cbc), false, true),
    ]
}

#[test]
fn each_suite_admits_exactly_its_table() {
    let table = expected();
    for (a, modern, compatible) in &table {
        assert_eq!(Suite::Modern.admits(*a), *modern, "modern × {a}");
        assert_eq!(
            Suite::Compatible.admits(*a),
            *compatible,
            "compatible × {a}"
        );
        // The verifier's policy says the same as the suite it is made of.
        assert_eq!(
            wstrust::xmlsec::Policy::new(Suite::Modern).admits(*a),
            *modern
        );
        let both = wstrust::xmlsec::Policy::union([Suite::Modern, Suite::Compatible]);
        assert_eq!(both.admits(*a), *modern || *compatible, "union × {a}");
    }
    // Every algorithm the table in the docs shows is in this test's table.
    for a in suite::ALL {
        assert!(table.iter().any(|(t, _, _)| t == a), "{a} is not tested");
    }
    // Never rsa-1_5; the suites nest; names round-trip.
    for s in Suite::ALL {
        assert!(!s.admits(A::KeyTransport(K::Rsa15)), "{s}");
        assert_eq!(Suite::from_name(s.name()), Some(s));
    }
    assert!(Suite::Modern
        .algorithms()
        .iter()
        .all(|a| Suite::Compatible.admits(*a)));
    assert_eq!(Suite::Modern.narrower(Suite::Compatible), Suite::Modern);
    assert_eq!(Suite::from_name("strict"), None);
    assert!(!Suite::Modern.admits_legacy() && Suite::Compatible.admits_legacy());
    // The default policy is the compatible suite, by that name.
    assert_eq!(
        wstrust::xmlsec::Policy::default().suites,
        vec![Suite::Compatible]
    );
}

const BEGIN: &str = "<!-- algorithm-suites:begin (generated by wstrust::xmlsec::suite::markdown_table; tests/it/algorithm_suites.rs checks it) -->\n";
const END: &str = "<!-- algorithm-suites:end -->";

#[test]
fn the_table_in_docs_security_md_is_the_code_s() {
    let doc = std::fs::read_to_string(repo().join("docs/security.md")).unwrap();
    let start = doc
        .find(BEGIN)
        .expect("docs/security.md has the algorithm-suites markers")
        + BEGIN.len();
    let end = doc[start..].find(END).expect("end marker") + start;
    let table = suite::markdown_table();
    assert_eq!(
        &doc[start..end],
        table,
        "docs/security.md disagrees with xmlsec::suite; paste this between the markers:\n{table}"
    );
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

const MODERN_RP: &str = "https://modern.example.com/service";
const COMPAT_RP: &str = "https://compatible.example.com/service";

/// A request for `address`, signed with the client certificate (`method`, `digest`), its Body
/// encrypted for the STS with `cipher` when given.
fn request(address: &str, method: S, digest: D, cipher: Option<BlockCipher>) -> String {
    let body = rst("Issue", &applies_to(address));
    let body_doc = Document::parse(body.as_bytes()).unwrap();
    let body_fn = |w: &mut Writer| {
        w.copy(&body_doc, body_doc.root());
    };
    let headers = |_: &mut Writer| {};
    let (k, c, sts) = (key("client"), cert("client"), cert("sts"));
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Rsa(&k),
            method: SignatureMethod::Rsa(method),
            digest,
            key_info: SignerKeyInfo::BinarySecurityToken(&c),
        }),
        encrypt: cipher.map(|b| {
            (
                Encryptor::Certificate {
                    cert: &sts,
                    oaep: OaepParams::sha1(),
                },
                b,
            )
        }),
        ..Protection::default()
    };
    wss::secure_envelope(SoapVersion::V12, NOW, &headers, &body_fn, &p)
        .unwrap()
        .xml
}

/// A memory store that knows its live keys.
#[derive(Default)]
struct Recording {
    inner: MemoryStore,
    live: Mutex<BTreeSet<(Space, Vec<u8>)>>,
}

impl Recording {
    fn snapshot(&self) -> BTreeSet<(Space, Vec<u8>)> {
        self.live.lock().unwrap().clone()
    }
    fn note(&self, space: Space, key: &[u8]) {
        self.live.lock().unwrap().insert((space, key.to_vec()));
    }
}

impl TokenStore for Recording {
    fn insert_if_absent(&self, s: Space, k: &[u8], v: &[u8], e: i64) -> Result<bool, StoreError> {
        let done = self.inner.insert_if_absent(s, k, v, e)?;
        if done {
            self.note(s, k);
        }
        Ok(done)
    }
    fn get(&self, s: Space, k: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(s, k)
    }
    fn put(&self, s: Space, k: &[u8], v: &[u8], e: i64) -> Result<(), StoreError> {
        self.inner.put(s, k, v, e)?;
        self.note(s, k);
        Ok(())
    }
    fn remove(&self, s: Space, k: &[u8]) -> Result<(), StoreError> {
        self.inner.remove(s, k)?;
        self.live.lock().unwrap().remove(&(s, k.to_vec()));
        Ok(())
    }
    fn advance(&self, s: Space, k: &[u8], v: u64, e: i64) -> Result<bool, StoreError> {
        let done = self.inner.advance(s, k, v, e)?;
        if done {
            self.note(s, k);
        }
        Ok(done)
    }
    fn increment(&self, s: Space, k: &[u8], e: i64) -> Result<u64, StoreError> {
        let n = self.inner.increment(s, k, e)?;
        self.note(s, k);
        Ok(n)
    }
}

fn realm(name: &str, prefix: &str, suite: Option<Suite>) -> Realm {
    let mut r = Realm::new(name, AppliesToMatch::Prefix(prefix.into()), cert("rp"));
    r.stateful = true;
    r.algorithms = suite;
    r
}

/// An STS with a `modern` realm and a `compatible` one (both stateful, so an issued context
/// is a store entry), the STS default left as it is.
fn sts() -> (Engine, Arc<Recording>) {
    let store = Arc::new(Recording::default());
    let cfg = recorded_sts_config(
        vec![
            realm(
                "modern-rp",
                "https://modern.example.com/",
                Some(Suite::Modern),
            ),
            realm(
                "compatible-rp",
                "https://compatible.example.com/",
                Some(Suite::Compatible),
            ),
        ],
        secret_users(&["alice"]),
    );
    (Engine::new(cfg, store.clone()), store)
}

fn send(engine: &Engine, xml: &str) -> wstrust::engine::Response {
    engine.handle(
        Incoming {
            body: xml.as_bytes(),
            content_type: Some("application/soap+xml; charset=utf-8"),
            soap_action: None,
        },
        Transport::default(),
        &FixedClock(NOW),
    )
}

/// The reply's SOAP header (where its signature is), before the Body.
fn header(reply: &str) -> &str {
    &reply[..reply.find(":Body").expect("a Body")]
}

/// The generic authentication fault, nothing stored, and the precise reason in the log.
fn assert_refused(engine: &Engine, store: &Recording, xml: &str, names: &[&str]) {
    let before = store.snapshot();
    let r = send(engine, xml);
    let log = r.log.clone().unwrap_or_default();
    assert_ne!(r.status, 200, "accepted: {}", r.body);
    assert!(r.body.contains("FailedAuthentication"), "{}", r.body);
    for n in names {
        assert!(log.contains(n), "log {log:?} does not name {n:?}");
    }
    assert_eq!(
        store.snapshot(),
        before,
        "the refused request changed the store"
    );
}

#[test]
fn sha1_digests_are_refused_by_a_modern_realm_and_accepted_by_a_compatible_one() {
    let (engine, store) = sts();
    assert_refused(
        &engine,
        &store,
        &request(MODERN_RP, S::RsaSha256, D::Sha1, None),
        &["digest SHA-1", "suite `modern`", "realm `modern-rp`"],
    );
    // The same request to the compatible realm is answered: the reply is signed with
    // RSA-SHA256 and SHA-256 digests (never below SHA-256), and a context was stored.
    let before = store.snapshot();
    let ok = send(&engine, &request(COMPAT_RP, S::RsaSha256, D::Sha1, None));
    assert_eq!(ok.status, 200, "{:?}", ok.log);
    let h = header(&ok.body);
    assert!(h.contains("xmldsig-more#rsa-sha256\""), "{h}");
    assert!(h.contains("xmlenc#sha256\""), "{h}");
    assert!(!h.contains("xmldsig#sha1\""), "{h}");
    assert_ne!(store.snapshot(), before);
}

#[test]
fn aes_cbc_is_refused_by_a_modern_realm_and_mirrored_by_a_compatible_one() {
    let (engine, store) = sts();
    assert_refused(
        &engine,
        &store,
        &request(
            MODERN_RP,
            S::RsaSha256,
            D::Sha256,
            Some(BlockCipher::Aes256Cbc),
        ),
        &[
            "data encryption AES-256-CBC",
            "suite `modern`",
            "realm `modern-rp`",
        ],
    );
    // A compatible realm answers, encrypting the reply with the request's key in the cipher
    // the request used (its peer evidently has no GCM).
    let ok = send(
        &engine,
        &request(
            COMPAT_RP,
            S::RsaSha256,
            D::Sha256,
            Some(BlockCipher::Aes256Cbc),
        ),
    );
    assert_eq!(ok.status, 200, "{:?}", ok.log);
    assert!(ok.body.contains("xmlenc#aes256-cbc\""), "{}", ok.body);
    assert!(!ok.body.contains("aes256-gcm"), "{}", ok.body);
    // An AES-GCM request gets an AES-GCM reply, in either realm.
    for rp in [MODERN_RP, COMPAT_RP] {
        let ok = send(
            &engine,
            &request(rp, S::RsaSha256, D::Sha256, Some(BlockCipher::Aes256Gcm)),
        );
        assert_eq!(ok.status, 200, "{rp}: {:?}", ok.log);
        assert!(ok.body.contains("xmlenc11#aes256-gcm\""), "{}", ok.body);
        assert!(!ok.body.contains("aes256-cbc"), "{}", ok.body);
    }
}

#[test]
fn the_reply_is_as_strong_as_the_strongest_hash_the_request_used() {
    let (engine, _) = sts();
    let ok = send(&engine, &request(MODERN_RP, S::RsaSha512, D::Sha512, None));
    assert_eq!(ok.status, 200, "{:?}", ok.log);
    let h = header(&ok.body);
    assert!(h.contains("xmldsig-more#rsa-sha512\""), "{h}");
    assert!(h.contains("xmlenc#sha512\""), "{h}");
    assert!(
        !h.contains("#rsa-sha256\"") && !h.contains("xmlenc#sha256\""),
        "{h}"
    );
}

#[test]
fn the_default_realm_suite_is_compatible_and_the_verifier_gets_the_union() {
    // Zero configuration: realms without a suite keep to the STS default, `compatible`,
    // which is what the recorded zeep/WCF/WSS4J clients need.
    let store: Arc<dyn TokenStore> = Arc::new(Recording::default());
    let cfg = recorded_sts_config(
        vec![realm("rp", "https://compatible.example.com/", None)],
        secret_users(&["alice"]),
    );
    let engine = Engine::new(cfg, store);
    assert_eq!(
        engine.config().inbound.xmlsec.suites,
        vec![Suite::Compatible]
    );
    let ok = send(&engine, &request(COMPAT_RP, S::RsaSha256, D::Sha1, None));
    assert_eq!(ok.status, 200, "{:?}", ok.log);
    let lines: Vec<String> = engine
        .realm_algorithms()
        .iter()
        .map(|r| r.log_line())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("realm `rp`: algorithm suite `compatible` (the STS default) ACCEPTS LEGACY ALGORITHMS: RSA-SHA1, HMAC-SHA1, SHA-1"), "{lines:?}");
    assert!(
        lines[1].starts_with("realm `urn:wstrust:realm:sts`:"),
        "{lines:?}"
    );

    // Everything modern: the verifier itself refuses SHA-1 (union = modern).
    let store: Arc<dyn TokenStore> = Arc::new(Recording::default());
    let mut cfg = recorded_sts_config(
        vec![realm("rp", "https://modern.example.com/", None)],
        secret_users(&["alice"]),
    );
    cfg.algorithms = Suite::Modern;
    let engine = Engine::new(cfg, store);
    assert_eq!(engine.config().inbound.xmlsec.suites, vec![Suite::Modern]);
    let r = send(&engine, &request(MODERN_RP, S::RsaSha256, D::Sha1, None));
    assert_ne!(r.status, 200);
    let log = r.log.unwrap_or_default();
    assert!(
        log.contains("digest SHA-1") && log.contains("no admitted suite"),
        "{log}"
    );
    assert_eq!(
        engine.realm_algorithms()[0].log_line(),
        "realm `rp`: algorithm suite `modern` (the STS default): no legacy algorithms"
    );
}

#[test]
fn the_security_record_reports_every_algorithm_it_used() {
    let xml = request(
        COMPAT_RP,
        S::RsaSha256,
        D::Sha1,
        Some(BlockCipher::Aes128Cbc),
    );
    let doc = Document::parse(xml.as_bytes()).unwrap();
    let keys = TestKeys::recorded_pki();
    let replay = MemoryReplay::default();
    let env = Environment {
        clock: &FixedClock(NOW),
        replay: &replay,
        keys: &keys,
    };
    let sec = wss::process(doc, SoapVersion::V12, &wss::InboundConfig::default(), env).unwrap();
    let used = sec.algorithms().as_slice();
    for a in [
        rsa(S::RsaSha256),
        A::Canonicalization(C::Exclusive),
        A::Digest(D::Sha1),
        oaep(D::Sha1),
        A::DataEncryption(BlockCipher::Aes128Cbc),
    ] {
        assert!(used.contains(&a), "{a} missing from {used:?}");
    }
    // Decrypted first (sign-then-encrypt): the CBC body is the first `modern` refuses.
    assert_eq!(
        sec.algorithms().first_refused_by(Suite::Modern),
        Some(A::DataEncryption(BlockCipher::Aes128Cbc))
    );
    assert_eq!(sec.algorithms().first_refused_by(Suite::Compatible), None);
}

// ---------------------------------------------------------------------------------------------
// Reply algorithm choice
// ---------------------------------------------------------------------------------------------

fn used(list: &[A]) -> UsedAlgorithms {
    let mut u = UsedAlgorithms::default();
    u.extend(list);
    u
}

#[test]
fn symmetric_replies_keep_to_the_request_but_never_below_the_suite() {
    let wcf_basic256 = used(&[
        hmac(H::Sha1),
        A::Digest(D::Sha1),
        A::DataEncryption(BlockCipher::Aes256Cbc),
    ]);
    let r = symmetric_reply(Suite::Compatible, &wcf_basic256);
    assert_eq!(
        (r.method, r.digest),
        (SignatureMethod::Hmac(H::Sha1), D::Sha1)
    );
    let r = symmetric_reply(Suite::Modern, &wcf_basic256);
    assert_eq!(
        (r.method, r.digest),
        (SignatureMethod::Hmac(H::Sha256), D::Sha256)
    );
    let strong = used(&[hmac(H::Sha512), A::Digest(D::Sha384), A::Digest(D::Sha1)]);
    let r = symmetric_reply(Suite::Compatible, &strong);
    assert_eq!(
        (r.method, r.digest),
        (SignatureMethod::Hmac(H::Sha512), D::Sha384)
    );
    let r = symmetric_reply(Suite::Modern, &used(&[]));
    assert_eq!(
        (r.method, r.digest),
        (SignatureMethod::Hmac(H::Sha256), D::Sha256)
    );

    assert_eq!(
        reply_cipher(Suite::Compatible, &wcf_basic256, 32).unwrap(),
        BlockCipher::Aes256Cbc
    );
    assert_eq!(
        reply_cipher(Suite::Compatible, &wcf_basic256, 16).unwrap(),
        BlockCipher::Aes128Cbc
    );
    assert_eq!(
        reply_cipher(Suite::Modern, &wcf_basic256, 32).unwrap(),
        BlockCipher::Aes256Gcm
    );
    let mixed = used(&[
        A::DataEncryption(BlockCipher::Aes256Cbc),
        A::DataEncryption(BlockCipher::Aes256Gcm),
    ]);
    assert_eq!(
        reply_cipher(Suite::Compatible, &mixed, 32).unwrap(),
        BlockCipher::Aes256Gcm
    );
    assert_eq!(
        reply_cipher(Suite::Compatible, &used(&[]), 24).unwrap(),
        BlockCipher::Aes192Gcm
    );
    assert!(reply_cipher(Suite::Compatible, &used(&[]), 20).is_err());
}

#[test]
fn asymmetric_replies_are_rsa_sha256_or_stronger() {
    let zeep = used(&[rsa(S::RsaSha1), A::Digest(D::Sha1)]);
    let r = asymmetric_reply(&zeep);
    assert_eq!(
        (r.method, r.digest),
        (SignatureMethod::Rsa(S::RsaSha256), D::Sha256)
    );
    let strong = used(&[rsa(S::RsaSha384), A::Digest(D::Sha512)]);
    let r = asymmetric_reply(&strong);
    assert_eq!(
        (r.method, r.digest),
        (SignatureMethod::Rsa(S::RsaSha384), D::Sha512)
    );
    let hmac512 = used(&[hmac(H::Sha512)]);
    assert_eq!(
        asymmetric_reply(&hmac512).method,
        SignatureMethod::Rsa(S::RsaSha512)
    );

    assert_eq!(reply_oaep(&used(&[])), OaepParams::sha1());
    assert_eq!(reply_oaep(&used(&[oaep(D::Sha1)])), OaepParams::sha1());
    assert_eq!(
        reply_oaep(&used(&[oaep(D::Sha1), oaep(D::Sha256)])),
        OaepParams::sha256()
    );
}

// ---------------------------------------------------------------------------------------------
// The startup log
// ---------------------------------------------------------------------------------------------

/// Starts `wstrust serve` on `data_dir`, collects standard error until the algorithm lines of
/// both realms are there, and stops it.
fn startup_log(data_dir: &std::path::Path) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while lines
        .iter()
        .filter(|l: &&String| l.contains("algorithm suite"))
        .count()
        < 2
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => lines.push(l),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
        .into_iter()
        .filter(|l| l.contains("algorithm suite"))
        .collect()
}

#[test]
fn startup_logs_one_line_per_realm_saying_which_accept_legacy_algorithms() {
    let tmp = crate::server_support::TempDir::new("suites");
    let dir = tmp.path().join("data");
    let lines = startup_log(&dir);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let demo = lines
        .iter()
        .find(|l| l.contains("realm `demo`"))
        .expect("demo");
    assert!(demo.contains("WARN"), "{demo}");
    assert!(
        demo.contains("algorithm suite `compatible` (the STS default) ACCEPTS LEGACY ALGORITHMS: RSA-SHA1, HMAC-SHA1, SHA-1"),
        "{demo}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("realm `urn:wstrust:realm:sts`")),
        "{lines:?}"
    );

    // The demo realm set to modern: its line says so, the STS realm keeps the default.
    let path = dir.join("wstrust.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "\nkey_size_bits = 256\n",
        "\nkey_size_bits = 256\nalgorithms = \"modern\"\n",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let lines = startup_log(&dir);
    let demo = lines
        .iter()
        .find(|l| l.contains("realm `demo`"))
        .expect("demo");
    assert!(
        demo.contains("algorithm suite `modern` (set on the realm): no legacy algorithms"),
        "{demo}"
    );
    assert!(demo.contains("INFO"), "{demo}");
    let sts = lines
        .iter()
        .find(|l| l.contains("realm `urn:wstrust:realm:sts`"))
        .expect("sts realm");
    assert!(sts.contains("ACCEPTS LEGACY ALGORITHMS"), "{sts}");
}
