//! SOAP versions.

use std::fmt;

use crate::xml::ns;

/// The SOAP version of a message.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum SoapVersion {
    /// SOAP 1.1 (`text/xml`, `SOAPAction` header).
    V11,
    /// SOAP 1.2 (`application/soap+xml`, optional `action` parameter).
    V12,
}

impl SoapVersion {
    /// The envelope namespace.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::V11 => ns::SOAP11,
            Self::V12 => ns::SOAP12,
        }
    }

    /// The version whose envelope namespace is `uri`.
    pub fn from_namespace(uri: &str) -> Option<Self> {
        match uri {
            ns::SOAP11 => Some(Self::V11),
            ns::SOAP12 => Some(Self::V12),
            _ => None,
        }
    }

    /// The media type of this version (without parameters).
    pub fn media_type(self) -> &'static str {
        match self {
            Self::V11 => "text/xml",
            Self::V12 => "application/soap+xml",
        }
    }

    /// The `Content-Type` of a response.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::V11 => "text/xml; charset=utf-8",
            Self::V12 => "application/soap+xml; charset=utf-8",
        }
    }

    /// The version a `Content-Type` header announces, if any.
    pub fn from_content_type(value: &str) -> Option<Self> {
        let media = value.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("application/soap+xml") {
            Some(Self::V12)
        } else if media.eq_ignore_ascii_case("text/xml") {
            Some(Self::V11)
        } else {
            None
        }
    }

    /// The `action` parameter of a SOAP 1.2 content type (RFC 3902), unquoted.
    pub fn action_parameter(content_type: &str) -> Option<String> {
        content_type.split(';').skip(1).find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("action")
                .then(|| v.trim().trim_matches('"').to_owned())
        })
    }

    /// The value SOAP uses for `mustUnderstand="true"` in this version.
    pub fn must_understand_true(self) -> &'static str {
        match self {
            Self::V11 => "1",
            Self::V12 => "true",
        }
    }
}

impl fmt::Display for SoapVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V11 => "1.1",
            Self::V12 => "1.2",
        })
    }
}
