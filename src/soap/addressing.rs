//! WS-Addressing headers (1.0 and the August 2004 submission) and replies built from them.
//!
//! Lenient where real clients are sloppy: unknown WS-A headers (adal's `wsa:messageID`) are
//! ignored unless marked `mustUnderstand`, and a header repeated with the *same* value (zeep's
//! plugin) is accepted; a header repeated with a different value is refused as ambiguous.

use super::{Envelope, Error};
use crate::xml::{ns, Name, NodeId, Writer};

/// The anonymous address of WS-Addressing 1.0.
pub const ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";
const ANONYMOUS_2004: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";

/// Which WS-Addressing namespace a message used.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum AddressingVersion {
    /// WS-Addressing 1.0 (`http://www.w3.org/2005/08/addressing`).
    #[default]
    V10,
    /// The 2004/08 member submission.
    V2004,
}

impl AddressingVersion {
    /// The namespace URI.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::V10 => ns::WSA,
            Self::V2004 => ns::WSA_2004,
        }
    }

    /// The anonymous address URI.
    pub fn anonymous(self) -> &'static str {
        match self {
            Self::V10 => ANONYMOUS,
            Self::V2004 => ANONYMOUS_2004,
        }
    }
}

/// The WS-Addressing headers of a request.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Addressing {
    /// The namespace used (or the default when none was present).
    pub version: AddressingVersion,
    /// True when any WS-Addressing header was present.
    pub present: bool,
    /// `wsa:Action`.
    pub action: Option<String>,
    /// `wsa:To`.
    pub to: Option<String>,
    /// `wsa:MessageID`.
    pub message_id: Option<String>,
    /// `wsa:ReplyTo/wsa:Address`.
    pub reply_to: Option<String>,
    /// `wsa:FaultTo/wsa:Address`.
    pub fault_to: Option<String>,
    /// `wsa:RelatesTo`.
    pub relates_to: Option<String>,
    /// The header elements that were read (so WS-Security policy can ask whether they were
    /// signed).
    pub nodes: Vec<NodeId>,
}

/// What a reply carries back: the action and the request's identifiers.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ReplyAddressing {
    /// Namespace to answer in.
    pub version: AddressingVersion,
    /// `wsa:Action` of the reply.
    pub action: String,
    /// `wsa:MessageID` of the reply.
    pub message_id: String,
    /// `wsa:RelatesTo`: the request's MessageID.
    pub relates_to: Option<String>,
    /// `wsa:To`: the request's ReplyTo, when not anonymous.
    pub to: Option<String>,
}

impl Addressing {
    /// Reads the WS-Addressing headers of an envelope.
    pub fn read(env: &Envelope<'_>) -> Result<Self, Error> {
        let doc = env.document();
        let mut a = Self::default();
        for block in env.header_blocks() {
            let name = doc.name(block.node);
            let version = match name.ns {
                ns::WSA => AddressingVersion::V10,
                ns::WSA_2004 => AddressingVersion::V2004,
                _ => continue,
            };
            let (slot, header): (&mut Option<String>, &'static str) = match name.local {
                "Action" => (&mut a.action, "Action"),
                "To" => (&mut a.to, "To"),
                "MessageID" => (&mut a.message_id, "MessageID"),
                "RelatesTo" => (&mut a.relates_to, "RelatesTo"),
                "ReplyTo" => (&mut a.reply_to, "ReplyTo"),
                "FaultTo" => (&mut a.fault_to, "FaultTo"),
                _ => continue,
            };
            let value = if matches!(header, "ReplyTo" | "FaultTo") {
                let addr = doc
                    .child(block.node, version.namespace(), "Address")
                    .ok_or(Error::InvalidAddressing { header })?;
                doc.text(addr).trim().to_owned()
            } else {
                doc.text(block.node).trim().to_owned()
            };
            match slot {
                Some(prev) if *prev != value => return Err(Error::InvalidAddressing { header }),
                Some(_) => {}
                None => *slot = Some(value),
            }
            if a.present && a.version != version {
                return Err(Error::InvalidAddressing { header });
            }
            a.present = true;
            a.version = version;
            a.nodes.push(block.node);
        }
        Ok(a)
    }

    /// The reply headers for a response with action `action` and a fresh `message_id`.
    pub fn reply(&self, action: &str, message_id: String) -> ReplyAddressing {
        let to = self
            .reply_to
            .clone()
            .filter(|r| r != ANONYMOUS && r != ANONYMOUS_2004);
        ReplyAddressing {
            version: self.version,
            action: action.to_owned(),
            message_id,
            relates_to: self.message_id.clone(),
            to,
        }
    }
}

impl ReplyAddressing {
    /// Writes the reply's WS-Addressing header blocks; each carries a `wsu:Id` so a response
    /// signature can cover it.
    pub fn write(&self, w: &mut Writer, id_prefix: &str) {
        let ns = self.version.namespace();
        w.start(ns, "Action")
            .attr(ns::WSU, "Id", &format!("{id_prefix}-action"))
            .text(&self.action)
            .end();
        w.start(ns, "MessageID")
            .attr(ns::WSU, "Id", &format!("{id_prefix}-msgid"))
            .text(&self.message_id)
            .end();
        if let Some(r) = &self.relates_to {
            w.start(ns, "RelatesTo")
                .attr(ns::WSU, "Id", &format!("{id_prefix}-relates"))
                .text(r)
                .end();
        }
        w.start(ns, "To")
            .attr(ns::WSU, "Id", &format!("{id_prefix}-to"))
            .text(
                self.to
                    .as_deref()
                    .unwrap_or_else(|| self.version.anonymous()),
            )
            .end();
    }
}

/// True for the WS-Addressing headers this layer processes (for `mustUnderstand`).
pub fn is_processed_header(name: Name<'_>) -> bool {
    (name.ns == ns::WSA || name.ns == ns::WSA_2004)
        && matches!(
            name.local,
            "Action" | "To" | "MessageID" | "RelatesTo" | "ReplyTo" | "FaultTo"
        )
}
