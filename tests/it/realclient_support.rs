//! What the real-client tests share: installing the clients (zeep and MSAL for Python into
//! `.venv-clients`, node-soap into `tests/interop/clients/node_modules`, as `scripts/test`
//! does), starting `wstrust serve` on a fresh zero-config data directory (in record mode a
//! copy of the committed `fixtures/realclients/datadir`), running a client script and reading
//! its `key=value` facts, the target service's view of what the STS issued (through
//! `wstrust::service::Validator`, with the realm's key from the data directory), and filing
//! an exchange as a replayable recording ([`record_fixture`], [`Sidecar`]; replayed by
//! `tests/it/replay_realclients.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use wstrust::config::datadir;
use wstrust::crypto::RsaPrivateKey;
use wstrust::engine::config::AppliesToMatch;
use wstrust::pki::Certificate;
use wstrust::service::{ValidatedToken, Validator, ValidatorConfig};
use wstrust::soap::Envelope;
use wstrust::store::MemoryStore;
use wstrust::wss::{Clock, SystemClock};
use wstrust::xml::{ns, Document, NodeId};

use crate::interop_support::{facts, find, repo, run_ok};
use crate::server_support::{Binary, TempDir};
use crate::support::in_ci;

/// The client scripts and their dependency lists.
pub fn clients_dir() -> PathBuf {
    repo().join("tests/interop/clients")
}

/// Skips (outside CI, printing why) or fails (in CI) when a client could not be installed.
fn available(what: &str, result: Result<(), String>) -> bool {
    match result {
        Ok(()) => true,
        Err(why) => {
            assert!(!in_ci(), "{what} is required in CI: {why}");
            eprintln!("skipped: {what} could not be installed: {why}");
            false
        }
    }
}

fn run_install(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Serializes installs: tests run in parallel threads and share one venv and one node_modules.
static INSTALL: Mutex<()> = Mutex::new(());

/// The Python of `.venv-clients` with zeep, python-xmlsec and MSAL, installed (pinned by
/// tests/interop/clients/requirements.txt) when missing or stale; `None` after the skip notice.
pub fn python_clients() -> Option<PathBuf> {
    static PY: OnceLock<Result<(), String>> = OnceLock::new();
    let venv = repo().join(".venv-clients");
    let py = venv.join("bin/python");
    let result = PY.get_or_init(|| {
        let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
        let reqs = clients_dir().join("requirements.txt");
        let stamp = venv.join(".requirements");
        let fresh = std::fs::read(&reqs).ok() == std::fs::read(&stamp).ok()
            && Command::new(&py)
                .args(["-c", "import zeep, xmlsec, msal"])
                .output()
                .is_ok_and(|o| o.status.success());
        if fresh {
            return Ok(());
        }
        run_install(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run_install(
            Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "--disable-pip-version-check", "-r"])
                .arg(&reqs),
        )?;
        std::fs::copy(&reqs, &stamp).map_err(|e| e.to_string())?;
        Ok(())
    });
    available("zeep/msal in .venv-clients (pip)", result.clone()).then_some(py)
}

/// `node` with node-soap in tests/interop/clients/node_modules, installed from its lock file
/// when missing; false after the skip notice.
pub fn node_clients() -> bool {
    static NODE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = NODE.get_or_init(|| {
        let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
        run_install(Command::new("node").arg("--version"))?;
        if clients_dir()
            .join("node_modules/soap/package.json")
            .is_file()
        {
            return Ok(());
        }
        run_install(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--silent"])
                .current_dir(clients_dir()),
        )
    });
    available(
        "node-soap in tests/interop/clients/node_modules (npm)",
        result.clone(),
    )
}

/// A running `wstrust serve` on a fresh zero-config data directory (in record mode: a copy
/// of the committed [`recording_datadir`], so that the recordings can be replayed).
pub struct Server {
    /// The process (killed on drop).
    pub bin: Binary,
    /// The data directory.
    pub dir: PathBuf,
    /// Its wstrust.toml as served (after the test's edit).
    pub config: String,
    _tmp: TempDir,
}

/// True with `WSTRUST_RECORD_FIXTURES=1`: the real-client tests file their exchanges.
pub fn recording() -> bool {
    std::env::var_os("WSTRUST_RECORD_FIXTURES").is_some()
}

/// Where the recordings are filed.
pub fn fixtures_dir() -> PathBuf {
    repo().join("fixtures/realclients")
}

/// The name of the committed data directory under [`fixtures_dir`].
pub const DATADIR: &str = "datadir";

/// The committed throwaway data directory the recordings are made against, made by
/// `datadir::init` when absent. Servers and replays only ever use copies of it.
pub fn recording_datadir() -> PathBuf {
    static MADE: Mutex<()> = Mutex::new(());
    let _guard = MADE.lock().unwrap_or_else(|e| e.into_inner());
    let d = fixtures_dir().join(DATADIR);
    if !d.join(datadir::CONFIG_FILE).is_file() {
        datadir::init(&d, "127.0.0.1:0").unwrap();
    }
    d
}

/// Copies the files under `from` into `to` (made when missing).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

impl Server {
    /// Initializes a data directory (a copy of [`recording_datadir`] in record mode), lets
    /// `edit` change its wstrust.toml, and serves it on a free loopback port.
    pub fn start(tag: &str, edit: impl FnOnce(String) -> String) -> Self {
        Self::start_in(tag, |_, text| edit(text))
    }

    /// [`Server::start`] with the data directory's path handed to `edit` as well (to put
    /// files beside the configuration).
    pub fn start_in(tag: &str, edit: impl FnOnce(&Path, String) -> String) -> Self {
        let tmp = TempDir::new(tag);
        let dir = tmp.path().join("data");
        if recording() {
            copy_dir(&recording_datadir(), &dir);
        } else {
            datadir::init(&dir, "127.0.0.1:0").unwrap();
        }
        let cfg = dir.join(datadir::CONFIG_FILE);
        let text = std::fs::read_to_string(&cfg).unwrap();
        let config = edit(&dir, text);
        std::fs::write(&cfg, &config).unwrap();
        let bin = Binary::start(&[
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ]);
        Self {
            bin,
            dir,
            config,
            _tmp: tmp,
        }
    }

    /// A file of the data directory.
    pub fn file(&self, rel: &str) -> String {
        self.dir.join(rel).display().to_string()
    }

    /// A fresh folder for one client run's recordings.
    pub fn record_dir(&self, name: &str) -> PathBuf {
        let d = self.dir.join("runs").join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}

/// Runs a client script and returns its facts (its stdout is echoed for the test log).
pub fn run_client(cmd: &mut Command) -> Vec<(String, String)> {
    let out = run_ok(cmd);
    println!("{out}");
    facts(&out)
}

/// The value of `key`, if the client printed it.
pub fn get<'a>(facts: &'a [(String, String)], key: &str) -> Option<&'a str> {
    facts
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The SOAP envelope namespace of a recorded message.
pub fn envelope_ns(path: &Path) -> String {
    let doc = Document::parse(&std::fs::read(path).unwrap()).unwrap();
    doc.name(doc.root()).ns.to_string()
}

/// The target service of one AppliesTo address as a data directory configures it: the
/// realm's name (an SCT's audience), its certificate and private key (the `.key` beside the
/// realm's `.pem` under DIR/pki), and the STS certificate the service trusts.
pub struct ServiceSide {
    /// The realm's name.
    pub realm: String,
    key: RsaPrivateKey,
    cert: Certificate,
    sts: Certificate,
}

impl ServiceSide {
    /// The realm of data directory `dir` (read through `wstrust::config::load`, as `serve`
    /// reads it) serving `applies_to`: an exact match first, else the longest prefix.
    pub fn load(dir: &Path, applies_to: &str) -> Self {
        let loaded = wstrust::config::load(&dir.join(datadir::CONFIG_FILE)).unwrap();
        let realms = &loaded.engine.realms;
        let realm = realms
            .iter()
            .find(|r| matches!(&r.applies_to, AppliesToMatch::Exact(a) if a == applies_to))
            .or_else(|| {
                realms
                    .iter()
                    .filter_map(|r| match &r.applies_to {
                        AppliesToMatch::Prefix(p) if applies_to.starts_with(p.as_str()) => {
                            Some((p.len(), r))
                        }
                        _ => None,
                    })
                    .max_by_key(|(n, _)| *n)
                    .map(|(_, r)| r)
            })
            .unwrap_or_else(|| panic!("no realm of {} serves {applies_to}", dir.display()));
        Self::of(dir, realm, &loaded)
    }

    /// The realm named `name` of data directory `dir` (a renewed token names its realm in
    /// its `wsx:Audience`; a Renew request has no AppliesTo).
    pub fn load_named(dir: &Path, name: &str) -> Self {
        let loaded = wstrust::config::load(&dir.join(datadir::CONFIG_FILE)).unwrap();
        let realm = loaded
            .engine
            .realms
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no realm {name} in {}", dir.display()));
        Self::of(dir, realm, &loaded)
    }

    fn of(
        dir: &Path,
        realm: &wstrust::engine::config::Realm,
        loaded: &wstrust::config::Loaded,
    ) -> Self {
        let cert = realm.encryption_cert.clone();
        let key_file = std::fs::read_dir(dir.join("pki"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.extension().is_some_and(|x| x == "pem")
                    && std::fs::read_to_string(p)
                        .ok()
                        .and_then(|t| Certificate::from_pem(&t).ok())
                        .is_some_and(|c| c.der() == cert.der())
            })
            .map(|p| p.with_extension("key"))
            .expect("the realm's certificate under DIR/pki");
        Self {
            realm: realm.name.clone(),
            key: RsaPrivateKey::from_pem(&std::fs::read_to_string(key_file).unwrap()).unwrap(),
            cert,
            sts: loaded.engine.signing_cert.clone(),
        }
    }

    fn validator(&self, audience: &str, saml: bool) -> Validator {
        let cfg = ValidatorConfig::new(
            audience,
            self.key.clone(),
            self.cert.clone(),
            vec![self.sts.clone()],
        );
        let cfg = if saml { cfg.with_saml() } else { cfg };
        Validator::new(cfg, Arc::new(MemoryStore::new())).unwrap()
    }

    /// The service's check of the SCT `el`: `Validator::validate_sct` for this realm.
    pub fn sct(&self, doc: &Document, el: NodeId, now_ms: i64) -> ValidatedToken {
        self.validator(&self.realm, false)
            .validate_sct(doc, el, now_ms)
            .unwrap_or_else(|e| panic!("the service refuses the SCT: {e}"))
    }

    /// The service's check of the SAML assertion `el` issued for `audience` (the AppliesTo
    /// address): the crate's SAML validation through `Validator::validate_token`.
    pub fn saml(&self, doc: &Document, el: NodeId, audience: &str, now_ms: i64) -> ValidatedToken {
        self.validator(audience, true)
            .validate_token(doc, el, now_ms)
            .unwrap_or_else(|e| panic!("the service refuses the assertion: {e}"))
    }
}

/// What the service does with an issued SCT (in the response at `path`): validates it with
/// `wstrust::service::Validator::validate_sct` as the demo realm of the server's data
/// directory. Returns the SCT's Identifier and its key.
pub fn service_view(server: &Server, path: &Path) -> (String, Vec<u8>) {
    let doc = Document::parse(&std::fs::read(path).unwrap()).unwrap();
    let sct = find(&doc, ns::WSC13, "SecurityContextToken").expect("an SCT");
    let (_, _, applies_to) = crate::server_support::demo(&server.dir);
    let v = ServiceSide::load(&server.dir, &applies_to).sct(&doc, sct, SystemClock.now_ms());
    let key = v.key.expect("an SCT has a key").expose().to_vec();
    (v.identifier, key)
}

/// The `.json` sidecar of a recorded exchange `STEM` (with `STEM.request.xml` and
/// `STEM.response.xml` beside it): everything a replay needs.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Sidecar {
    /// The client library (`zeep`, `node-soap`, `msal`, `adal`, `adal-node`).
    pub client: String,
    /// Its version.
    pub version: String,
    /// What the exchange is.
    pub pattern: Pattern,
    /// How the request was posted, as the client sent it.
    pub http: HttpSent,
    /// The fixed clock of the replay: the request's first wsu:Created (the time of
    /// recording when the request has none).
    pub clock: String,
    /// The data directory (under fixtures/realclients/) the server ran on.
    pub datadir: String,
    /// The wstrust.toml the server ran with (a file under fixtures/realclients/, to be put in
    /// a copy of the data directory).
    pub config: String,
    /// The outcome, as read from the recorded response.
    pub expect: Outcome,
    /// The stem of the exchange to replay first on the same store (e.g. the Issue whose
    /// token a Renew presents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// What a recorded exchange is.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Pattern {
    /// The test's name for it (the stem after `CLIENT-`).
    pub name: String,
    /// `1.1` or `1.2`.
    pub soap: String,
    /// How the request authenticates (read from its security header).
    pub auth: String,
    /// The operation (the RequestType's last segment: Issue, Renew, Cancel, Validate).
    pub operation: String,
}

/// How a request was posted.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct HttpSent {
    /// `http` or `https`.
    pub scheme: String,
    /// The request path (`/sts`, `/adfs/services/trust/13/usernamemixed`).
    pub path: String,
    /// `Content-Type` as sent.
    pub content_type: Option<String>,
    /// `SOAPAction` as sent (SOAP 1.1; SOAP 1.2 clients may put it in the Content-Type).
    pub soap_action: Option<String>,
}

/// The outcome of an exchange, read from the response envelope.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct Outcome {
    /// 200 for an answer, 500 for a SOAP fault (our server sends every fault with 500).
    pub status: u16,
    /// The issued token's type (the RSTR's TokenType, else the token element's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// How the requester gets the key: `binary-secret`, `encrypted-key`, `computed-key`,
    /// or `none` (bearer, or no new key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// A Validate's status code, a Cancel's `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// The fault code, prefixes normalized (`wst:FailedAuthentication`; SOAP 1.2:
    /// `s:Sender/wst:FailedAuthentication`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

/// A QName's text in element `el` with its prefix replaced by the namespace's usual one.
fn normalized_qname(doc: &Document, el: NodeId) -> String {
    let text = doc.text(el);
    let text = text.trim();
    let (prefix, local) = text.split_once(':').unwrap_or(("", text));
    match doc.lookup_namespace(el, prefix) {
        Some(uri) => {
            let p = match uri {
                ns::WST13 => Some("wst"),
                ns::WST_2005 => Some("wst2005"),
                ns::SOAP12 => Some("s"),
                ns::SOAP11 => Some("soap"),
                u => ns::preferred_prefix(u),
            };
            match p {
                Some(p) => format!("{p}:{local}"),
                None => format!("{{{uri}}}{local}"),
            }
        }
        None => text.to_owned(),
    }
}

/// The first RSTR of a response (WS-Trust 1.3 or February 2005) and its namespace.
pub fn first_rstr(doc: &Document) -> Option<(NodeId, &'static str)> {
    find(doc, ns::WST13, "RequestSecurityTokenResponse")
        .map(|r| (r, ns::WST13))
        .or_else(|| {
            find(doc, ns::WST_2005, "RequestSecurityTokenResponse").map(|r| (r, ns::WST_2005))
        })
}

/// The token element inside an RSTR's RequestedSecurityToken, if any.
pub fn issued_token(doc: &Document, rstr: NodeId, t: &str) -> Option<NodeId> {
    let rst = doc.child(rstr, t, "RequestedSecurityToken")?;
    doc.children(rst).find(|n| doc.is_element(*n))
}

/// The outcome of the response envelope `body`.
pub fn outcome_of(body: &[u8]) -> Outcome {
    let doc = Document::parse(body).unwrap();
    let env = Envelope::read(&doc, None).unwrap();
    let first = env.body_element().unwrap();
    if doc.is(first, env.version().namespace(), "Fault") {
        let codes: Vec<String> = doc
            .descendants_or_self(first)
            .filter(|n| doc.name(*n).local == "Value" || doc.name(*n).local == "faultcode")
            .map(|n| normalized_qname(&doc, n))
            .collect();
        return Outcome {
            status: 500,
            token_type: None,
            proof: None,
            answer: None,
            fault: Some(codes.join("/")),
        };
    }
    let mut o = Outcome {
        status: 200,
        token_type: None,
        proof: None,
        answer: None,
        fault: None,
    };
    let Some((rstr, t)) = first_rstr(&doc) else {
        return o;
    };
    let token = issued_token(&doc, rstr, t);
    o.token_type = doc
        .child(rstr, t, "TokenType")
        .map(|n| doc.text(n).trim().to_owned())
        .or_else(|| {
            token.map(|el| {
                let n = doc.name(el);
                match (n.ns, n.local) {
                    (ns::SAML1, _) => ns::SAML1.to_owned(),
                    (ns::SAML2, _) => "urn:oasis:names:tc:SAML:2.0:assertion".to_owned(),
                    (u, l) => format!("{{{u}}}{l}"),
                }
            })
        });
    if token.is_some() {
        o.proof = Some(
            match doc.child(rstr, t, "RequestedProofToken") {
                None => "none",
                Some(p) if doc.child(p, t, "ComputedKey").is_some() => "computed-key",
                Some(p) if doc.child(p, ns::XENC, "EncryptedKey").is_some() => "encrypted-key",
                Some(p) if doc.child(p, t, "BinarySecret").is_some() => "binary-secret",
                Some(_) => "other",
            }
            .to_owned(),
        );
    }
    if doc.child(rstr, t, "RequestedTokenCancelled").is_some() {
        o.answer = Some("cancelled".to_owned());
    }
    if let Some(code) = doc
        .child(rstr, t, "Status")
        .and_then(|s| doc.child(s, t, "Code"))
    {
        o.answer = Some(doc.text(code).trim().to_owned());
    }
    o
}

/// How a request authenticates, read from its security header.
pub fn auth_of_request(doc: &Document) -> String {
    if let Some(ut) = find(doc, ns::WSSE, "UsernameToken") {
        let kind = doc
            .child(ut, ns::WSSE, "Password")
            .and_then(|p| doc.attribute(p, "", "Type").map(str::to_owned))
            .map_or("text", |t| {
                if t.ends_with("#PasswordDigest") {
                    "digest"
                } else {
                    "text"
                }
            });
        return format!("username ({kind})");
    }
    if find(doc, ns::WSSE, "BinarySecurityToken").is_some()
        && find(doc, ns::DS, "Signature").is_some()
    {
        return "X.509 signature".to_owned();
    }
    if find(doc, ns::WSC13, "SecurityContextToken").is_some()
        || find(doc, ns::WSC_2005, "SecurityContextToken").is_some()
    {
        return "SCT proof key".to_owned();
    }
    "none".to_owned()
}

/// The operation a request asks for: its RequestType's last segment.
pub fn operation_of_request(doc: &Document) -> String {
    find(doc, ns::WST13, "RequestType")
        .or_else(|| find(doc, ns::WST_2005, "RequestType"))
        .map(|n| {
            let t = doc.text(n);
            t.trim().rsplit('/').next().unwrap_or_default().to_owned()
        })
        .unwrap_or_else(|| "Issue".to_owned())
}

/// The sidecars under fixtures/realclients/, with their stems, sorted by stem.
pub fn sidecars() -> Vec<(String, Sidecar)> {
    let mut out: Vec<(String, Sidecar)> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_str().unwrap().to_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let car: Sidecar = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not a sidecar: {e}", p.display()));
            (stem, car)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// With `WSTRUST_RECORD_FIXTURES=1`, files one client exchange (the client's recording
/// folder `rec`: request.xml, response.xml, request.http.json) made against `server` under
/// fixtures/realclients/ as `CLIENT-PATTERN.request.xml`, `.response.xml` and a `.json`
/// [`Sidecar`]; the server's wstrust.toml is filed once by content as
/// `config-HASH.wstrust.toml`. Without the variable, does nothing.
pub fn record_fixture(server: &Server, client: &str, version: &str, pattern: &str, rec: &Path) {
    record_fixture_after(server, client, version, pattern, rec, None);
}

/// [`record_fixture`] for an exchange that needs the exchange `after` (a stem) replayed
/// first on the same store, such as a Renew of the token an earlier recorded Issue got.
pub fn record_fixture_after(
    server: &Server,
    client: &str,
    version: &str,
    pattern: &str,
    rec: &Path,
    after: Option<&str>,
) {
    if !recording() {
        return;
    }
    assert!(
        server.dir.starts_with(std::env::temp_dir()) && recording_datadir().is_dir(),
        "record mode serves a copy of the committed data directory"
    );
    let out = fixtures_dir();
    let request = std::fs::read(rec.join("request.xml")).unwrap();
    let response = std::fs::read(rec.join("response.xml")).unwrap();
    let sent: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rec.join("request.http.json")).unwrap()).unwrap();
    let url = sent["url"].as_str().expect("the URL posted to");
    let (scheme, rest) = url.split_once("://").unwrap();
    let path = rest.find('/').map_or("/", |i| &rest[i..]).to_owned();
    let doc = Document::parse(&request).unwrap();
    let clock = find(&doc, ns::WSU, "Created")
        .map(|n| doc.text(n).trim().to_owned())
        // A request without a timestamp: the time of recording.
        .unwrap_or_else(|| wstrust::xml::datetime::format(SystemClock.now_ms()));
    let soap = match Envelope::read(&doc, None).unwrap().version() {
        wstrust::soap::SoapVersion::V11 => "1.1",
        _ => "1.2",
    };
    let digest = wstrust::crypto::digest(
        wstrust::crypto::DigestAlgorithm::Sha256,
        server.config.as_bytes(),
    );
    let config = format!(
        "config-{}.wstrust.toml",
        &wstrust::crypto::hex(&digest)[..12]
    );
    std::fs::write(out.join(&config), &server.config).unwrap();
    let car = Sidecar {
        client: client.to_owned(),
        version: version.to_owned(),
        pattern: Pattern {
            name: pattern.to_owned(),
            soap: soap.to_owned(),
            auth: auth_of_request(&doc),
            operation: operation_of_request(&doc),
        },
        http: HttpSent {
            scheme: scheme.to_owned(),
            path,
            content_type: sent["content_type"].as_str().map(str::to_owned),
            soap_action: sent["soap_action"].as_str().map(str::to_owned),
        },
        clock,
        datadir: DATADIR.to_owned(),
        config,
        expect: outcome_of(&response),
        after: after.map(str::to_owned),
    };
    let stem = format!("{client}-{pattern}");
    std::fs::write(out.join(format!("{stem}.request.xml")), &request).unwrap();
    std::fs::write(out.join(format!("{stem}.response.xml")), &response).unwrap();
    std::fs::write(
        out.join(format!("{stem}.json")),
        serde_json::to_string_pretty(&car).unwrap() + "\n",
    )
    .unwrap();
}

/// The audience MSAL and ADAL ask AD FS for.
pub const AUDIENCE: &str = "urn:federation:MicrosoftOnline";

/// The zero-config file with HTTPS on (the generated commented [tls] section) and a realm for
/// [`AUDIENCE`]: what the AD FS clients (MSAL, ADAL) need.
pub fn tls_config(c: String) -> String {
    let c = c
        .replace("# [tls]\n", "[tls]\n")
        .replace("# cert = \"pki/tls.pem\"", "cert = \"pki/tls.pem\"")
        .replace("# key = \"pki/tls.key\"", "key = \"pki/tls.key\"");
    assert!(
        c.contains("\n[tls]\ncert = \"pki/tls.pem\"\nkey = \"pki/tls.key\""),
        "{c}"
    );
    format!(
        "{c}\n[[realms]]\nname = \"office365\"\napplies_to = \"{AUDIENCE}\"\ncert = \"pki/service.pem\"\n"
    )
}

/// The file [`digest_demo_user`] keeps the demo password in.
pub const DEMO_PASSWORD_FILE: &str = "demo.password";

/// A configuration edit for [`Server::start_in`]: the zero-config demo user becomes a
/// `PasswordDigest` user, its password in DIR/demo.password (`digest_password_file`) instead
/// of its Argon2 hash. In record mode the file also goes into the committed data directory,
/// so that the recordings replay.
pub fn digest_demo_user(dir: &Path, text: String) -> String {
    let (_, password, _) = crate::server_support::demo(dir);
    std::fs::write(dir.join(DEMO_PASSWORD_FILE), format!("{password}\n")).unwrap();
    if recording() {
        std::fs::write(
            recording_datadir().join(DEMO_PASSWORD_FILE),
            format!("{password}\n"),
        )
        .unwrap();
    }
    let start = text
        .find("password_hash = \"")
        .expect("the demo user's hash");
    let end = start + text[start..].find('\n').unwrap();
    format!(
        "{}digest_password_file = \"{DEMO_PASSWORD_FILE}\"{}",
        &text[..start],
        &text[end..]
    )
}
