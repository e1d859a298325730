//! The XML wire form: `wsx:KeyRequestData`, `wsx:KeyResponseData` and `wsx:MasterToken` in
//! namespace `urn:wstrust:ext:2026` (`schemas/wstrust-ext.xsd`), read from a parsed
//! [`Document`] and written with a [`Writer`], so the engine can carry them inside an RST /
//! RSTR. Readers follow the schema strictly: the children in order, no others, `wsx:Scheme`
//! naming the scheme child that follows it; base64 may contain XML white space.
//!
//! Entity authentication and the renewal proof are not part of these elements: inside
//! WS-Trust they come from WS-Security (a signature with the certificate or the session HMAC
//! key), which the engine checks before calling [`super::server::Sts::renew_opened`].

use base64::Engine as _;

use crate::xml::ns::WSX;
use crate::xml::{Document, NodeId, NodeKind, Writer};

use super::error::{ErrorCode, KeyxError, Result};
use super::model::{KeyRequestData, KeyResponse, KeyResponseData, MasterToken, Mechanism, Scheme};

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn fail<T>(code: ErrorCode, detail: &'static str) -> Result<T> {
    Err(KeyxError::new(code, detail))
}

/// The element children of `node`, refusing non-white-space text between them.
fn children(doc: &Document, node: NodeId, code: ErrorCode) -> Result<Vec<NodeId>> {
    let mut out = Vec::new();
    for c in doc.children(node) {
        match doc.kind(c) {
            NodeKind::Element => out.push(c),
            NodeKind::Text(t) if !t.chars().all(|ch| matches!(ch, ' ' | '\t' | '\n' | '\r')) => {
                return fail(code, "unexpected text content");
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Checks that `nodes` are exactly `names` (in the wsx namespace), in order.
fn expect<'a>(
    doc: &Document,
    nodes: &'a [NodeId],
    names: &[&str],
    code: ErrorCode,
) -> Result<&'a [NodeId]> {
    if nodes.len() != names.len()
        || nodes
            .iter()
            .zip(names)
            .any(|(n, name)| !doc.is(*n, WSX, name))
    {
        return fail(code, "unexpected or missing element");
    }
    Ok(nodes)
}

fn text(doc: &Document, node: NodeId, code: ErrorCode) -> Result<String> {
    if doc.child_elements(node).next().is_some() {
        return fail(code, "element content where text was expected");
    }
    let t = doc.text(node);
    let trimmed = t.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    if trimmed.is_empty() {
        return fail(code, "empty value");
    }
    Ok(trimmed.to_owned())
}

fn binary(doc: &Document, node: NodeId, code: ErrorCode) -> Result<Vec<u8>> {
    let t = text(doc, node, code)?;
    let compact: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'))
        .collect();
    match b64().decode(compact) {
        Ok(b) if !b.is_empty() => Ok(b),
        _ => fail(code, "value is not base64"),
    }
}

/// Reads `wsx:Scheme` and the scheme child of a KeyRequestData / KeyResponseData element.
fn scheme_and_child(doc: &Document, node: NodeId, code: ErrorCode) -> Result<(Scheme, NodeId)> {
    let kids = children(doc, node, code)?;
    let (Some(&s), Some(&child), 2) = (kids.first(), kids.get(1), kids.len()) else {
        return fail(code, "expected wsx:Scheme and one key data element");
    };
    if !doc.is(s, WSX, "Scheme") {
        return fail(code, "wsx:Scheme missing");
    }
    // Only the two schema values; MSL's DIFFIE_HELLMAN is a JSON-only alias.
    let scheme = match text(doc, s, code)?.as_str() {
        "ASYMMETRIC_WRAPPED" => Scheme::AsymmetricWrapped,
        "DH" => Scheme::DiffieHellman,
        _ => return fail(ErrorCode::UnknownScheme, "unknown key exchange scheme"),
    };
    let expected = match scheme {
        Scheme::AsymmetricWrapped => "AsymmetricWrapped",
        Scheme::DiffieHellman => "DiffieHellman",
    };
    if !doc.is(child, WSX, expected) {
        return fail(code, "key data element does not match wsx:Scheme");
    }
    Ok((scheme, child))
}

/// Reads a `wsx:KeyRequestData` element.
pub fn read_key_request_data(doc: &Document, node: NodeId) -> Result<KeyRequestData> {
    let code = ErrorCode::MalformedRequest;
    if !doc.is(node, WSX, "KeyRequestData") {
        return fail(code, "not a wsx:KeyRequestData element");
    }
    let (scheme, kd) = scheme_and_child(doc, node, code)?;
    let kids = children(doc, kd, code)?;
    Ok(match scheme {
        Scheme::AsymmetricWrapped => {
            let k = expect(doc, &kids, &["KeyPairId", "Mechanism", "PublicKey"], code)?;
            KeyRequestData::AsymmetricWrapped {
                key_pair_id: text(doc, k[0], code)?,
                mechanism: Mechanism::parse(&text(doc, k[1], code)?)?,
                public_key: binary(doc, k[2], code)?,
            }
        }
        Scheme::DiffieHellman => {
            let k = expect(doc, &kids, &["ParametersId", "PublicKey"], code)?;
            KeyRequestData::DiffieHellman {
                parameters_id: text(doc, k[0], code)?,
                public_key: binary(doc, k[1], code)?,
            }
        }
    })
}

/// Reads a `wsx:KeyResponseData` element.
pub fn read_key_response_data(doc: &Document, node: NodeId) -> Result<KeyResponseData> {
    let code = ErrorCode::MalformedResponse;
    if !doc.is(node, WSX, "KeyResponseData") {
        return fail(code, "not a wsx:KeyResponseData element");
    }
    let (scheme, kd) = scheme_and_child(doc, node, code)?;
    let kids = children(doc, kd, code)?;
    Ok(match scheme {
        Scheme::AsymmetricWrapped => {
            let k = expect(doc, &kids, &["KeyPairId", "EncryptionKey", "HmacKey"], code)?;
            KeyResponseData::AsymmetricWrapped {
                key_pair_id: text(doc, k[0], code)?,
                encryption_key: binary(doc, k[1], code)?,
                hmac_key: binary(doc, k[2], code)?,
            }
        }
        Scheme::DiffieHellman => {
            let k = expect(doc, &kids, &["ParametersId", "PublicKey"], code)?;
            KeyResponseData::DiffieHellman {
                parameters_id: text(doc, k[0], code)?,
                public_key: binary(doc, k[1], code)?,
            }
        }
    })
}

/// Reads a `wsx:MasterToken` element.
pub fn read_master_token(doc: &Document, node: NodeId) -> Result<MasterToken> {
    let code = ErrorCode::MasterTokenMalformed;
    if !doc.is(node, WSX, "MasterToken") {
        return fail(code, "not a wsx:MasterToken element");
    }
    let kids = children(doc, node, code)?;
    let k = expect(doc, &kids, &["TokenData", "Signature"], code)?;
    Ok(MasterToken {
        token_data: binary(doc, k[0], code)?,
        signature: binary(doc, k[1], code)?,
    })
}

/// Reads the `wsx:KeyResponseData` and `wsx:MasterToken` children of `parent` (an RSTR),
/// each exactly once.
pub fn read_key_response(doc: &Document, parent: NodeId) -> Result<KeyResponse> {
    let one = |local: &str, code| {
        let mut it = doc.children_named(parent, WSX, local);
        match (it.next(), it.next()) {
            (Some(n), None) => Ok(n),
            _ => fail(code, "expected exactly one element"),
        }
    };
    let data = read_key_response_data(doc, one("KeyResponseData", ErrorCode::MalformedResponse)?)?;
    let master_token =
        read_master_token(doc, one("MasterToken", ErrorCode::MasterTokenMalformed)?)?;
    Ok(KeyResponse { master_token, data })
}

fn write_b64(w: &mut Writer, local: &str, bytes: &[u8]) {
    w.element_text(WSX, local, &b64().encode(bytes));
}

/// Writes a `wsx:KeyRequestData` element.
pub fn write_key_request_data(w: &mut Writer, data: &KeyRequestData) {
    w.start(WSX, "KeyRequestData");
    w.element_text(WSX, "Scheme", data.scheme().as_str());
    match data {
        KeyRequestData::AsymmetricWrapped {
            key_pair_id,
            mechanism,
            public_key,
        } => {
            w.start(WSX, "AsymmetricWrapped");
            w.element_text(WSX, "KeyPairId", key_pair_id);
            w.element_text(WSX, "Mechanism", mechanism.as_str());
            write_b64(w, "PublicKey", public_key);
        }
        KeyRequestData::DiffieHellman {
            parameters_id,
            public_key,
        } => {
            w.start(WSX, "DiffieHellman");
            w.element_text(WSX, "ParametersId", parameters_id);
            write_b64(w, "PublicKey", public_key);
        }
    }
    w.end().end();
}

/// Writes a `wsx:KeyResponseData` element.
pub fn write_key_response_data(w: &mut Writer, data: &KeyResponseData) {
    w.start(WSX, "KeyResponseData");
    w.element_text(WSX, "Scheme", data.scheme().as_str());
    match data {
        KeyResponseData::AsymmetricWrapped {
            key_pair_id,
            encryption_key,
            hmac_key,
        } => {
            w.start(WSX, "AsymmetricWrapped");
            w.element_text(WSX, "KeyPairId", key_pair_id);
            write_b64(w, "EncryptionKey", encryption_key);
            write_b64(w, "HmacKey", hmac_key);
        }
        KeyResponseData::DiffieHellman {
            parameters_id,
            public_key,
        } => {
            w.start(WSX, "DiffieHellman");
            w.element_text(WSX, "ParametersId", parameters_id);
            write_b64(w, "PublicKey", public_key);
        }
    }
    w.end().end();
}

/// Writes a `wsx:MasterToken` element, with an unqualified `Id` attribute when `id` is given.
pub fn write_master_token(w: &mut Writer, token: &MasterToken, id: Option<&str>) {
    w.start(WSX, "MasterToken");
    if let Some(id) = id {
        w.attr("", "Id", id);
    }
    write_b64(w, "TokenData", &token.token_data);
    write_b64(w, "Signature", &token.signature);
    w.end();
}

/// Writes a key response as the two sibling elements `wsx:KeyResponseData` and
/// `wsx:MasterToken` (for the body of an RSTR).
pub fn write_key_response(w: &mut Writer, response: &KeyResponse, token_id: Option<&str>) {
    write_key_response_data(w, &response.data);
    write_master_token(w, &response.master_token, token_id);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(inner: impl FnOnce(&mut Writer)) -> Document {
        let mut w = Writer::new();
        w.start(WSX, "Envelope");
        inner(&mut w);
        w.end();
        Document::parse(w.finish().unwrap().as_bytes()).unwrap()
    }

    #[test]
    fn round_trips() {
        let reqs = [
            KeyRequestData::AsymmetricWrapped {
                key_pair_id: "kp <&> 1".into(),
                mechanism: Mechanism::Ecc,
                public_key: vec![0; 70],
            },
            KeyRequestData::DiffieHellman {
                parameters_id: "ffdhe2048".into(),
                public_key: vec![0, 200, 3],
            },
        ];
        for r in reqs {
            let doc = wrap(|w| write_key_request_data(w, &r));
            let node = doc.child_elements(doc.root()).next().unwrap();
            assert_eq!(read_key_request_data(&doc, node).unwrap(), r);
        }
        let resp = KeyResponse {
            master_token: MasterToken {
                token_data: b"{\"a\":1}".to_vec(),
                signature: vec![1; 32],
            },
            data: KeyResponseData::AsymmetricWrapped {
                key_pair_id: "kp".into(),
                encryption_key: vec![3; 256],
                hmac_key: vec![4; 256],
            },
        };
        let doc = wrap(|w| write_key_response(w, &resp, Some("mt-1")));
        assert_eq!(read_key_response(&doc, doc.root()).unwrap(), resp);
        let mt = doc
            .children_named(doc.root(), WSX, "MasterToken")
            .next()
            .unwrap();
        assert_eq!(doc.attribute(mt, "", "Id"), Some("mt-1"));
    }

    #[test]
    fn strict_reading() {
        let w = |body: &str| {
            format!(
                r#"<wsx:KeyRequestData xmlns:wsx="urn:wstrust:ext:2026">{body}</wsx:KeyRequestData>"#
            )
        };
        let cases = [
            (w("<wsx:Scheme>DH</wsx:Scheme><wsx:AsymmetricWrapped/>"), ErrorCode::MalformedRequest),
            (w("<wsx:Scheme>XX</wsx:Scheme><wsx:DiffieHellman/>"), ErrorCode::UnknownScheme),
            (w("<wsx:DiffieHellman/>"), ErrorCode::MalformedRequest),
            (
                w("<wsx:Scheme>DH</wsx:Scheme><wsx:DiffieHellman><wsx:PublicKey>AA==</wsx:PublicKey><wsx:ParametersId>X25519</wsx:ParametersId></wsx:DiffieHellman>"),
                ErrorCode::MalformedRequest,
            ),
            (
                w("<wsx:Scheme>DH</wsx:Scheme><wsx:DiffieHellman><wsx:ParametersId>X25519</wsx:ParametersId><wsx:PublicKey>A*A=</wsx:PublicKey></wsx:DiffieHellman>"),
                ErrorCode::MalformedRequest,
            ),
            (
                w("<wsx:Scheme>DH</wsx:Scheme>junk<wsx:DiffieHellman><wsx:ParametersId>X25519</wsx:ParametersId><wsx:PublicKey>AA==</wsx:PublicKey></wsx:DiffieHellman>"),
                ErrorCode::MalformedRequest,
            ),
            (
                w("<wsx:Scheme>ASYMMETRIC_WRAPPED</wsx:Scheme><wsx:AsymmetricWrapped><wsx:KeyPairId>k</wsx:KeyPairId><wsx:Mechanism>DSA</wsx:Mechanism><wsx:PublicKey>AA==</wsx:PublicKey></wsx:AsymmetricWrapped>"),
                ErrorCode::UnsupportedMechanism,
            ),
        ];
        for (xml, code) in cases {
            let doc = Document::parse(xml.as_bytes()).unwrap();
            assert_eq!(
                read_key_request_data(&doc, doc.root()).unwrap_err().code,
                code,
                "{xml}"
            );
        }
        // Base64 with white space inside, as xs:base64Binary allows.
        let ok = w("<wsx:Scheme>DH</wsx:Scheme>\n <wsx:DiffieHellman><wsx:ParametersId> X25519 </wsx:ParametersId><wsx:PublicKey>\n AAEC\n AwQ= </wsx:PublicKey></wsx:DiffieHellman>");
        let doc = Document::parse(ok.as_bytes()).unwrap();
        assert_eq!(
            read_key_request_data(&doc, doc.root()).unwrap(),
            KeyRequestData::DiffieHellman {
                parameters_id: "X25519".into(),
                public_key: vec![0, 1, 2, 3, 4]
            }
        );
        let mt = r#"<wsx:MasterToken xmlns:wsx="urn:wstrust:ext:2026"><wsx:TokenData>AA==</wsx:TokenData></wsx:MasterToken>"#;
        let doc = Document::parse(mt.as_bytes()).unwrap();
        assert_eq!(
            read_master_token(&doc, doc.root()).unwrap_err().code,
            ErrorCode::MasterTokenMalformed
        );
    }
}
