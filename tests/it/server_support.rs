//! Helpers for the server tests: data directories, in-process and binary servers, a raw
//! HTTP/1.1 client and WS-Trust requests with fresh timestamps.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use wstrust::config::{self, datadir, Loaded};
use wstrust::crypto::{DigestAlgorithm, HmacAlgorithm};
use wstrust::engine::Engine;
use wstrust::server::Running;
use wstrust::soap::SoapVersion;
use wstrust::wss::{self, Clock, Protection, Signer, SignerKeyInfo, SystemClock};
use wstrust::xml::{datetime, ns, Document, Writer};
use wstrust::xmlsec::{base64_decode, SignatureMethod, SigningKey};

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let n: u64 = wstrust::crypto::random_bytes(8)
            .unwrap()
            .iter()
            .fold(0, |a, b| a << 8 | u64::from(*b));
        let p = std::env::temp_dir().join(format!("wstrust-it-{tag}-{n:016x}"));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A data directory made by `datadir::init` (the dev PKI and demo user).
pub fn data_dir(tag: &str) -> TempDir {
    let d = TempDir::new(tag);
    datadir::init(d.path(), "127.0.0.1:0").unwrap();
    d
}

/// The configuration of `dir` for an in-process server on a free loopback port.
pub fn load(dir: &Path) -> Loaded {
    let mut l = config::load(&dir.join(datadir::CONFIG_FILE)).unwrap();
    l.server.listen = "127.0.0.1:0".parse().unwrap();
    l
}

/// Starts the configuration in-process (with its audit trail, as `wstrust serve` does).
pub fn start(l: Loaded) -> Running {
    let store = config::open_store(&l.store).unwrap();
    let mut engine = Engine::new(l.engine, store);
    if let Some(sink) = config::open_audit(l.audit.as_deref()).unwrap() {
        engine = engine.with_audit(sink);
    }
    Running::start(l.server, Arc::new(engine)).unwrap()
}

/// The demo user's (name, password, applies_to).
pub fn demo(dir: &Path) -> (String, String, String) {
    let c = datadir::read_credentials(&dir.join(datadir::CREDENTIALS_FILE))
        .unwrap()
        .unwrap();
    (c.username, c.password.to_string(), c.applies_to)
}

/// A client configuration verifying replies with the STS certificate of data directory `dir`.
pub fn client_config(dir: &Path) -> wstrust::client::ClientConfig {
    let pem = std::fs::read_to_string(dir.join("pki/sts.pem")).unwrap();
    let mut cfg =
        wstrust::client::ClientConfig::new(SoapVersion::V11, wstrust::trust::TrustVersion::V13);
    cfg.sts_cert = Some(wstrust::pki::Certificate::from_pem(&pem).unwrap());
    cfg
}

/// An HTTP response.
#[derive(Debug)]
pub struct Http {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Http {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses one HTTP/1.1 response read to the end of the stream.
pub fn parse_response(raw: &[u8]) -> Http {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Http {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

/// Sends one request over a new connection (`Connection: close`) and reads the answer.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Http {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

pub fn get(addr: SocketAddr, path: &str) -> Http {
    request(addr, "GET", path, &[], b"")
}

/// POSTs a SOAP 1.1 message.
pub fn post_soap11(addr: SocketAddr, path: &str, action: &str, xml: &str) -> Http {
    request(
        addr,
        "POST",
        path,
        &[
            ("Content-Type", "text/xml; charset=utf-8"),
            ("SOAPAction", &format!("\"{action}\"")),
        ],
        xml.as_bytes(),
    )
}

pub const ISSUE_SCT: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT";

fn hex(n: usize) -> String {
    wstrust::crypto::random_bytes(n)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn rst_body(applies_to: &str) -> String {
    format!(
        "<wst:RequestSecurityToken xmlns:wst=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512\">\
         <wst:TokenType>http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct</wst:TokenType>\
         <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>\
         <wsp:AppliesTo xmlns:wsp=\"http://schemas.xmlsoap.org/ws/2004/09/policy\">\
         <wsa:EndpointReference xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">\
         <wsa:Address>{applies_to}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>\
         <wst:KeySize>256</wst:KeySize>\
         </wst:RequestSecurityToken>"
    )
}

/// A SOAP 1.1 RST for an SCT with a UsernameToken (PasswordText, fresh Nonce and Created)
/// and a fresh Timestamp.
pub fn rst_username(user: &str, password: &str, applies_to: &str) -> String {
    username_envelope(
        user,
        password,
        ISSUE_SCT,
        &format!("urn:uuid:{}", hex(16)),
        &rst_body(applies_to),
    )
}

/// A SOAP 1.1 request with `wsa:Action` `action`, `wsa:MessageID` `message_id`, a fresh
/// Timestamp and a UsernameToken (PasswordText, fresh Nonce and Created), and `body` (an
/// element's XML) as Body.
pub fn username_envelope(
    user: &str,
    password: &str,
    action: &str,
    message_id: &str,
    body: &str,
) -> String {
    let now = SystemClock.now_ms();
    let created = datetime::format(now);
    let expires = datetime::format(now + 300_000);
    let nonce = wstrust::xmlsec::base64_encode(&wstrust::crypto::random_bytes(16).unwrap());
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" \
xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" \
xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\" \
xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\">\
<s:Header><wsa:Action>{action}</wsa:Action><wsa:MessageID>{message_id}</wsa:MessageID>\
<wsse:Security s:mustUnderstand=\"1\">\
<wsu:Timestamp wsu:Id=\"TS-1\"><wsu:Created>{created}</wsu:Created><wsu:Expires>{expires}</wsu:Expires></wsu:Timestamp>\
<wsse:UsernameToken wsu:Id=\"UT-1\"><wsse:Username>{user}</wsse:Username>\
<wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText\">{password}</wsse:Password>\
<wsse:Nonce EncodingType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary\">{nonce}</wsse:Nonce>\
<wsu:Created>{created}</wsu:Created></wsse:UsernameToken>\
</wsse:Security></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )
}

/// A SOAP 1.1 RST for a new SCT, signed (HMAC-SHA256 over Body and Timestamp) with the proof
/// key of an SCT we already hold, referenced by its identifier.
pub fn rst_signed_by_context(identifier: &str, key: &[u8], applies_to: &str) -> String {
    let ki = |w: &mut Writer| wss::write_reference(w, identifier, Some(wss::value_type::SCT_13));
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Hmac(key),
            method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::Custom(&ki),
        }),
        ..Protection::default()
    };
    let headers = |w: &mut Writer| {
        w.element_text(ns::WSA, "Action", ISSUE_SCT);
        w.element_text(ns::WSA, "MessageID", &format!("urn:uuid:{}", hex(16)));
    };
    let body = rst_body(applies_to);
    let doc = Document::parse(body.as_bytes()).unwrap();
    let body = |w: &mut Writer| {
        w.copy(&doc, doc.root());
    };
    wss::secure_envelope(SoapVersion::V11, SystemClock.now_ms(), &headers, &body, &p)
        .unwrap()
        .xml
}

/// The SCT identifier and the proof key (a plain BinarySecret) of an issue response.
pub fn token_of(resp: &Http) -> (String, Vec<u8>) {
    let doc = Document::parse(&resp.body).unwrap();
    let find = |ns_: &str, local: &str| {
        doc.descendants_or_self(doc.root())
            .find(|n| doc.is(*n, ns_, local))
            .unwrap_or_else(|| panic!("no {local} in {}", resp.text()))
    };
    let id = doc.text(find(ns::WSC13, "Identifier")).trim().to_owned();
    let proof = find(ns::WST13, "RequestedProofToken");
    let secret = doc
        .descendants_or_self(proof)
        .find(|n| doc.is(*n, ns::WST13, "BinarySecret"))
        .unwrap_or_else(|| panic!("no BinarySecret proof in {}", resp.text()));
    (id, base64_decode(doc.text(secret).trim()).unwrap())
}

/// The fault code (local part) of a fault response.
pub fn fault_of(resp: &Http) -> String {
    let doc = Document::parse(&resp.body).unwrap();
    let code = doc
        .descendants_or_self(doc.root())
        .find(|n| doc.name(*n).local == "faultcode")
        .unwrap_or_else(|| panic!("not a SOAP 1.1 fault: {}", resp.text()));
    let v = doc.text(code);
    v.trim().rsplit(':').next().unwrap().to_owned()
}

/// A `wstrust serve` process; killed on drop.
pub struct Binary {
    pub child: Child,
    pub addr: SocketAddr,
    /// Standard output up to and including the `listening on` line.
    pub banner: String,
}

impl Binary {
    /// Runs `wstrust serve` with `args`, waiting for the `listening on ADDR` line.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with(args, None, &[])
    }

    /// [`Self::start`] with the log (`info` and up) written to the file `log` when given.
    pub fn start_logging(args: &[&str], log: Option<&Path>) -> Self {
        Self::start_with(args, log, &[])
    }

    /// [`Self::start`] with more environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_with(args, None, env)
    }

    fn start_with(args: &[&str], log: Option<&Path>, env: &[(&str, &str)]) -> Self {
        let (level, stderr) = match log {
            Some(p) => ("info", Stdio::from(std::fs::File::create(p).unwrap())),
            None => ("warn", Stdio::inherit()),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_wstrust"))
            .arg("serve")
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", level)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut banner = String::new();
        let addr = loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                let status = child.wait().unwrap();
                panic!("wstrust serve exited ({status}) before listening; stdout:\n{banner}");
            }
            banner.push_str(&line);
            if let Some(a) = line.trim().strip_prefix("listening on ") {
                break a.parse().unwrap();
            }
        };
        // The rest of the banner follows at once; read it in the background so the
        // process never blocks on a full pipe.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut rest = String::new();
            let mut line = String::new();
            while out.read_line(&mut line).is_ok_and(|n| n > 0) {
                if line.starts_with("stop with") {
                    let _ = tx.send(std::mem::take(&mut rest));
                }
                rest.push_str(&line);
                line.clear();
            }
        });
        if let Ok(rest) = rx.recv_timeout(Duration::from_secs(30)) {
            banner.push_str(&rest);
        }
        Self {
            child,
            addr,
            banner,
        }
    }

    /// Sends SIGTERM and waits; returns whether the process exited successfully.
    pub fn terminate(mut self) -> bool {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        self.child.wait().unwrap().success()
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
