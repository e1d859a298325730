//! What the interop tests share: the engine as the recorded PKI configures it, the
//! service's view of an issued SCT, scratch folders, and the third-party peers (Apache WSS4J
//! in Java, python-xmlsec/signxml in a venv, xml-crypto/xml-encryption in node_modules) that
//! `scripts/test` installs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use wstrust::crypto::{RsaPrivateKey, SecretBytes};
use wstrust::engine::config::{AppliesToMatch, Realm};
use wstrust::engine::users::{hash_password, Argon2Params, PasswordRecord, UserStore};
use wstrust::engine::Engine;
use wstrust::pki::Certificate;
use wstrust::store::MemoryStore;
use wstrust::xml::{ns, Document, NodeId};

use crate::support::{fixture_text, in_ci, shared};
use crate::wss_support::recorded_sts_config;

/// The engine as the recorded PKI configures it: signs with `sts.key`, realm `rp`
/// (`https://rp.example.com/` prefix, also the default realm) encrypting for `rp.pem`, the
/// recorded client certificates pinned, and the users the recordings were made with:
/// `alice`/`secret` (zeep, node-soap; digest-capable, so PasswordDigest works) and
/// `alice@example.com` (msal, adal; Argon2).
pub fn interop_engine() -> Engine {
    let params = Argon2Params {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    };
    let users = UserStore::new(
        [
            (
                "alice".to_owned(),
                PasswordRecord::DigestCapable(SecretBytes::from_slice(b"secret")),
            ),
            (
                "alice@example.com".to_owned(),
                PasswordRecord::Argon2(hash_password(b"P@ss<&>'\"word", &params).unwrap()),
            ),
        ],
        &params,
    )
    .unwrap();
    let rp = Certificate::from_pem(&fixture_text("clients/pki/rp.pem")).unwrap();
    let realm = Realm::new(
        "rp",
        AppliesToMatch::Prefix("https://rp.example.com/".into()),
        rp,
    );
    let mut cfg = recorded_sts_config(vec![realm], users);
    cfg.default_realm = Some("rp".to_owned());
    Engine::new(cfg, Arc::new(MemoryStore::new()))
}

/// The first element named `{ns_}local` in document order.
pub fn find(doc: &Document, ns_: &str, local: &str) -> Option<NodeId> {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns_, local))
}

/// What the target service does with an issued SCT: check the STS signature inside it, then
/// decrypt its key with `rp.key`.
pub fn service_key(doc: &Document) -> Vec<u8> {
    service_view(doc).1
}

/// As [`service_key`], with the principal the SCT names.
pub fn service_view(doc: &Document) -> (String, Vec<u8>) {
    let sct = find(doc, ns::WSC13, "SecurityContextToken")
        .or_else(|| find(doc, ns::WSC_2005, "SecurityContextToken"))
        .expect("an SCT");
    let sts = Certificate::from_pem(&fixture_text("clients/pki/sts.pem")).unwrap();
    let rp = RsaPrivateKey::from_pem(&fixture_text("clients/pki/rp.key")).unwrap();
    let (content, key) = crate::support::open_sct(doc, sct, &sts, &rp);
    (content.principal, key)
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A fresh scratch folder under the system temp dir (left behind on failure, for reading).
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wstrust-interop-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The recorded PKI folder (`clients/pki`).
pub fn pki() -> PathBuf {
    shared().join("clients/pki")
}

/// Skips (outside CI) or fails (in CI) when a peer is missing; true when it is there.
pub fn peer_available(what: &str, present: bool) -> bool {
    if !present {
        assert!(
            !in_ci(),
            "{what} is required in CI but is not installed (scripts/test installs it)"
        );
        eprintln!("skipped: {what} is not installed (scripts/test installs it)");
    }
    present
}

/// Runs a command, panicking with its output when it fails.
pub fn run_ok(cmd: &mut Command) -> String {
    let out: Output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `key=value` lines of a peer's output.
pub fn facts(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The value of fact `key`, panicking when it is missing.
pub fn fact<'a>(facts: &'a [(String, String)], key: &str) -> &'a str {
    facts
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no `{key}` in {facts:?}"))
}

/// The Debian jars (under /usr/share/java) WSS4J 1.6 and Santuario run with.
pub const JARS: [&str; 8] = [
    "wss4j.jar",
    "xmlsec.jar",
    "commons-logging.jar",
    "slf4j-api.jar",
    "slf4j-nop.jar",
    "commons-codec.jar",
    "woodstox-core.jar",
    "stax2-api.jar",
];

/// The WSS4J peer compiled once per test run: the `java` classpath to run `Wss4jPeer`
/// with, or `None` (after the skip notice) when the JDK or the Debian jars are missing.
pub fn wss4j_peer() -> Option<String> {
    static PEER: OnceLock<Option<String>> = OnceLock::new();
    PEER.get_or_init(|| {
        compile_java(
            "Apache WSS4J (javac, libwss4j-java)",
            "tests/interop/java/Wss4jPeer.java",
            "wss4j-peer",
        )
    })
    .clone()
}

/// Compiles the repository's Java `source` against the Debian WSS4J/Santuario [`JARS`] into
/// the target's scratch folder `classes` (kept by cargo, rebuilt each run): the classpath to
/// run it with, or `None` (after the skip notice naming `what`) when the JDK or the jars are
/// missing.
pub fn compile_java(what: &str, source: &str, classes: &str) -> Option<String> {
    let jars: Vec<PathBuf> = JARS
        .iter()
        .map(|j| Path::new("/usr/share/java").join(j))
        .collect();
    let present = jars.iter().all(|j| j.is_file())
        && Command::new("javac").arg("-version").output().is_ok()
        && Command::new("java").arg("-version").output().is_ok();
    if !peer_available(what, present) {
        return None;
    }
    let classes = Path::new(env!("CARGO_TARGET_TMPDIR")).join(classes);
    let _ = std::fs::remove_dir_all(&classes);
    std::fs::create_dir_all(&classes).unwrap();
    let libs = jars
        .iter()
        .map(|j| j.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
    run_ok(
        Command::new("javac")
            .arg("-nowarn")
            .arg("-d")
            .arg(&classes)
            .arg("-cp")
            .arg(&libs)
            .arg(repo().join(source)),
    );
    Some(format!("{}:{libs}", classes.display()))
}

/// Runs the WSS4J peer with `args` and returns its stdout.
pub fn wss4j(classpath: &str, args: &[&str]) -> String {
    run_ok(
        Command::new("java")
            .arg("-cp")
            .arg(classpath)
            .arg("Wss4jPeer")
            .args(args),
    )
}

/// A request recorded from a real client (`clients/requests/NAME`) with its HTTP headers.
pub struct Recorded {
    /// File name.
    pub name: String,
    /// Body bytes.
    pub body: Vec<u8>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `SOAPAction`, unquoted.
    pub soap_action: Option<String>,
    /// The recorded clock: the first `wsu:Created` + 1 s.
    pub clock: i64,
}

impl Recorded {
    /// Loads `clients/requests/NAME` and its `.headers.txt`.
    pub fn load(name: &str) -> Self {
        let path = shared().join("clients/requests").join(name);
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let headers = std::fs::read_to_string(path.with_extension("headers.txt")).unwrap();
        let header = |h: &str| {
            headers.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(h)
                    .then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        let doc = Document::parse(&body).unwrap();
        let created = find(&doc, ns::WSU, "Created")
            .map(|n| doc.text(n).into_owned())
            .expect("a wsu:Created");
        Self {
            name: name.to_owned(),
            content_type: header("content-type"),
            soap_action: header("soapaction"),
            clock: wstrust::wss::time::parse(&created).unwrap() + 1000,
            body,
        }
    }

    /// The requester's entropy (the RST's `Entropy/BinarySecret`), if any.
    pub fn client_entropy(&self) -> Option<Vec<u8>> {
        let doc = Document::parse(&self.body).unwrap();
        [ns::WST13, ns::WST_2005].iter().find_map(|t| {
            let e = find(&doc, t, "Entropy")?;
            let bs = doc.child(e, t, "BinarySecret")?;
            Some(wstrust::xmlsec::base64_decode(&doc.text(bs)).unwrap())
        })
    }

    /// Sends it to `engine` at its recorded clock.
    pub fn send(&self, engine: &Engine, confidential: bool) -> wstrust::engine::Response {
        engine.handle(
            wstrust::engine::request::Incoming {
                body: &self.body,
                content_type: self.content_type.as_deref(),
                soap_action: self.soap_action.as_deref(),
            },
            wstrust::engine::Transport {
                confidential,
                peer: None,
            },
            &wstrust::wss::FixedClock(self.clock),
        )
    }
}

/// The venv's Python with python-xmlsec and signxml, or `None` after the skip notice.
pub fn python_peer() -> Option<PathBuf> {
    let py = repo().join(".venv-interop/bin/python");
    let ok = Command::new(&py)
        .args(["-c", "import xmlsec, signxml, lxml"])
        .output()
        .is_ok_and(|o| o.status.success());
    peer_available("python-xmlsec and signxml (.venv-interop)", ok).then_some(py)
}

/// Node with xml-crypto and xml-encryption in tests/interop/node_modules, or `None`.
pub fn node_peer() -> Option<PathBuf> {
    let dir = repo().join("tests/interop/node_modules");
    let ok = dir.join("xml-crypto").is_dir()
        && dir.join("xml-encryption").is_dir()
        && Command::new("node").arg("--version").output().is_ok();
    peer_available("node with xml-crypto and xml-encryption", ok).then(|| "node".into())
}
