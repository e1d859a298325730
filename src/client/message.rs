//! Building request envelopes: WS-Addressing headers, the security header (UsernameToken,
//! X.509 signature with a BinarySecurityToken, or a proof-key signature through a
//! DerivedKeyToken) and the RST in the Body.

use zeroize::Zeroizing;

use crate::crypto::{self, hex, DigestAlgorithm, HmacAlgorithm, SecretBytes, SignatureAlgorithm};
use crate::soap::{Envelope, SoapVersion, ANONYMOUS};
use crate::trust::{
    Action, AppliesTo, BinarySecret, BinarySecretType, Binding, ComputedKeyAlgorithm,
    DerivedKeyToken, Entropy, Fragment, KeyType, RequestSecurityToken, RequestType, ScVersion,
    ToXml, TokenHolder, TokenType,
};
use crate::wss::{self, Protection, Signer, SignerKeyInfo};
use crate::xml::{ns, Document, Writer};
use crate::xmlsec::{self, SignatureMethod, SigningKey};

use super::config::{ClientConfig, Credentials, IssueRequest};
use super::token::IssuedToken;
use super::Error;

/// Length of the keys we derive for signing, in bytes.
const DERIVED_KEY_LEN: usize = 32;

/// The Ids of the addressing headers we write (signed along with Body and Timestamp).
const ADDRESSING_IDS: [&str; 4] = ["a-action", "a-msgid", "a-to", "a-replyto"];

/// A request ready to send.
pub(crate) struct Outgoing {
    /// The envelope (it may hold a clear-text password: wiped on drop).
    pub(crate) xml: Zeroizing<String>,
    /// The action URI.
    pub(crate) action: &'static str,
    /// Our SignatureValue, when we signed (the STS must confirm it).
    pub(crate) signature_value: Option<Vec<u8>>,
    /// The entropy we sent, for a computed key.
    pub(crate) entropy: Option<SecretBytes>,
    /// The `Context` attribute of our RST (the response must echo it when it has one).
    pub(crate) context: String,
    /// Our `wsa:MessageID` (the response's signed `wsa:RelatesTo` must name it).
    pub(crate) message_id: String,
}

/// Which binding acts on an issued token.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum TargetBinding {
    Cancel,
    Renew,
    Validate,
}

fn random(n: usize) -> Result<Vec<u8>, Error> {
    crypto::random_bytes(n).map_err(|e| Error::request(format!("random generator: {e}")))
}

fn uuid() -> Result<String, Error> {
    crypto::random_uuid().map_err(|e| Error::request(format!("random generator: {e}")))
}

/// Writes wsa:Action, MessageID, To and ReplyTo (anonymous), each with a `wsu:Id`.
fn write_addressing(w: &mut Writer, soap: SoapVersion, action: &str, message_id: &str, to: &str) {
    let mu = soap.must_understand_true();
    let env = soap.namespace();
    w.start(ns::WSA, "Action")
        .attr(ns::WSU, "Id", ADDRESSING_IDS[0])
        .attr(env, "mustUnderstand", mu)
        .text(action)
        .end();
    w.start(ns::WSA, "MessageID")
        .attr(ns::WSU, "Id", ADDRESSING_IDS[1])
        .text(message_id)
        .end();
    w.start(ns::WSA, "To")
        .attr(ns::WSU, "Id", ADDRESSING_IDS[2])
        .attr(env, "mustUnderstand", mu)
        .text(to)
        .end();
    w.start(ns::WSA, "ReplyTo")
        .attr(ns::WSU, "Id", ADDRESSING_IDS[3]);
    w.element_text(ns::WSA, "Address", ANONYMOUS);
    w.end();
}

/// Where an item goes in the security header of an envelope we wrote.
enum Place {
    AfterTimestamp,
    BeforeSignature,
}

/// Inserts `item` (a stand-alone element) into the `wsse:Security` header of `xml`. Signatures
/// cover Body, Timestamp and headers by Id with exclusive c14n, so the insertion changes no
/// digest.
fn insert_in_security(
    xml: &mut String,
    soap: SoapVersion,
    item: &str,
    place: Place,
) -> Result<(), Error> {
    let at = {
        let doc = Document::parse(xml.as_bytes()).map_err(Error::request)?;
        let env = Envelope::read(&doc, Some(soap)).map_err(Error::request)?;
        let sec = env
            .headers_named(ns::WSSE, "Security")
            .next()
            .map(|b| b.node)
            .ok_or_else(|| Error::request("no security header"))?;
        match place {
            Place::AfterTimestamp => {
                let ts = doc
                    .child(sec, ns::WSU, "Timestamp")
                    .ok_or_else(|| Error::request("no timestamp"))?;
                doc.span(ts).end
            }
            Place::BeforeSignature => {
                let sig = doc
                    .child(sec, ns::DS, "Signature")
                    .ok_or_else(|| Error::request("no signature"))?;
                doc.span(sig).start
            }
        }
    };
    if !xml.is_char_boundary(at) {
        return Err(Error::request("insertion point"));
    }
    xml.insert_str(at, item);
    Ok(())
}

/// A `wsse:UsernameToken` (UsernameToken Profile 1.1 §3.1).
fn username_token(
    username: &str,
    password: &SecretBytes,
    digest: bool,
    now_ms: i64,
) -> Result<Zeroizing<String>, Error> {
    let text = std::str::from_utf8(password.expose())
        .map_err(|_| Error::request("the password is not UTF-8 text"))?;
    let mut w = Writer::new();
    w.start(ns::WSSE, "UsernameToken")
        .attr(ns::WSU, "Id", &format!("UT-{}", hex(&random(8)?)));
    w.element_text(ns::WSSE, "Username", username);
    if digest {
        // Password_Digest = Base64(SHA-1(nonce + created + password)).
        let nonce = random(16)?;
        let created = wss::time::format(now_ms);
        let mut input = Zeroizing::new(Vec::with_capacity(nonce.len() + 32 + text.len()));
        input.extend_from_slice(&nonce);
        input.extend_from_slice(created.as_bytes());
        input.extend_from_slice(text.as_bytes());
        let d = crypto::digest(DigestAlgorithm::Sha1, &input);
        w.start(ns::WSSE, "Password")
            .attr("", "Type", wss::value_type::PASSWORD_DIGEST)
            .text(&xmlsec::base64_encode(&d))
            .end();
        w.start(ns::WSSE, "Nonce")
            .attr("", "EncodingType", wss::value_type::BASE64)
            .text(&xmlsec::base64_encode(&nonce))
            .end();
        w.element_text(ns::WSU, "Created", &created);
    } else {
        w.start(ns::WSSE, "Password")
            .attr("", "Type", wss::value_type::PASSWORD_TEXT)
            .text(text)
            .end();
    }
    w.end();
    Ok(Zeroizing::new(w.finish().map_err(Error::request)?))
}

fn body_xml(rst: &RequestSecurityToken) -> Result<Document, Error> {
    let xml = rst.to_xml().map_err(Error::request)?;
    Document::parse(xml.as_bytes()).map_err(Error::request)
}

/// The Issue request.
pub(crate) fn issue(
    cfg: &ClientConfig,
    to: &str,
    req: &IssueRequest,
    now_ms: i64,
) -> Result<Outgoing, Error> {
    let v = cfg.trust;
    let mut rst = RequestSecurityToken::new(v);
    let context = format!("uuid-{}", uuid()?);
    rst.context = Some(context.clone());
    rst.params.token_type = Some(req.token_type.token_type(v));
    rst.params.request_type = Some(RequestType::Issue);
    rst.params.applies_to = Some(AppliesTo::address(req.applies_to.as_str()));
    let mut entropy = None;
    if req.entropy {
        if req.key_type != KeyType::SymmetricKey {
            return Err(Error::request(
                "entropy makes sense only for a symmetric key (--key-type symmetric)",
            ));
        }
        let bytes = req
            .key_size
            .map_or(32, |b| (b as usize).div_ceil(8))
            .max(16);
        let e = crypto::random_secret(bytes)
            .map_err(|e| Error::request(format!("random generator: {e}")))?;
        rst.params.entropy = Some(Entropy::BinarySecret(BinarySecret::new(
            Some(BinarySecretType::Nonce),
            e.expose().to_vec(),
        )));
        rst.params.computed_key_algorithm = Some(ComputedKeyAlgorithm::PSha1);
        entropy = Some(e);
    }
    rst.params.key_type = Some(req.key_type.clone());
    rst.params.key_size = req.key_size;
    let action = Action::Request(Binding::Issue).uri(v);
    let body = body_xml(&rst)?;
    let message_id = format!("urn:uuid:{}", uuid()?);
    let headers = |w: &mut Writer| write_addressing(w, cfg.soap, action, &message_id, to);
    let write_body = |w: &mut Writer| {
        w.copy(&body, body.root());
    };
    let (xml, signature_value) = match &req.credentials {
        Credentials::UsernamePassword {
            username,
            password,
            digest,
        } => {
            let p = Protection::default();
            let s = wss::secure_envelope(cfg.soap, now_ms, &headers, &write_body, &p)
                .map_err(Error::request)?;
            let mut xml = s.xml;
            let ut = username_token(username, password, *digest, now_ms)?;
            insert_in_security(&mut xml, cfg.soap, &ut, Place::AfterTimestamp)?;
            (xml, None)
        }
        Credentials::X509 { cert, key } => {
            let p = Protection {
                signer: Some(Signer {
                    key: SigningKey::Rsa(key),
                    method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
                    digest: DigestAlgorithm::Sha256,
                    key_info: SignerKeyInfo::BinarySecurityToken(cert),
                }),
                signed_ids: ADDRESSING_IDS.iter().map(|s| (*s).to_owned()).collect(),
                ..Protection::default()
            };
            let s = wss::secure_envelope(cfg.soap, now_ms, &headers, &write_body, &p)
                .map_err(Error::request)?;
            (s.xml, s.signature_value)
        }
    };
    // Entropy sent in the clear needs a confidential channel as much as the key does; the
    // caller checks the scheme.
    Ok(Outgoing {
        xml: Zeroizing::new(xml),
        action,
        signature_value,
        entropy,
        context,
        message_id,
    })
}

/// The SecurityTokenReference naming `token` from outside a message carrying it: its
/// unattached reference, else a reference to the context identifier.
fn target_reference(token: &IssuedToken, sc: ScVersion) -> Result<Fragment, Error> {
    if let Some(r) = &token.unattached_reference {
        return Fragment::parse(r).map_err(Error::token);
    }
    let id = token
        .identifier
        .as_deref()
        .ok_or_else(|| Error::token("it has no identifier"))?;
    let mut w = Writer::new();
    wss::write_reference(&mut w, id, Some(sc.sct_token_type()));
    Fragment::parse(&w.finish().map_err(Error::token)?).map_err(Error::token)
}

/// A Renew, Cancel or Validate request for `token`, signed with a key derived from its proof
/// key (WS-SecureConversation 1.3 §7: a DerivedKeyToken whose STR names the context by its
/// `wsc:Identifier`; the signature covers Body, Timestamp and the addressing headers).
pub(crate) fn target(
    cfg: &ClientConfig,
    to: &str,
    token: &IssuedToken,
    binding: TargetBinding,
    now_ms: i64,
) -> Result<Outgoing, Error> {
    let v = cfg.trust;
    let sc = token.sc_version().ok_or_else(|| {
        Error::token(
            "only security context tokens can be renewed, cancelled or validated by this \
             client (the request is signed with the context's proof key)",
        )
    })?;
    let identifier = token
        .identifier
        .clone()
        .ok_or_else(|| Error::token("the security context token has no wsc:Identifier"))?;
    let proof = token.proof_key.as_ref().ok_or_else(|| {
        Error::token("the request must be signed with the token's proof key: give the key")
    })?;
    let mut rst = RequestSecurityToken::new(v);
    let context = format!("uuid-{}", uuid()?);
    rst.context = Some(context.clone());
    // A renewed instance is named through the token carried in the header (its attached
    // reference), which says the instance; otherwise by identifier.
    let in_header = token.instance.is_some() && token.attached_reference.is_some();
    let holder = TokenHolder::new(match (&token.attached_reference, in_header) {
        (Some(r), true) => Fragment::parse(r).map_err(Error::token)?,
        _ => target_reference(token, sc)?,
    });
    let action = match binding {
        TargetBinding::Renew => {
            rst.params.token_type = Some(TokenType::from_uri(sc.sct_token_type()));
            rst.params.request_type = Some(RequestType::Renew);
            rst.params.renew_target = Some(holder);
            Action::Request(Binding::SctRenew).uri(v)
        }
        TargetBinding::Cancel => {
            rst.params.request_type = Some(RequestType::Cancel);
            rst.params.cancel_target = Some(holder);
            Action::Request(Binding::SctCancel).uri(v)
        }
        TargetBinding::Validate => {
            rst.params.token_type = Some(TokenType::status(v));
            rst.params.request_type = Some(RequestType::Validate);
            rst.params.validate_target = Some(holder);
            Action::Request(Binding::Validate).uri(v)
        }
    };
    let body = body_xml(&rst)?;
    let message_id = format!("urn:uuid:{}", uuid()?);
    let headers = |w: &mut Writer| write_addressing(w, cfg.soap, action, &message_id, to);
    let write_body = |w: &mut Writer| {
        w.copy(&body, body.root());
    };

    // The DerivedKeyToken: P_SHA1(proof key, label + nonce), 32 bytes at offset 0.
    let dkt_id = format!("DK-{}", hex(&random(8)?));
    let (dkt, derived) =
        DerivedKeyToken::for_context(sc, &dkt_id, &identifier, proof.expose(), DERIVED_KEY_LEN)
            .map_err(Error::request)?;
    let dkt_xml = dkt.to_xml().map_err(Error::request)?;
    let dk_ref = format!("#{dkt_id}");
    let key_info = |w: &mut Writer| wss::write_reference(w, &dk_ref, Some(sc.dk_value_type()));
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Hmac(derived.expose()),
            method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::Custom(&key_info),
        }),
        signed_ids: ADDRESSING_IDS.iter().map(|s| (*s).to_owned()).collect(),
        ..Protection::default()
    };
    let s = wss::secure_envelope(cfg.soap, now_ms, &headers, &write_body, &p)
        .map_err(Error::request)?;
    let mut xml = s.xml;
    // A renewed context is one instance of its identifier: the token itself travels in the
    // header so the STS sees which instance (and key) the derived key comes from.
    if in_header {
        insert_in_security(
            &mut xml,
            cfg.soap,
            token.token_xml.trim(),
            Place::BeforeSignature,
        )?;
    }
    insert_in_security(&mut xml, cfg.soap, &dkt_xml, Place::BeforeSignature)?;
    Ok(Outgoing {
        xml: Zeroizing::new(xml),
        action,
        signature_value: s.signature_value,
        entropy: None,
        context,
        message_id,
    })
}
