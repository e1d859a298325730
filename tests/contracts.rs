//! Checks of the published XML contracts: `schemas/` (our WS-Trust extension schema) and
//! `wsdl/wstrust.wsdl` (the STS description).
//!
//! Schema validation runs `xmllint` (Debian package `libxml2-utils`). Without it every test here
//! prints "skipped: xmllint not installed" and passes, unless `CI=true`, where it fails.
//!
//! Tests that use the shared OASIS / W3C schemas and WS-Trust fixtures look for the shared folder
//! at `$WSTRUST_SHARED`, else `<crate root>/../shared`, else `/work/shared`. Those schemas import
//! each other by their published `http://` URLs; this file writes an XML catalog at run time
//! (see [`CATALOG_ENTRIES`]) that maps each URL to the local copy, so `xmllint --nonet` never
//! needs the network. The catalog is generated rather than committed because it has to name the
//! shared folder by absolute path, and that path differs between checkouts.
//!
//! Structural checks of the WSDL and the XSD use the small namespace-aware XML reader at the end
//! of this file (std only; enough for our own documents, not a general XML parser).

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{self, Command};
use std::sync::OnceLock;

// ------------------------------------------------------------------------------------------------
// Namespaces and expected values
// ------------------------------------------------------------------------------------------------

const XS: &str = "http://www.w3.org/2001/XMLSchema";
const WSX: &str = "urn:wstrust:ext:2026";
const STS_NS: &str = "urn:wstrust:sts:2026";
const WST13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const WSDL_SOAP11: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const WSDL_SOAP12: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
const SOAP_HTTP_TRANSPORT: &str = "http://schemas.xmlsoap.org/soap/http";
const WSAM: &str = "http://www.w3.org/2007/05/addressing/metadata";
const WSAW: &str = "http://www.w3.org/2006/05/addressing/wsdl";
const WSP15: &str = "http://www.w3.org/ns/ws-policy";
const SP12: &str = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

/// The literal endpoint address the server replaces with its own when it serves the WSDL.
const ADDRESS_PLACEHOLDER: &str = "http://localhost:8080/sts";

/// (operation, input action, output action, output message).
const OPERATIONS: [(&str, &str, &str, &str); 4] = [
    (
        "Issue",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal",
        "RequestSecurityTokenResponseCollectionMsg",
    ),
    (
        "Renew",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Renew",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/RenewFinal",
        "RequestSecurityTokenResponseMsg",
    ),
    (
        "Cancel",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Cancel",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/CancelFinal",
        "RequestSecurityTokenResponseMsg",
    ),
    (
        "Validate",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Validate",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/ValidateFinal",
        "RequestSecurityTokenResponseMsg",
    ),
];

/// Published schema URL -> file name under `<shared>/fixtures/schemas/`. The run-time catalog is
/// made from this table (plus a `nextCatalog` to the shared folder's own `catalog.xml`).
const CATALOG_ENTRIES: &[(&str, &str)] = &[
    (
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/ws-trust-1.3.xsd",
        "ws-trust-1.3.xsd",
    ),
    (
        "http://docs.oasis-open.org/ws-sx/ws-trust/200802/ws-trust-1.4.xsd",
        "ws-trust-1.4.xsd",
    ),
    (
        "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/ws-secureconversation-1.3.xsd",
        "ws-secureconversation-1.3.xsd",
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/02/sc/sc.xsd",
        "ws-secureconversation-200502.xsd",
    ),
    (
        "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702/ws-securitypolicy-1.2.xsd",
        "ws-securitypolicy-1.2.xsd",
    ),
    (
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
        "oasis-200401-wss-wssecurity-secext-1.0.xsd",
    ),
    (
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
        "oasis-200401-wss-wssecurity-utility-1.0.xsd",
    ),
    (
        "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd",
        "oasis-wss-wssecurity-secext-1.1.xsd",
    ),
    (
        "http://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd",
        "xmldsig-core-schema.xsd",
    ),
    (
        "http://www.w3.org/TR/xmldsig-core1/xmldsig11-schema.xsd",
        "xmldsig11-schema.xsd",
    ),
    (
        "http://www.w3.org/TR/2002/REC-xmlenc-core-20021210/xenc-schema.xsd",
        "xenc-schema.xsd",
    ),
    (
        "http://www.w3.org/TR/xmlenc-core1/xenc-schema-11.xsd",
        "xenc-schema-11.xsd",
    ),
    (
        "http://www.w3.org/TR/xml-exc-c14n/exc-c14n.xsd",
        "exc-c14n.xsd",
    ),
    (
        "http://www.w3.org/2006/03/addressing/ws-addr.xsd",
        "ws-addr.xsd",
    ),
    (
        "http://schemas.xmlsoap.org/ws/2004/09/policy/ws-policy.xsd",
        "ws-policy.xsd",
    ),
    ("http://schemas.xmlsoap.org/soap/envelope/", "soap-1.1.xsd"),
    ("http://www.w3.org/2003/05/soap-envelope/", "soap-1.2.xsd"),
    ("http://www.w3.org/2003/05/soap-envelope", "soap-1.2.xsd"),
    ("http://www.w3.org/2001/xml.xsd", "xml.xsd"),
    ("http://www.w3.org/2004/08/xop/include", "xop-include.xsd"),
    ("https://www.w3.org/2004/08/xop/include", "xop-include.xsd"),
];

// ------------------------------------------------------------------------------------------------
// Sample instances of the extension schema
// ------------------------------------------------------------------------------------------------

/// A DER SubjectPublicKeyInfo of an RSA-1024 key (test value only).
const RSA_SPKI_B64: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCtswacyF8SgioNuvKEFTbJuBCeUMGQaE86qMpgsTSrrcH+IaX1fLDSLGChjBePIwQwea2Vx2twG9gOZqH3nM+OQwAg+9GdmRA+WY9aSoD/91vouUyxEJZ8x5kwPqVl7u6ydnDkiz/RtktJ5L10Srsu6aU4JEc21pBspnV9P0HhdQIDAQAB";
/// A DER SubjectPublicKeyInfo of a P-256 key (test value only).
const EC_SPKI_B64: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMMQnWD7Fp8Swv27VRxkGQO1G0o0Bc2Wiy6pY13LvoiygqivDdEjGa1sAEkif4IqojImC53L3bdrAGndvnstivA==";
/// A raw 32-octet X25519 public key (test value only).
const X25519_PUB_B64: &str = "gitad3gYPFdyFnI/wPFaIaBRtQgX0EONZaiJ0hAv1nI=";

fn key_request_asymmetric(mechanism: &str, spki: &str) -> String {
    format!(
        r#"<wsx:KeyRequestData xmlns:wsx="urn:wstrust:ext:2026">
  <wsx:Scheme>ASYMMETRIC_WRAPPED</wsx:Scheme>
  <wsx:AsymmetricWrapped>
    <wsx:KeyPairId>kp-2026-0001</wsx:KeyPairId>
    <wsx:Mechanism>{mechanism}</wsx:Mechanism>
    <wsx:PublicKey>{spki}</wsx:PublicKey>
  </wsx:AsymmetricWrapped>
</wsx:KeyRequestData>
"#
    )
}

fn key_request_dh(parameters_id: &str, public: &str) -> String {
    format!(
        r#"<wsx:KeyRequestData xmlns:wsx="urn:wstrust:ext:2026">
  <wsx:Scheme>DH</wsx:Scheme>
  <wsx:DiffieHellman>
    <wsx:ParametersId>{parameters_id}</wsx:ParametersId>
    <wsx:PublicKey>{public}</wsx:PublicKey>
  </wsx:DiffieHellman>
</wsx:KeyRequestData>
"#
    )
}

const KEY_RESPONSE_ASYMMETRIC: &str = r#"<wsx:KeyResponseData xmlns:wsx="urn:wstrust:ext:2026">
  <wsx:Scheme>ASYMMETRIC_WRAPPED</wsx:Scheme>
  <wsx:AsymmetricWrapped>
    <wsx:KeyPairId>kp-2026-0001</wsx:KeyPairId>
    <wsx:EncryptionKey>q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=</wsx:EncryptionKey>
    <wsx:HmacKey>ESIzRFVmd4iZqrvM3e7/ABEiM0RVZneImaq7zN3u/wA=</wsx:HmacKey>
  </wsx:AsymmetricWrapped>
</wsx:KeyResponseData>
"#;

const KEY_RESPONSE_DH: &str = r#"<wsx:KeyResponseData xmlns:wsx="urn:wstrust:ext:2026">
  <wsx:Scheme>DH</wsx:Scheme>
  <wsx:DiffieHellman>
    <wsx:ParametersId>X25519</wsx:ParametersId>
    <wsx:PublicKey>3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=</wsx:PublicKey>
  </wsx:DiffieHellman>
</wsx:KeyResponseData>
"#;

const MASTER_TOKEN: &str = r#"<wsx:MasterToken xmlns:wsx="urn:wstrust:ext:2026" Id="mt-1">
  <wsx:TokenData>eyJzZXF1ZW5jZW51bWJlciI6MX0=</wsx:TokenData>
  <wsx:Signature>c2lnbmF0dXJlLW9mLXRva2VuZGF0YQ==</wsx:Signature>
</wsx:MasterToken>
"#;

const MASTER_TOKEN_WSU_ID: &str = r#"<wsx:MasterToken xmlns:wsx="urn:wstrust:ext:2026"
    xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
    wsu:Id="mt-2">
  <wsx:TokenData>eyJzZXF1ZW5jZW51bWJlciI6Mn0=</wsx:TokenData>
  <wsx:Signature>c2lnbmF0dXJlLW9mLXRva2VuZGF0YQ==</wsx:Signature>
</wsx:MasterToken>
"#;

/// An Issue RST carrying a key request, the way a client of ours sends it.
fn rst_with_key_request(key_request: &str) -> String {
    format!(
        r#"<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512" Context="urn:uuid:6c3a4f0e-2f9c-4f7e-9a55-0d1c2b3a4e5f">
  <wst:TokenType>urn:wstrust:ext:2026:MasterToken</wst:TokenType>
  <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>
  {key_request}</wst:RequestSecurityToken>
"#
    )
}

/// The Issue answer: an RSTR collection whose RSTR carries the master token and key response.
fn rstrc_with_key_response(master_token: &str, key_response: &str) -> String {
    format!(
        r#"<wst:RequestSecurityTokenResponseCollection xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512">
  <wst:RequestSecurityTokenResponse Context="urn:uuid:6c3a4f0e-2f9c-4f7e-9a55-0d1c2b3a4e5f">
    <wst:TokenType>urn:wstrust:ext:2026:MasterToken</wst:TokenType>
    <wst:RequestedSecurityToken>
      {master_token}    </wst:RequestedSecurityToken>
    {key_response}  </wst:RequestSecurityTokenResponse>
</wst:RequestSecurityTokenResponseCollection>
"#
    )
}

// ------------------------------------------------------------------------------------------------
// Environment: xmllint, shared fixtures, scratch folders
// ------------------------------------------------------------------------------------------------

fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| v == "true")
}

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True if xmllint can run. Without it: fails under `CI=true`, else prints the skip note.
fn have_xmllint() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        Command::new("xmllint")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        assert!(
            !in_ci(),
            "xmllint is not installed (Debian: apt-get install libxml2-utils); CI=true requires it"
        );
        println!("skipped: xmllint not installed");
    }
    found
}

macro_rules! require_xmllint {
    () => {
        if !have_xmllint() {
            return;
        }
    };
}

fn shared_dir() -> PathBuf {
    if let Some(dir) = env::var_os("WSTRUST_SHARED") {
        return PathBuf::from(dir);
    }
    let sibling = crate_root().join("..").join("shared");
    if sibling.is_dir() {
        return sibling;
    }
    PathBuf::from("/work/shared")
}

/// `<shared>/fixtures`, absolute. Missing: fails under `CI=true`, else prints a skip note.
fn fixtures_dir() -> Option<PathBuf> {
    let dir = shared_dir().join("fixtures");
    match dir.canonicalize() {
        Ok(dir) if dir.join("schemas").is_dir() => Some(dir),
        _ => {
            assert!(
                !in_ci(),
                "shared fixtures not found at {} (set WSTRUST_SHARED)",
                dir.display()
            );
            println!("skipped: shared fixtures not found at {}", dir.display());
            None
        }
    }
}

macro_rules! require_fixtures {
    () => {
        match fixtures_dir() {
            Some(dir) => dir,
            None => return,
        }
    };
}

/// A scratch folder under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir = env::temp_dir().join(format!("wstrust-contracts-{}-{tag}", process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch dir");
        Self(dir)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, contents).expect("write scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A `file://` URI for an absolute path (percent-encoding what a URI cannot hold).
fn file_uri(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// Writes the run-time XML catalog into `scratch` and returns its path.
fn write_catalog(scratch: &Scratch, fixtures: &Path) -> PathBuf {
    let schemas = fixtures.join("schemas");
    let mut text = String::from(
        "<?xml version=\"1.0\"?>\n\
         <catalog xmlns=\"urn:oasis:names:tc:entity:xmlns:xml:catalog\">\n",
    );
    for (url, file) in CATALOG_ENTRIES {
        let target = file_uri(&schemas.join(file));
        text.push_str(&format!(
            "  <system systemId=\"{url}\" uri=\"{target}\"/>\n  <uri name=\"{url}\" uri=\"{target}\"/>\n"
        ));
    }
    text.push_str(&format!(
        "  <nextCatalog catalog=\"{}\"/>\n</catalog>\n",
        file_uri(&schemas.join("catalog.xml"))
    ));
    scratch.write("catalog.xml", &text)
}

struct Lint {
    code: Option<i32>,
    stderr: String,
}

fn xmllint<I, S>(args: I, catalog: Option<&Path>) -> Lint
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new("xmllint");
    cmd.arg("--nonet").args(args);
    if let Some(catalog) = catalog {
        cmd.env("XML_CATALOG_FILES", catalog);
    }
    let out = cmd.output().expect("run xmllint");
    Lint {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn validate(schema: &Path, doc: &Path, catalog: Option<&Path>) -> Lint {
    xmllint(
        [
            OsStr::new("--noout"),
            OsStr::new("--schema"),
            schema.as_os_str(),
            doc.as_os_str(),
        ],
        catalog,
    )
}

fn assert_valid(schema: &Path, doc: &Path, catalog: Option<&Path>) {
    let lint = validate(schema, doc, catalog);
    assert_eq!(
        lint.code,
        Some(0),
        "{} should validate against {}:\n{}",
        doc.display(),
        schema.display(),
        lint.stderr
    );
}

/// Asserts a schema-validity failure (xmllint exit code 3, not a schema compile or I/O error)
/// whose message mentions `mentions`.
fn assert_invalid(schema: &Path, doc: &Path, catalog: Option<&Path>, mentions: &str) {
    let lint = validate(schema, doc, catalog);
    assert_eq!(
        lint.code,
        Some(3),
        "{} should fail validation against {} (exit 3):\n{}",
        doc.display(),
        schema.display(),
        lint.stderr
    );
    assert!(
        lint.stderr.contains("fails to validate") && lint.stderr.contains(mentions),
        "{}: validation error should mention {mentions:?}:\n{}",
        doc.display(),
        lint.stderr
    );
}

fn ext_xsd() -> PathBuf {
    crate_root().join("schemas").join("wstrust-ext.xsd")
}

fn wsdl_path() -> PathBuf {
    crate_root().join("wsdl").join("wstrust.wsdl")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn parse_file(path: &Path) -> Element {
    parse(&read(path)).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// A schema that imports the OASIS WS-Trust 1.3 schema by its published URL (resolved through
/// the run-time catalog) and our extension schema, so that a validator knows both.
fn write_wstrust_plus_ext_driver(scratch: &Scratch) -> PathBuf {
    let text = format!(
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:wstrust:test:driver">
  <xs:import namespace="{WST13}" schemaLocation="http://docs.oasis-open.org/ws-sx/ws-trust/200512/ws-trust-1.3.xsd"/>
  <xs:import namespace="{WSX}" schemaLocation="{}"/>
</xs:schema>
"#,
        file_uri(&ext_xsd())
    );
    scratch.write("driver.xsd", &text)
}

/// Recursively lists the files under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("list {}: {e}", dir.display())) {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

// ------------------------------------------------------------------------------------------------
// Tests: every contract file
// ------------------------------------------------------------------------------------------------

#[test]
fn contract_files_are_well_formed() {
    require_xmllint!();
    let mut files = files_under(&crate_root().join("schemas"));
    files.extend(files_under(&crate_root().join("wsdl")));
    let xml_files: Vec<_> = files
        .into_iter()
        .filter(|p| p.extension() != Some(OsStr::new("md")))
        .collect();
    for required in [ext_xsd(), wsdl_path()] {
        assert!(
            xml_files.contains(&required),
            "missing {}",
            required.display()
        );
    }
    for file in &xml_files {
        let lint = xmllint([OsStr::new("--noout"), file.as_os_str()], None);
        assert_eq!(
            lint.code,
            Some(0),
            "{} is not well-formed XML:\n{}",
            file.display(),
            lint.stderr
        );
        // Our own reader must also understand it, since the structure tests rely on it.
        parse_file(file);
    }
}

// ------------------------------------------------------------------------------------------------
// Tests: schemas/wstrust-ext.xsd
// ------------------------------------------------------------------------------------------------

#[test]
fn ext_schema_accepts_valid_instances() {
    require_xmllint!();
    let scratch = Scratch::new("ext-valid");
    let samples = [
        (
            "request-asymmetric-rsa.xml",
            key_request_asymmetric("RSA", RSA_SPKI_B64),
        ),
        (
            "request-asymmetric-ecc.xml",
            key_request_asymmetric("ECC", EC_SPKI_B64),
        ),
        (
            "request-dh-ffdhe2048.xml",
            key_request_dh(
                "ffdhe2048",
                "AJv1r2c7T7kQ4Vg1W5lqf0m0Xb7QmH6bQ6rj6Y1s4k5cR2e9hA==",
            ),
        ),
        (
            "request-dh-x25519.xml",
            key_request_dh("X25519", X25519_PUB_B64),
        ),
        (
            "response-asymmetric.xml",
            KEY_RESPONSE_ASYMMETRIC.to_owned(),
        ),
        ("response-dh.xml", KEY_RESPONSE_DH.to_owned()),
        ("master-token.xml", MASTER_TOKEN.to_owned()),
        ("master-token-wsu-id.xml", MASTER_TOKEN_WSU_ID.to_owned()),
        (
            "master-token-no-id.xml",
            MASTER_TOKEN.replace(" Id=\"mt-1\"", ""),
        ),
    ];
    for (name, text) in &samples {
        let doc = scratch.write(name, text);
        assert_valid(&ext_xsd(), &doc, None);
    }
}

#[test]
fn ext_schema_rejects_invalid_instances() {
    require_xmllint!();
    let scratch = Scratch::new("ext-invalid");
    let rsa = key_request_asymmetric("RSA", RSA_SPKI_B64);
    let dh = key_request_dh("X25519", X25519_PUB_B64);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown-scheme.xml",
            dh.replace(">DH<", ">ECDH<"),
            "Scheme",
        ),
        (
            "msl-scheme-name.xml",
            dh.replace(">DH<", ">DIFFIE_HELLMAN<"),
            "Scheme",
        ),
        (
            "asymmetric-missing-public-key.xml",
            rsa.replace(&format!("<wsx:PublicKey>{RSA_SPKI_B64}</wsx:PublicKey>"), ""),
            "PublicKey",
        ),
        (
            "dh-missing-public-key.xml",
            dh.replace(&format!("<wsx:PublicKey>{X25519_PUB_B64}</wsx:PublicKey>"), ""),
            "PublicKey",
        ),
        (
            "empty-public-key.xml",
            dh.replace(X25519_PUB_B64, ""),
            "PublicKey",
        ),
        (
            "public-key-not-base64.xml",
            dh.replace(X25519_PUB_B64, "not*base64!"),
            "PublicKey",
        ),
        (
            "unknown-mechanism.xml",
            key_request_asymmetric("JWK_RSA", RSA_SPKI_B64),
            "Mechanism",
        ),
        (
            "missing-scheme.xml",
            dh.replace("<wsx:Scheme>DH</wsx:Scheme>", ""),
            "Scheme",
        ),
        (
            "missing-key-data.xml",
            "<wsx:KeyRequestData xmlns:wsx=\"urn:wstrust:ext:2026\"><wsx:Scheme>DH</wsx:Scheme></wsx:KeyRequestData>"
                .to_owned(),
            "KeyRequestData",
        ),
        (
            "response-key-data-in-request.xml",
            KEY_RESPONSE_ASYMMETRIC.replace("KeyResponseData", "KeyRequestData"),
            "EncryptionKey",
        ),
        (
            "response-missing-hmac-key.xml",
            KEY_RESPONSE_ASYMMETRIC.replace(
                "<wsx:HmacKey>ESIzRFVmd4iZqrvM3e7/ABEiM0RVZneImaq7zN3u/wA=</wsx:HmacKey>",
                "",
            ),
            "HmacKey",
        ),
        (
            "master-token-missing-signature.xml",
            MASTER_TOKEN.replace(
                "<wsx:Signature>c2lnbmF0dXJlLW9mLXRva2VuZGF0YQ==</wsx:Signature>",
                "",
            ),
            "Signature",
        ),
        (
            "master-token-unqualified-attribute.xml",
            MASTER_TOKEN.replace(" Id=\"mt-1\"", " Id=\"mt-1\" Issuer=\"sts\""),
            "Issuer",
        ),
        (
            "master-token-bad-id.xml",
            MASTER_TOKEN.replace(" Id=\"mt-1\"", " Id=\"1 2\""),
            "Id",
        ),
    ];
    for (name, text, mentions) in &cases {
        let doc = scratch.write(name, text);
        assert_invalid(&ext_xsd(), &doc, None, mentions);
    }
}

#[test]
fn ext_schema_documents_every_declaration() {
    let schema = parse_file(&ext_xsd());
    assert!(schema.is(XS, "schema"));
    assert_eq!(schema.attr("targetNamespace"), Some(WSX));
    assert_eq!(schema.attr("elementFormDefault"), Some("qualified"));

    // Every named declaration starts with xs:annotation/xs:documentation.
    for decl in schema.descendants() {
        let kinds = ["element", "complexType", "simpleType", "attribute"];
        if decl.ns != XS || !kinds.contains(&decl.local.as_str()) {
            continue;
        }
        let Some(name) = decl.attr("name") else {
            continue;
        };
        let doc = decl
            .children
            .first()
            .filter(|c| c.is(XS, "annotation"))
            .and_then(|a| a.children_named(XS, "documentation").next())
            .map(|d| d.text.trim().to_owned())
            .unwrap_or_default();
        assert!(
            !doc.is_empty(),
            "xs:{} {name} has no leading xs:annotation/xs:documentation",
            decl.local
        );
    }

    // Element name -> the MSL JSON field its documentation must name (quoted).
    let msl: BTreeMap<&str, &str> = [
        ("KeyRequestData", "keyrequestdata"),
        ("KeyResponseData", "keyresponsedata"),
        ("Scheme", "scheme"),
        ("AsymmetricWrapped", "keydata"),
        ("DiffieHellman", "keydata"),
        ("KeyPairId", "keypairid"),
        ("Mechanism", "mechanism"),
        ("PublicKey", "publickey"),
        ("EncryptionKey", "encryptionkey"),
        ("HmacKey", "hmackey"),
        ("ParametersId", "parametersid"),
        ("MasterToken", "mastertoken"),
        ("TokenData", "tokendata"),
        ("Signature", "signature"),
        ("Mac", "mac"),
    ]
    .into_iter()
    .collect();
    let mut seen = BTreeSet::new();
    for decl in schema.descendants() {
        if !decl.is(XS, "element") {
            continue;
        }
        let Some(name) = decl.attr("name") else {
            continue;
        };
        let field = msl
            .get(name)
            .unwrap_or_else(|| panic!("element {name} has no MSL mapping in this test"));
        let doc: String = decl
            .descendants()
            .into_iter()
            .filter(|d| d.is(XS, "documentation"))
            .map(|d| d.text.as_str())
            .collect();
        assert!(
            doc.contains(&format!("\"{field}\"")),
            "documentation of element {name} should name MSL field \"{field}\""
        );
        seen.insert(name);
    }
    let all: BTreeSet<&str> = msl.keys().copied().collect();
    assert_eq!(seen, all, "declared elements differ from the expected set");

    // The top-level elements are exactly the documented entry points.
    let globals: BTreeSet<&str> = schema
        .children_named(XS, "element")
        .filter_map(|e| e.attr("name"))
        .collect();
    let expected: BTreeSet<&str> = [
        "KeyRequestData",
        "KeyResponseData",
        "Mac",
        "MasterToken",
        "Scheme",
    ]
    .into_iter()
    .collect();
    assert_eq!(globals, expected);
}

#[test]
fn ext_elements_validate_inside_oasis_wstrust_messages() {
    require_xmllint!();
    let fixtures = require_fixtures!();
    let scratch = Scratch::new("ext-in-wstrust");
    let catalog = write_catalog(&scratch, &fixtures);
    let driver = write_wstrust_plus_ext_driver(&scratch);

    let strip_decl = |s: &str| s.replace(" xmlns:wsx=\"urn:wstrust:ext:2026\"", "");
    let with_wsx = |s: String| {
        s.replacen(
            "xmlns:wst=",
            "xmlns:wsx=\"urn:wstrust:ext:2026\" xmlns:wst=",
            1,
        )
    };

    let valid = [
        (
            "rst-asymmetric.xml",
            rst_with_key_request(&key_request_asymmetric("RSA", RSA_SPKI_B64)),
        ),
        (
            "rst-dh.xml",
            with_wsx(rst_with_key_request(&strip_decl(&key_request_dh(
                "ffdhe3072",
                X25519_PUB_B64,
            )))),
        ),
        (
            "rstrc-asymmetric.xml",
            rstrc_with_key_response(MASTER_TOKEN, KEY_RESPONSE_ASYMMETRIC),
        ),
        (
            "rstrc-dh.xml",
            with_wsx(rstrc_with_key_response(
                &strip_decl(MASTER_TOKEN_WSU_ID),
                &strip_decl(KEY_RESPONSE_DH),
            )),
        ),
    ];
    for (name, text) in &valid {
        let doc = scratch.write(name, text);
        assert_valid(&driver, &doc, Some(&catalog));
    }

    // WS-Trust's lax wildcard must hand our elements to our declarations: an invalid extension
    // element makes the whole RST invalid.
    let bad_request = rst_with_key_request(&key_request_dh("X25519", X25519_PUB_B64).replace(
        &format!("<wsx:PublicKey>{X25519_PUB_B64}</wsx:PublicKey>"),
        "",
    ));
    let doc = scratch.write("rst-bad-extension.xml", &bad_request);
    assert_invalid(&driver, &doc, Some(&catalog), "PublicKey");

    let bad_response = rstrc_with_key_response(
        &MASTER_TOKEN.replace(
            "<wsx:Signature>c2lnbmF0dXJlLW9mLXRva2VuZGF0YQ==</wsx:Signature>",
            "",
        ),
        KEY_RESPONSE_ASYMMETRIC,
    );
    let doc = scratch.write("rstrc-bad-extension.xml", &bad_response);
    assert_invalid(&driver, &doc, Some(&catalog), "Signature");

    // And a real fixture still validates through the catalog.
    let issue = fixtures.join("wstrust/picketlink-parser/wst-issue.xml");
    assert_valid(&driver, &issue, Some(&catalog));
}

#[test]
fn runtime_catalog_resolves_every_published_schema_offline() {
    require_xmllint!();
    let fixtures = require_fixtures!();
    let scratch = Scratch::new("catalog");
    let catalog = write_catalog(&scratch, &fixtures);
    let instance = scratch.write(
        "instance.xml",
        "<d:ok xmlns:d=\"urn:wstrust:test:driver\"/>\n",
    );
    for (i, (url, file)) in CATALOG_ENTRIES.iter().enumerate() {
        let local = fixtures.join("schemas").join(file);
        assert!(
            local.is_file(),
            "catalog target {} is missing",
            local.display()
        );
        let target_ns = parse_file(&local)
            .attr("targetNamespace")
            .unwrap_or_else(|| panic!("{file} has no targetNamespace"))
            .to_owned();
        let driver = scratch.write(
            &format!("driver-{i}.xsd"),
            &format!(
                r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:wstrust:test:driver">
  <xs:import namespace="{target_ns}" schemaLocation="{url}"/>
  <xs:element name="ok"/>
</xs:schema>
"#
            ),
        );
        let lint = validate(&driver, &instance, Some(&catalog));
        assert_eq!(lint.code, Some(0), "{url} -> {file}:\n{}", lint.stderr);
        for symptom in ["network", "Failed to locate", "failed to load", "I/O error"] {
            assert!(
                !lint.stderr.contains(symptom),
                "{url} -> {file} did not resolve offline:\n{}",
                lint.stderr
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Tests: wsdl/wstrust.wsdl
// ------------------------------------------------------------------------------------------------

/// The inline xsd:schema of the WSDL, cut out of the file text as a stand-alone schema document.
fn inline_schema_text() -> String {
    let text = read(&wsdl_path());
    let root = parse(&text).expect("parse WSDL");
    let types = root
        .children_named(WSDL, "types")
        .next()
        .expect("wsdl:types");
    let schemas: Vec<_> = types.children_named(XS, "schema").collect();
    assert_eq!(schemas.len(), 1, "expected one inline xsd:schema");
    text[schemas[0].start..schemas[0].end].to_owned()
}

#[test]
fn wsdl_inline_schema_declares_the_wstrust_elements() {
    let text = inline_schema_text();
    // Stand-alone: it must parse without the namespace declarations of wsdl:definitions.
    let schema = parse(&text).expect("inline schema parses on its own");
    assert_eq!(schema.attr("targetNamespace"), Some(WST13));
    assert_eq!(schema.attr("elementFormDefault"), Some("qualified"));
    assert!(
        schema.children_named(XS, "import").next().is_none()
            && schema.children_named(XS, "include").next().is_none(),
        "the inline schema must be self-contained (no xsd:import / xsd:include)"
    );
    let elements: BTreeSet<&str> = schema
        .children_named(XS, "element")
        .filter_map(|e| e.attr("name"))
        .collect();
    let expected: BTreeSet<&str> = [
        "RequestSecurityToken",
        "RequestSecurityTokenResponse",
        "RequestSecurityTokenResponseCollection",
    ]
    .into_iter()
    .collect();
    assert_eq!(elements, expected);

    // RST and RSTR: open content (lax any), a Context attribute and foreign attributes.
    for element in ["RequestSecurityToken", "RequestSecurityTokenResponse"] {
        let decl = schema
            .children_named(XS, "element")
            .find(|e| e.attr("name") == Some(element))
            .expect("element declaration");
        let (type_ns, type_name) = decl
            .resolve_qname(decl.attr("type").expect("typed element"))
            .expect("type prefix in scope");
        assert_eq!(type_ns, WST13);
        let ty = schema
            .children_named(XS, "complexType")
            .find(|t| t.attr("name") == Some(type_name.as_str()))
            .expect("complex type");
        let any = ty
            .descendants()
            .into_iter()
            .find(|d| d.is(XS, "any"))
            .expect("xsd:any");
        assert_eq!(any.attr("processContents"), Some("lax"));
        assert_eq!(any.attr("minOccurs"), Some("0"));
        assert_eq!(any.attr("maxOccurs"), Some("unbounded"));
        let context = ty
            .children_named(XS, "attribute")
            .find(|a| a.attr("name") == Some("Context"))
            .expect("Context attribute");
        assert_eq!(context.attr("type"), Some("xsd:anyURI"));
        assert!(ty.children_named(XS, "anyAttribute").next().is_some());
    }
}

#[test]
fn wsdl_inline_schema_validates_wstrust_messages() {
    require_xmllint!();
    let scratch = Scratch::new("inline-schema");
    let schema = scratch.write("inline.xsd", &inline_schema_text());

    let own = [
        (
            "rst.xml",
            rst_with_key_request(&key_request_asymmetric("RSA", RSA_SPKI_B64)),
        ),
        (
            "rstrc.xml",
            rstrc_with_key_response(MASTER_TOKEN, KEY_RESPONSE_ASYMMETRIC),
        ),
    ];
    for (name, text) in &own {
        assert_valid(&schema, &scratch.write(name, text), None);
    }

    let wrong_version =
        rst_with_key_request("").replace(WST13, "http://schemas.xmlsoap.org/ws/2005/02/trust");
    let doc = scratch.write("rst-2005.xml", &wrong_version);
    assert_invalid(&schema, &doc, None, "No matching global declaration");
    let doc = scratch.write(
        "rstrc-empty.xml",
        &format!("<wst:RequestSecurityTokenResponseCollection xmlns:wst=\"{WST13}\"/>"),
    );
    assert_invalid(
        &schema,
        &doc,
        None,
        "RequestSecurityTokenResponseCollection",
    );
    let doc = scratch.write(
        "rstrc-holding-rst.xml",
        &format!(
            "<wst:RequestSecurityTokenResponseCollection xmlns:wst=\"{WST13}\"><wst:RequestSecurityToken/></wst:RequestSecurityTokenResponseCollection>"
        ),
    );
    assert_invalid(&schema, &doc, None, "RequestSecurityToken");

    // Real-world RST / RSTR collection bodies. The inline schema is meant to be at least as
    // permissive as the OASIS schema: every fixture the OASIS WS-Trust 1.3 schema accepts must be
    // accepted inline too. (Fixtures the OASIS schema rejects may fail inline as well: an xsi:type
    // naming an unknown type, as in PicketLink's holder-of-key SAML responses, is an error even
    // inside lax content.)
    let fixtures = require_fixtures!();
    let catalog = write_catalog(&scratch, &fixtures);
    let oasis = write_wstrust_plus_ext_driver(&scratch);
    let dir = fixtures.join("wstrust").join("picketlink-parser");
    let mut checked = Vec::new();
    for file in files_under(&dir) {
        let root = parse_file(&file);
        let ours = [
            "RequestSecurityToken",
            "RequestSecurityTokenResponseCollection",
        ];
        if root.ns != WST13 || !ours.contains(&root.local.as_str()) {
            continue;
        }
        if validate(&oasis, &file, Some(&catalog)).code == Some(0) {
            assert_valid(&schema, &file, None);
            checked.push(file.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    for required in [
        "wst-issue.xml",
        "wst-issue-symmetric-key.xml",
        "wst-response-assertion.xml",
    ] {
        assert!(
            checked.iter().any(|f| f == required),
            "{required} was not checked (checked: {checked:?})"
        );
    }
}

#[test]
fn wsdl_describes_the_sts() {
    let text = read(&wsdl_path());
    let root = parse(&text).expect("parse WSDL");
    assert!(root.is(WSDL, "definitions"));
    assert_eq!(root.attr("targetNamespace"), Some(STS_NS));
    assert!(
        root.children_named(WSDL, "import").next().is_none(),
        "the WSDL must not import other documents"
    );
    let qname_in = |el: &Element, attr: &str| -> (String, String) {
        let value = el.attr(attr).unwrap_or_else(|| panic!("missing @{attr}"));
        el.resolve_qname(value)
            .unwrap_or_else(|| panic!("prefix of {value} not in scope"))
    };

    // Messages.
    let messages: BTreeMap<String, (String, String)> = root
        .children_named(WSDL, "message")
        .map(|m| {
            let parts: Vec<_> = m.children_named(WSDL, "part").collect();
            assert_eq!(parts.len(), 1, "document/literal messages have one part");
            assert!(parts[0].attr("type").is_none(), "parts must use @element");
            (
                m.attr("name").expect("message name").to_owned(),
                qname_in(parts[0], "element"),
            )
        })
        .collect();
    let expected_messages = [
        ("RequestSecurityTokenMsg", "RequestSecurityToken"),
        (
            "RequestSecurityTokenResponseMsg",
            "RequestSecurityTokenResponse",
        ),
        (
            "RequestSecurityTokenResponseCollectionMsg",
            "RequestSecurityTokenResponseCollection",
        ),
    ];
    assert_eq!(messages.len(), expected_messages.len());
    for (msg, element) in expected_messages {
        assert_eq!(
            messages.get(msg),
            Some(&(WST13.to_owned(), element.to_owned())),
            "message {msg}"
        );
    }

    // Port type: four operations with their WS-Addressing actions.
    let port_types: Vec<_> = root.children_named(WSDL, "portType").collect();
    assert_eq!(port_types.len(), 1);
    let port_type = port_types[0];
    assert_eq!(port_type.attr("name"), Some("SecurityTokenService"));
    let op_names: Vec<_> = port_type
        .children_named(WSDL, "operation")
        .filter_map(|o| o.attr("name"))
        .collect();
    assert_eq!(op_names, ["Issue", "Renew", "Cancel", "Validate"]);
    for (name, in_action, out_action, out_msg) in OPERATIONS {
        let op = port_type
            .children_named(WSDL, "operation")
            .find(|o| o.attr("name") == Some(name))
            .unwrap();
        let input = op.children_named(WSDL, "input").next().expect("input");
        let output = op.children_named(WSDL, "output").next().expect("output");
        assert_eq!(
            qname_in(input, "message"),
            (STS_NS.to_owned(), "RequestSecurityTokenMsg".to_owned())
        );
        assert_eq!(
            qname_in(output, "message"),
            (STS_NS.to_owned(), out_msg.to_owned())
        );
        for ns in [WSAM, WSAW] {
            assert_eq!(input.attr_ns(ns, "Action"), Some(in_action), "{name} input");
            assert_eq!(
                output.attr_ns(ns, "Action"),
                Some(out_action),
                "{name} output"
            );
        }
        assert!(op.children_named(WSDL, "fault").next().is_none());
    }

    // Bindings: SOAP 1.1 and SOAP 1.2, document/literal, soapAction = the RST action.
    let bindings: Vec<_> = root.children_named(WSDL, "binding").collect();
    assert_eq!(bindings.len(), 2);
    let mut binding_names = BTreeMap::new();
    for soap_ns in [WSDL_SOAP11, WSDL_SOAP12] {
        let found: Vec<_> = bindings
            .iter()
            .filter(|b| b.children_named(soap_ns, "binding").next().is_some())
            .collect();
        assert_eq!(found.len(), 1, "one binding for {soap_ns}");
        let binding = found[0];
        assert_eq!(
            qname_in(binding, "type"),
            (STS_NS.to_owned(), "SecurityTokenService".to_owned())
        );
        let soap_binding = binding.children_named(soap_ns, "binding").next().unwrap();
        assert_eq!(soap_binding.attr("style"), Some("document"));
        assert_eq!(soap_binding.attr("transport"), Some(SOAP_HTTP_TRANSPORT));
        let names: Vec<_> = binding
            .children_named(WSDL, "operation")
            .filter_map(|o| o.attr("name"))
            .collect();
        assert_eq!(names, ["Issue", "Renew", "Cancel", "Validate"]);
        for (name, in_action, _, _) in OPERATIONS {
            let op = binding
                .children_named(WSDL, "operation")
                .find(|o| o.attr("name") == Some(name))
                .unwrap();
            let soap_op = op
                .children_named(soap_ns, "operation")
                .next()
                .expect("soap op");
            assert_eq!(soap_op.attr("soapAction"), Some(in_action), "{name}");
            assert_ne!(soap_op.attr("style"), Some("rpc"));
            for dir in ["input", "output"] {
                let body = op
                    .children_named(WSDL, dir)
                    .next()
                    .and_then(|m| m.children_named(soap_ns, "body").next())
                    .unwrap_or_else(|| panic!("{name} {dir} soap body"));
                assert_eq!(body.attr("use"), Some("literal"));
            }
        }
        assert_eq!(
            binding.children_named(WSP15, "PolicyReference").count(),
            1,
            "binding {soap_ns} references the endpoint policy"
        );
        binding_names.insert(
            binding.attr("name").expect("binding name").to_owned(),
            soap_ns,
        );
    }

    // Service: "wstrust", one port per binding, both at the placeholder address.
    let services: Vec<_> = root.children_named(WSDL, "service").collect();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].attr("name"), Some("wstrust"));
    let ports: Vec<_> = services[0].children_named(WSDL, "port").collect();
    assert_eq!(ports.len(), 2);
    let mut bound = BTreeSet::new();
    for port in ports {
        let (ns, binding) = qname_in(port, "binding");
        assert_eq!(ns, STS_NS);
        let soap_ns = binding_names
            .get(&binding)
            .unwrap_or_else(|| panic!("port binds unknown binding {binding}"));
        let address = port
            .children_named(soap_ns, "address")
            .next()
            .expect("address of the binding's SOAP version");
        assert_eq!(address.attr("location"), Some(ADDRESS_PLACEHOLDER));
        bound.insert(binding);
    }
    assert_eq!(bound.len(), 2, "the two ports use the two bindings");
    // The server rewrites every occurrence of the placeholder: it must only be the addresses.
    assert_eq!(
        text.matches(ADDRESS_PLACEHOLDER).count(),
        2,
        "the address placeholder must appear exactly in the two soap:address locations"
    );
}

#[test]
fn wsdl_policy_references_resolve_and_offer_three_alternatives() {
    let root = parse_file(&wsdl_path());
    let all = root.descendants();

    let mut ids = BTreeMap::new();
    for el in &all {
        if let Some(id) = el.attr_ns(WSU, "Id") {
            assert!(ids.insert(id, *el).is_none(), "duplicate wsu:Id {id}");
        }
    }
    let refs: Vec<_> = all
        .iter()
        .filter(|e| e.is(WSP15, "PolicyReference"))
        .collect();
    assert!(!refs.is_empty());
    for r in &refs {
        let uri = r.attr("URI").expect("PolicyReference/@URI");
        let id = uri
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("policy reference {uri} is not local"));
        let target = ids
            .get(id)
            .unwrap_or_else(|| panic!("policy reference {uri} has no wsu:Id target"));
        assert!(
            target.is(WSP15, "Policy"),
            "{uri} does not name a wsp:Policy"
        );
    }

    // The endpoint policy: ExactlyOne of three alternatives.
    let policy = ids.get("wstrust_endpoint_policy").expect("endpoint policy");
    let exactly_one: Vec<_> = policy.children_named(WSP15, "ExactlyOne").collect();
    assert_eq!(exactly_one.len(), 1);
    let alternatives: Vec<_> = exactly_one[0].children_named(WSP15, "All").collect();
    assert_eq!(alternatives.len(), 3);

    let sp_names = |el: &Element| -> BTreeSet<String> {
        el.descendants()
            .into_iter()
            .filter(|d| d.ns == SP12)
            .map(|d| d.local.clone())
            .collect()
    };
    let top_level = |el: &Element| -> BTreeSet<String> {
        el.children
            .iter()
            .map(|c| format!("{}|{}", c.ns, c.local))
            .collect()
    };
    let has_all = |set: &BTreeSet<String>, names: &[&str]| {
        for n in names {
            assert!(set.contains(*n), "missing sp:{n}");
        }
    };
    for alt in &alternatives {
        let top = top_level(alt);
        for name in ["Wss11", "Trust13"] {
            assert!(
                top.contains(&format!("{SP12}|{name}")),
                "alternative lacks sp:{name}"
            );
        }
        assert!(top.contains(&format!("{WSAM}|Addressing")));
        let trust = alt.children_named(SP12, "Trust13").next().unwrap();
        has_all(
            &sp_names(trust),
            &[
                "MustSupportIssuedTokens",
                "RequireClientEntropy",
                "RequireServerEntropy",
            ],
        );
        let client_entropy = trust
            .descendants()
            .into_iter()
            .find(|d| d.is(SP12, "RequireClientEntropy"))
            .unwrap();
        assert_eq!(client_entropy.attr_ns(WSP15, "Optional"), Some("true"));
    }

    // (a) UsernameToken over a confidential channel: no security binding assertion.
    let a = alternatives[0];
    let a_top = top_level(a);
    for binding in ["TransportBinding", "AsymmetricBinding", "SymmetricBinding"] {
        assert!(!a_top.contains(&format!("{SP12}|{binding}")));
    }
    let supporting = a
        .children
        .iter()
        .find(|c| c.ns == SP12 && c.local.ends_with("SupportingTokens"))
        .expect("supporting tokens");
    has_all(
        &sp_names(supporting),
        &["UsernameToken", "WssUsernameToken10"],
    );

    // (b) X.509 asymmetric binding.
    let b = alternatives[1];
    let asym = b
        .children_named(SP12, "AsymmetricBinding")
        .next()
        .expect("AsymmetricBinding");
    has_all(
        &sp_names(asym),
        &[
            "InitiatorToken",
            "RecipientToken",
            "X509Token",
            "WssX509V3Token10",
            "AlgorithmSuite",
            "Basic256Sha256",
            "Layout",
            "Lax",
            "IncludeTimestamp",
            "OnlySignEntireHeadersAndBody",
        ],
    );
    let signed = b
        .children_named(SP12, "SignedParts")
        .next()
        .expect("SignedParts");
    assert!(signed.children_named(SP12, "Body").next().is_some());

    // (c) Secure conversation, symmetric binding.
    let c = alternatives[2];
    let sym = c
        .children_named(SP12, "SymmetricBinding")
        .next()
        .expect("SymmetricBinding");
    let protection = sym
        .descendants()
        .into_iter()
        .find(|d| d.is(SP12, "ProtectionToken"))
        .expect("ProtectionToken");
    has_all(
        &sp_names(protection),
        &[
            "SecureConversationToken",
            "RequireDerivedKeys",
            "SC13SecurityContextToken",
        ],
    );

    // Token inclusion values use the WS-SecurityPolicy 1.2 URIs.
    for el in &all {
        if let Some(include) = el.attr_ns(SP12, "IncludeToken") {
            assert!(
                include.starts_with(&format!("{SP12}/IncludeToken/")),
                "unexpected IncludeToken {include}"
            );
        }
    }
}

#[test]
fn wsdl_policy_uses_only_declared_securitypolicy_assertions() {
    let fixtures = require_fixtures!();
    let sp_schema = parse_file(&fixtures.join("schemas").join("ws-securitypolicy-1.2.xsd"));
    assert_eq!(sp_schema.attr("targetNamespace"), Some(SP12));
    // Global and local declarations (sp:Body, sp:Header are local to sp:SignedParts' type).
    let declared: BTreeSet<&str> = sp_schema
        .descendants()
        .into_iter()
        .filter(|e| e.is(XS, "element"))
        .filter_map(|e| e.attr("name"))
        .collect();
    let wsdl = parse_file(&wsdl_path());
    for el in wsdl.descendants() {
        if el.ns == SP12 {
            assert!(
                declared.contains(el.local.as_str()),
                "sp:{} is not a WS-SecurityPolicy 1.2 element",
                el.local
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------
// A small namespace-aware XML reader (elements, attributes, text, comments, PIs, CDATA; no DTDs)
// ------------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Attr {
    ns: String,
    local: String,
    value: String,
}

#[derive(Debug)]
struct Element {
    ns: String,
    local: String,
    qname: String,
    attrs: Vec<Attr>,
    /// In-scope namespace bindings ("" is the default namespace).
    scope: BTreeMap<String, String>,
    children: Vec<Self>,
    /// The element's own character data (not its descendants').
    text: String,
    /// Byte range of the element in the source, from `<` to the end of its end tag.
    start: usize,
    end: usize,
}

impl Element {
    fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// An attribute in no namespace.
    fn attr(&self, local: &str) -> Option<&str> {
        self.attr_ns("", local)
    }

    fn attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == ns && a.local == local)
            .map(|a| a.value.as_str())
    }

    fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Self> + 'a {
        self.children.iter().filter(move |c| c.is(ns, local))
    }

    /// This element and all its descendants, in document order.
    fn descendants(&self) -> Vec<&Self> {
        let mut out = vec![self];
        let mut i = 0;
        while i < out.len() {
            let el = out[i];
            out.splice(i + 1..i + 1, el.children.iter());
            i += 1;
        }
        out
    }

    /// Resolves a QName-valued attribute value (`prefix:local`) against this element's scope.
    fn resolve_qname(&self, value: &str) -> Option<(String, String)> {
        let (prefix, local) = value.split_once(':').unwrap_or(("", value));
        self.scope
            .get(prefix)
            .map(|ns| (ns.clone(), local.to_owned()))
    }
}

fn parse(src: &str) -> Result<Element, String> {
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    // Skip a UTF-8 byte order mark; spans stay byte offsets into `src`.
    let mut i = if src.starts_with('\u{feff}') { 3 } else { 0 };
    while i < src.len() {
        let rest = &src[i..];
        if !rest.starts_with('<') {
            let len = rest.find('<').unwrap_or(rest.len());
            let text = unescape(&rest[..len])?;
            match stack.last_mut() {
                Some(top) => top.text.push_str(&text),
                None if text.trim().is_empty() => {}
                None => return Err(format!("text outside the root element at byte {i}")),
            }
            i += len;
            continue;
        }
        let skip_to = |end: &str| {
            rest.find(end)
                .map(|n| n + end.len())
                .ok_or_else(|| format!("unterminated markup at byte {i}"))
        };
        if rest.starts_with("<!--") {
            i += skip_to("-->")?;
        } else if rest.starts_with("<?") {
            i += skip_to("?>")?;
        } else if rest.starts_with("<![CDATA[") {
            let len = skip_to("]]>")?;
            let top = stack.last_mut().ok_or("CDATA outside the root element")?;
            top.text.push_str(&rest[9..len - 3]);
            i += len;
        } else if rest.starts_with("<!") {
            return Err("DTDs are not supported".to_owned());
        } else if let Some(after) = rest.strip_prefix("</") {
            let len = after.find('>').ok_or("unterminated end tag")?;
            let name = after[..len].trim();
            let mut el = stack
                .pop()
                .ok_or_else(|| format!("stray end tag </{name}>"))?;
            if el.qname != name {
                return Err(format!("<{}> closed by </{name}>", el.qname));
            }
            i += 2 + len + 1;
            el.end = i;
            attach(&mut stack, &mut root, el)?;
        } else {
            let (len, self_closing) = start_tag_len(rest)?;
            let inner = &rest[1..if self_closing { len - 2 } else { len - 1 }];
            let name_len = inner
                .find(|c: char| c.is_whitespace())
                .unwrap_or(inner.len());
            let qname = &inner[..name_len];
            let raw = parse_attrs(&inner[name_len..])?;
            let mut scope = match stack.last() {
                Some(parent) => parent.scope.clone(),
                None => BTreeMap::from([(
                    "xml".to_owned(),
                    "http://www.w3.org/XML/1998/namespace".to_owned(),
                )]),
            };
            for (name, value) in &raw {
                if name == "xmlns" {
                    scope.insert(String::new(), value.clone());
                } else if let Some(prefix) = name.strip_prefix("xmlns:") {
                    scope.insert(prefix.to_owned(), value.clone());
                }
            }
            let (ns, local) = resolve(&scope, qname, true)?;
            let mut attrs = Vec::new();
            for (name, value) in raw {
                if name == "xmlns" || name.starts_with("xmlns:") {
                    continue;
                }
                let (ns, local) = resolve(&scope, &name, false)?;
                if attrs.iter().any(|a: &Attr| a.ns == ns && a.local == local) {
                    return Err(format!("duplicate attribute {name} on <{qname}>"));
                }
                attrs.push(Attr { ns, local, value });
            }
            let mut el = Element {
                ns,
                local,
                qname: qname.to_owned(),
                attrs,
                scope,
                children: Vec::new(),
                text: String::new(),
                start: i,
                end: 0,
            };
            i += len;
            if self_closing {
                el.end = i;
                attach(&mut stack, &mut root, el)?;
            } else {
                stack.push(el);
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("<{}> is never closed", open.qname));
    }
    root.ok_or_else(|| "no root element".to_owned())
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) -> Result<(), String> {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(el);
    } else if root.is_none() {
        *root = Some(el);
    } else {
        return Err("more than one root element".to_owned());
    }
    Ok(())
}

/// Length of the start tag at the beginning of `s` (through `>`), and whether it ends in `/>`.
fn start_tag_len(s: &str) -> Result<(usize, bool), String> {
    let mut quote = None;
    for (n, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Ok((n + 1, s[..n].ends_with('/'))),
            _ => {}
        }
    }
    Err("unterminated start tag".to_owned())
}

fn parse_attrs(mut s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return Ok(out);
        }
        let eq = s
            .find('=')
            .ok_or_else(|| format!("attribute without value: {s}"))?;
        let name = s[..eq].trim().to_owned();
        s = s[eq + 1..].trim_start();
        let quote = s
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or_else(|| format!("unquoted value of {name}"))?;
        let len = s[1..]
            .find(quote)
            .ok_or_else(|| format!("unterminated value of {name}"))?;
        out.push((name, unescape(&s[1..1 + len])?));
        s = &s[1 + len + 1..];
    }
}

fn resolve(
    scope: &BTreeMap<String, String>,
    qname: &str,
    is_element: bool,
) -> Result<(String, String), String> {
    match qname.split_once(':') {
        Some((prefix, local)) => scope
            .get(prefix)
            .map(|ns| (ns.clone(), local.to_owned()))
            .ok_or_else(|| format!("undeclared prefix in {qname}")),
        None if is_element => Ok((scope.get("").cloned().unwrap_or_default(), qname.to_owned())),
        None => Ok((String::new(), qname.to_owned())),
    }
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..]
            .find(';')
            .ok_or_else(|| format!("unterminated reference in {s}"))?;
        let name = &rest[amp + 1..amp + semi];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown reference &{name};"))?
            }
        };
        out.push(c);
        rest = &rest[amp + semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
