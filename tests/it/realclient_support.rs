//! What the real-client tests share: installing the clients (zeep and MSAL for Python into
//! `.venv-clients`, node-soap into `tests/interop/clients/node_modules`, as `scripts/test`
//! does), starting `wstrust serve` on a fresh zero-config data directory, running a client
//! script and reading its `key=value` facts, and the target service's view of what the STS
//! issued (the SCT checked with DIR/pki/sts.pem, its key decrypted with DIR/pki/service.key).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use wstrust::crypto::RsaPrivateKey;
use wstrust::pki::Certificate;
use wstrust::xml::{ns, Document};
use wstrust::xmlsec::{decrypt_key, verify, EncryptedKey, KeyEncryptionKey, NoResolver, Policy};
use wstrust::xmlsec::{Signature, VerificationKey};

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

/// A running `wstrust serve` on a fresh zero-config data directory.
pub struct Server {
    /// The process (killed on drop).
    pub bin: Binary,
    /// The data directory.
    pub dir: PathBuf,
    _tmp: TempDir,
}

impl Server {
    /// Initializes a data directory, lets `edit` change its wstrust.toml, and serves it on
    /// a free loopback port.
    pub fn start(tag: &str, edit: impl FnOnce(String) -> String) -> Self {
        let tmp = TempDir::new(tag);
        let dir = tmp.path().join("data");
        wstrust::config::datadir::init(&dir, "127.0.0.1:0").unwrap();
        let cfg = dir.join(wstrust::config::datadir::CONFIG_FILE);
        let text = std::fs::read_to_string(&cfg).unwrap();
        std::fs::write(&cfg, edit(text)).unwrap();
        let bin = Binary::start(&[
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ]);
        Self {
            bin,
            dir,
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

/// What the service does with an issued SCT (in the response at `path`): check the STS
/// signature inside it with DIR/pki/sts.pem, decrypt its key with DIR/pki/service.key.
/// Returns the SCT's Identifier and the key.
pub fn service_view(server: &Server, path: &Path) -> (String, Vec<u8>) {
    let doc = Document::parse(&std::fs::read(path).unwrap()).unwrap();
    let sct = find(&doc, ns::WSC13, "SecurityContextToken").expect("an SCT");
    let id = doc
        .text(doc.child(sct, ns::WSC13, "Identifier").unwrap())
        .trim()
        .to_owned();
    let sig_node = doc
        .child(sct, ns::DS, "Signature")
        .expect("the STS signature inside the SCT");
    let sts = Certificate::from_pem(&std::fs::read_to_string(server.file("pki/sts.pem")).unwrap())
        .unwrap();
    let sig = Signature::read(&doc, sig_node, &Policy::default()).unwrap();
    let v = verify(
        &doc,
        &sig,
        VerificationKey::Rsa(sts.public_key()),
        &Policy::default(),
        &NoResolver,
    )
    .unwrap();
    assert!(v.references(sct), "the STS signature covers the SCT itself");
    let ek = EncryptedKey::read(&doc, doc.child(sct, ns::XENC, "EncryptedKey").unwrap()).unwrap();
    let service =
        RsaPrivateKey::from_pem(&std::fs::read_to_string(server.file("pki/service.key")).unwrap())
            .unwrap();
    let key = decrypt_key(&ek, KeyEncryptionKey::Rsa(&service), &Policy::default())
        .unwrap()
        .expose()
        .to_vec();
    (id, key)
}

/// With `WSTRUST_RECORD_FIXTURES=1`, files one client exchange under fixtures/realclients/
/// as `CLIENT-PATTERN.request.xml`, `.response.xml` and a `.json` sidecar (client, version,
/// pattern, clock: the request's first wsu:Created). Without it, does nothing.
pub fn record_fixture(client: &str, version: &str, pattern: &str, rec: &Path) {
    if std::env::var_os("WSTRUST_RECORD_FIXTURES").is_none() {
        return;
    }
    let out = repo().join("fixtures/realclients");
    std::fs::create_dir_all(&out).unwrap();
    let request = std::fs::read(rec.join("request.xml")).unwrap();
    let doc = Document::parse(&request).unwrap();
    let clock = find(&doc, ns::WSU, "Created")
        .map(|n| doc.text(n).trim().to_owned())
        .unwrap_or_default();
    let stem = format!("{client}-{pattern}");
    std::fs::write(out.join(format!("{stem}.request.xml")), &request).unwrap();
    std::fs::copy(
        rec.join("response.xml"),
        out.join(format!("{stem}.response.xml")),
    )
    .unwrap();
    std::fs::write(
        out.join(format!("{stem}.json")),
        format!(
            "{{\n  \"client\": \"{client}\",\n  \"version\": \"{version}\",\n  \"pattern\": \"{pattern}\",\n  \"clock\": \"{clock}\"\n}}\n"
        ),
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
