//! The STS's metadata: the WSDL (`GET /sts?wsdl`) and its WS-MetadataExchange wrapping
//! (`GET /sts/mex`, and SOAP `GetMetadata` or WS-Transfer `Get` on `POST /sts/mex`).
//!
//! Also the AD FS-style WSDL (see `adfs`) and the signed WS-Federation metadata (see
//! `federation`).
//!
//! The WSDL is `wsdl/wstrust.wsdl` compiled in, with its placeholder address replaced by the
//! address clients reach us at; both documents are made once, at start.

use crate::crypto;
use crate::engine::summary::fault_local_name;
use crate::soap::{self, Addressing, Envelope, Fault, FaultSubcode, SoapVersion};
use crate::xml::{Document, Limits, Writer};

/// The WSDL as shipped; its ports name [`PLACEHOLDER`].
const WSDL: &str = include_str!("../../wsdl/wstrust.wsdl");
/// The address in the shipped WSDL that is replaced by the real one.
pub const PLACEHOLDER: &str = "http://localhost:8080/sts";

/// WS-MetadataExchange (September 2004) namespace.
pub const MEX: &str = "http://schemas.xmlsoap.org/ws/2004/09/mex";
/// `GetMetadata` request action (WS-MetadataExchange §6).
pub const GET_METADATA_REQUEST: &str =
    "http://schemas.xmlsoap.org/ws/2004/09/mex/GetMetadata/Request";
/// `GetMetadata` response action.
pub const GET_METADATA_RESPONSE: &str =
    "http://schemas.xmlsoap.org/ws/2004/09/mex/GetMetadata/Response";
/// WS-Transfer `Get` action, which MEX clients (WCF, ADFS tooling) send.
pub const TRANSFER_GET: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get";
/// WS-Transfer `GetResponse` action.
pub const TRANSFER_GET_RESPONSE: &str =
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse";
/// The WSDL 1.1 dialect URI for a `MetadataSection`.
const WSDL_DIALECT: &str = "http://schemas.xmlsoap.org/wsdl/";

/// The documents, made once.
#[derive(Debug)]
pub struct Metadata {
    wsdl: String,
    /// The `mex:Metadata` element as a document (for GET and to copy into SOAP replies).
    mex: Document,
    mex_text: String,
    /// The AD FS-style WSDL and its `mex:Metadata` wrapping (empty until [`Metadata::with_adfs`]).
    adfs_wsdl: String,
    adfs_mex: Option<Document>,
    /// The signed WS-Federation metadata (empty until [`Metadata::with_federation`]).
    federation: String,
}

/// A SOAP answer from the MEX endpoint.
#[derive(Debug)]
pub struct SoapAnswer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The envelope.
    pub body: String,
    /// Why a fault was sent, for the log.
    pub log: Option<&'static str>,
    /// The fault sent, by its local name (see [`crate::engine::Summary::fault`]).
    pub fault: Option<&'static str>,
}

/// Why the metadata documents could not be made.
#[derive(Debug, thiserror::Error)]
#[error("metadata: {0}")]
pub struct MetadataError(pub(super) String);

impl Metadata {
    /// The documents for an STS reached at `sts_url` (e.g. `https://sts.example.com/sts`).
    pub fn new(sts_url: &str) -> Result<Self, MetadataError> {
        let mut esc = String::new();
        for c in sts_url.chars() {
            match c {
                '&' => esc.push_str("&amp;"),
                '<' => esc.push_str("&lt;"),
                '>' => esc.push_str("&gt;"),
                '"' => esc.push_str("&quot;"),
                c => esc.push(c),
            }
        }
        let wsdl = WSDL.replace(PLACEHOLDER, &esc);
        let doc = Document::parse(wsdl.as_bytes())
            .map_err(|e| MetadataError(format!("the WSDL does not parse: {e}")))?;
        let defs = doc.root();
        if !doc.is(defs, "http://schemas.xmlsoap.org/wsdl/", "definitions") {
            return Err(MetadataError(
                "the WSDL root is not wsdl:definitions".into(),
            ));
        }
        let (mex, mex_text) = wrap(&doc)?;
        Ok(Self {
            wsdl,
            mex,
            mex_text,
            adfs_wsdl: String::new(),
            adfs_mex: None,
            federation: String::new(),
        })
    }

    /// These documents and the AD FS-style WSDL `wsdl` (served as it is on GET, wrapped in
    /// `mex:Metadata` for SOAP requests).
    pub fn with_adfs(mut self, wsdl: &str) -> Result<Self, MetadataError> {
        let doc = Document::parse(wsdl.as_bytes())
            .map_err(|e| MetadataError(format!("the AD FS WSDL does not parse: {e}")))?;
        let (mex, _) = wrap(&doc)?;
        self.adfs_wsdl = wsdl.to_owned();
        self.adfs_mex = Some(mex);
        Ok(self)
    }

    /// These documents and the signed WS-Federation metadata `xml` (served as it is).
    pub fn with_federation(mut self, xml: String) -> Self {
        self.federation = xml;
        self
    }

    /// The WS-Federation metadata (empty unless made with [`Metadata::with_federation`]).
    pub fn federation(&self) -> &str {
        &self.federation
    }

    /// The AD FS-style WSDL (empty unless made with [`Metadata::with_adfs`]).
    pub fn adfs_wsdl(&self) -> &str {
        &self.adfs_wsdl
    }

    /// Answers a SOAP `GetMetadata` or WS-Transfer `Get` request for the AD FS-style
    /// metadata (the standard metadata when there is none).
    pub fn adfs_soap(
        &self,
        body: &[u8],
        content_type: Option<&str>,
        soap_action: Option<&str>,
    ) -> SoapAnswer {
        soap_answer(
            self.adfs_mex.as_ref().unwrap_or(&self.mex),
            body,
            content_type,
            soap_action,
        )
    }

    /// The WSDL.
    pub fn wsdl(&self) -> &str {
        &self.wsdl
    }

    /// The `mex:Metadata` document.
    pub fn mex(&self) -> &str {
        &self.mex_text
    }

    /// Answers a SOAP `GetMetadata` or WS-Transfer `Get` request.
    pub fn soap(
        &self,
        body: &[u8],
        content_type: Option<&str>,
        soap_action: Option<&str>,
    ) -> SoapAnswer {
        soap_answer(&self.mex, body, content_type, soap_action)
    }
}

/// `mex:Metadata` with one WSDL `MetadataSection` holding the `wsdl:definitions` of `doc`.
fn wrap(doc: &Document) -> Result<(Document, String), MetadataError> {
    let defs = doc.root();
    let target = doc
        .attribute(defs, "", "targetNamespace")
        .unwrap_or_default()
        .to_owned();
    let mut w = Writer::new();
    w.start_prefixed(MEX, "Metadata", Some("mex"));
    w.start_prefixed(MEX, "MetadataSection", Some("mex"))
        .attr("", "Dialect", WSDL_DIALECT)
        .attr("", "Identifier", &target);
    w.copy(doc, defs);
    w.end().end();
    let text = w
        .finish()
        .map_err(|e| MetadataError(format!("writing mex:Metadata: {e}")))?;
    let mex = Document::parse(text.as_bytes())
        .map_err(|e| MetadataError(format!("mex:Metadata does not parse: {e}")))?;
    Ok((mex, text))
}

fn soap_answer(
    mex: &Document,
    body: &[u8],
    content_type: Option<&str>,
    soap_action: Option<&str>,
) -> SoapAnswer {
    let transport = content_type.and_then(SoapVersion::from_content_type);
    let fallback = transport.unwrap_or(SoapVersion::V11);
    let fault = |why: &'static str, version: SoapVersion| {
        let mut w = Writer::new();
        let f = Fault::sender(FaultSubcode::InvalidRequest);
        soap::write_envelope(&mut w, version, |_| {}, |w| f.write(w, version));
        SoapAnswer {
            status: f.http_status(),
            content_type: version.content_type(),
            body: w.finish().unwrap_or_default(),
            log: Some(why),
            fault: Some(fault_local_name(&f)),
        }
    };
    let Ok(doc) = Document::parse_with(body, &Limits::default()) else {
        return fault("metadata request is not well-formed XML", fallback);
    };
    let Ok(env) = Envelope::read(&doc, transport) else {
        return fault("metadata request is not a SOAP envelope", fallback);
    };
    let version = env.version();
    let Ok(addressing) = Addressing::read(&env) else {
        return fault(
            "metadata request has invalid WS-Addressing headers",
            version,
        );
    };
    let action = addressing
        .action
        .clone()
        .or_else(|| soap_action.map(str::to_owned))
        .or_else(|| content_type.and_then(SoapVersion::action_parameter));
    let reply_action = match action.as_deref() {
        Some(TRANSFER_GET) => TRANSFER_GET_RESPONSE,
        Some(GET_METADATA_REQUEST) => GET_METADATA_RESPONSE,
        _ => {
            return fault(
                "metadata request action is neither Get nor GetMetadata",
                version,
            )
        }
    };
    let id = crypto::random_uuid().unwrap_or_default();
    let reply = addressing.reply(reply_action, format!("urn:uuid:{id}"));
    let mut w = Writer::new();
    soap::write_envelope(
        &mut w,
        version,
        |w| reply.write(w, "mex"),
        |w| {
            w.copy(mex, mex.root());
        },
    );
    SoapAnswer {
        status: 200,
        content_type: version.content_type(),
        body: w.finish().unwrap_or_default(),
        log: None,
        fault: None,
    }
}
