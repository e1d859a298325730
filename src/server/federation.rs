//! WS-Federation metadata (`/FederationMetadata/2007-06/FederationMetadata.xml`), shaped like
//! the document AD FS serves there: a SAML 2.0 metadata `EntityDescriptor` (entityID = our
//! issuer) holding, first, its enveloped `ds:Signature` (RSA-SHA256, exclusive c14n, by the
//! token-signing key, with the certificate in `ds:KeyInfo`), then one `RoleDescriptor` of
//! `xsi:type="fed:SecurityTokenServiceType"` (WS-Federation 1.2 §3.1.2.2) with:
//!
//! * `KeyDescriptor use="signing"`: the token-signing certificate, so a relying party can
//!   check our assertions and SCT issuer keys;
//! * `fed:TokenTypesOffered`: the token types the realms are issued;
//! * one `fed:SecurityTokenServiceEndpoint` per STS endpoint (the advertised AD FS aliases,
//!   then `/sts`), each a `wsa:EndpointReference` whose `wsa:Metadata` refers to the
//!   metadata describing it (the AD FS-style MEX, or `/sts/mex`).
//!
//! There is no `fed:PassiveRequestorEndpoint`: the STS serves no passive (browser)
//! WS-Federation sign-in, unlike AD FS's `/adfs/ls/`.

use crate::crypto::{self, RsaPrivateKey};
use crate::xml::{CaptureKind, Writer};
use crate::xmlsec::{self, SignatureSpec, SigningKey};

use super::metadata::MetadataError;

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const FED: &str = "http://docs.oasis-open.org/wsfed/federation/200706";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const WSA: &str = "http://www.w3.org/2005/08/addressing";
const MEX: &str = "http://schemas.xmlsoap.org/ws/2004/09/mex";
/// The protocols AD FS lists for its STS role.
const PROTOCOLS: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512 \
                         http://schemas.xmlsoap.org/ws/2005/02/trust \
                         http://docs.oasis-open.org/wsfed/federation/200706";

/// One STS endpoint and the metadata document describing it.
pub(super) struct StsEndpoint {
    /// Its address.
    pub(super) address: String,
    /// The address of its metadata (MEX), if any.
    pub(super) mex: Option<String>,
}

/// What the document says.
pub(super) struct FederationSpec<'a> {
    /// Our issuer URI (the entityID).
    pub(super) issuer: &'a str,
    /// The token-signing certificate (DER).
    pub(super) signing_cert: &'a [u8],
    /// The other published token-signing certificates (key rollover: the next key before it
    /// is promoted, the previous one until it expires), DER.
    pub(super) other_certs: Vec<&'a [u8]>,
    /// Its key, which signs the document.
    pub(super) signing_key: &'a RsaPrivateKey,
    /// Token type URIs offered.
    pub(super) token_types: Vec<&'static str>,
    /// The STS endpoints, in order.
    pub(super) endpoints: Vec<StsEndpoint>,
}

fn x509_key_info(w: &mut Writer, cert_b64: &str) {
    w.start_prefixed(DS, "X509Data", Some("ds"));
    w.element_text(DS, "X509Certificate", cert_b64);
    w.end();
}

/// The signed document.
pub(super) fn document(spec: &FederationSpec<'_>) -> Result<String, MetadataError> {
    let err = |what: &str| MetadataError(format!("federation metadata: {what}"));
    let id = format!(
        "_{}",
        crypto::random_uuid().map_err(|e| err(&format!("no identifier: {e}")))?
    );
    let cert = xmlsec::base64_encode(spec.signing_cert);

    let mut w = Writer::new();
    w.capture_next(CaptureKind::Element);
    w.start_prefixed(MD, "EntityDescriptor", Some(""))
        .attr("", "ID", &id)
        .attr("", "entityID", spec.issuer);
    // Closes the start tag: the signature goes right behind it (the metadata schema puts
    // ds:Signature first).
    w.text("");
    let signature_at = w.as_str().len();

    w.start_prefixed(MD, "RoleDescriptor", Some(""))
        .declare("xsi", XSI)
        .declare("fed", FED)
        .attr_prefixed(XSI, "type", "fed:SecurityTokenServiceType", Some("xsi"))
        .attr("", "protocolSupportEnumeration", PROTOCOLS)
        .attr("", "ServiceDisplayName", spec.issuer);
    for c in std::iter::once(cert.clone())
        .chain(spec.other_certs.iter().map(|d| xmlsec::base64_encode(d)))
    {
        w.start_prefixed(MD, "KeyDescriptor", Some(""))
            .attr("", "use", "signing");
        w.start_prefixed(DS, "KeyInfo", Some("ds"));
        x509_key_info(&mut w, &c);
        w.end().end();
    }
    w.start_prefixed(FED, "TokenTypesOffered", Some("fed"));
    for t in &spec.token_types {
        w.start_prefixed(FED, "TokenType", Some("fed"))
            .attr("", "Uri", t)
            .end();
    }
    w.end();
    for e in &spec.endpoints {
        w.start_prefixed(FED, "SecurityTokenServiceEndpoint", Some("fed"));
        w.start_prefixed(WSA, "EndpointReference", Some("wsa"));
        w.element_text(WSA, "Address", &e.address);
        if let Some(mex) = &e.mex {
            w.start_prefixed(WSA, "Metadata", Some("wsa"));
            w.start_prefixed(MEX, "Metadata", Some("mex"));
            w.start_prefixed(MEX, "MetadataSection", Some("mex"))
                .attr("", "Dialect", MEX);
            w.start_prefixed(MEX, "MetadataReference", Some("mex"));
            w.element_text(WSA, "Address", mex);
            w.end().end().end().end();
        }
        w.end().end();
    }
    w.end();
    w.end();
    let key_info = |w: &mut Writer| x509_key_info(w, &cert);
    let xml = xmlsec::sign_written_enveloped(
        w,
        &format!("#{id}"),
        Some(signature_at),
        SignatureSpec::default(),
        SigningKey::Rsa(spec.signing_key),
        Some(&key_info),
    )
    .map_err(|e| err(&format!("signing: {e}")))?;
    Ok(xml)
}
