//! What can go wrong talking to an STS, each with what to do about it.

use std::fmt;

/// A SOAP fault returned by the STS, with a hint saying what to fix.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StsFault {
    /// The specific fault code as `prefix:local` when it is a WS-Trust or WS-Security code
    /// (`wst:FailedAuthentication`, `wsse:InvalidSecurity`), else the SOAP class (`s:Sender`).
    pub code: String,
    /// The namespace URI of [`Self::code`].
    pub code_namespace: String,
    /// The fault's reason text as the STS wrote it (control characters removed, at most
    /// 200 characters).
    pub reason: String,
    /// What to check or change (our text, from the code).
    pub hint: String,
}

impl StsFault {
    /// The local name of the fault code (`FailedAuthentication`).
    pub fn local_code(&self) -> &str {
        self.code.rsplit(':').next().unwrap_or(&self.code)
    }
}

impl fmt::Display for StsFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.hint, self.code)?;
        if !self.reason.is_empty() {
            write!(f, "; the STS said: \"{}\"", self.reason)?;
        }
        Ok(())
    }
}

/// Errors of the client.
///
/// Display texts say what failed and what to check; they never contain passwords or keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The STS URL cannot be used.
    #[error("the STS url `{url}` cannot be used: {what}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why.
        what: &'static str,
    },
    /// A TLS setting cannot be used.
    #[error("tls: {what}")]
    TlsConfig {
        /// Why.
        what: String,
    },
    /// The STS could not be reached (after the configured retries).
    #[error("cannot reach the STS at {url}: {reason}; check the url and that the STS is running")]
    Connect {
        /// The URL.
        url: String,
        /// The transport error.
        reason: String,
    },
    /// The STS did not answer in time.
    #[error("the STS at {url} did not answer within {secs} s; check that it is running, or raise the timeout")]
    Timeout {
        /// The URL.
        url: String,
        /// The timeout in seconds.
        secs: u64,
    },
    /// The STS answered with an HTTP status and no SOAP message.
    #[error("the STS answered HTTP {status} without a SOAP message{hint}")]
    Http {
        /// The status code.
        status: u16,
        /// What it likely means (with a leading separator, or empty).
        hint: &'static str,
    },
    /// The STS answered with a SOAP fault.
    #[error("the STS refused the request: {0}")]
    Fault(StsFault),
    /// The response did not pass our security checks (STS signature, SignatureConfirmation).
    #[error("the response cannot be trusted: {what}{hint}")]
    Verification {
        /// What failed.
        what: String,
        /// What to check (with a leading separator, or empty).
        hint: &'static str,
    },
    /// The response is not what WS-Trust prescribes.
    #[error("the STS response is malformed: {what}")]
    Response {
        /// What is wrong.
        what: String,
    },
    /// The proof key cannot be recovered from the response.
    #[error("cannot recover the proof key: {what}")]
    ProofKey {
        /// Why.
        what: String,
    },
    /// The request cannot be built from what was given.
    #[error("cannot build the request: {what}")]
    Request {
        /// Why.
        what: String,
    },
    /// A document cannot be inspected.
    #[error("cannot inspect the document: {what}")]
    Inspect {
        /// Why.
        what: String,
    },
    /// The key exchange was refused: by the STS (`status` is its HTTP status) or by our
    /// checks of its answer (`status` is `None`). `code` is the stable error code
    /// (`ENTITYAUTH_FAILED`, `KEYX_DISABLED`, ...; see `keyx::ErrorCode`).
    #[error("key exchange refused ({code}): {message}")]
    KeyExchange {
        /// The stable error code.
        code: String,
        /// The STS's message (control characters removed, at most 200 characters), or ours.
        message: String,
        /// The HTTP status of the refusal, when the STS refused.
        status: Option<u16>,
    },
    /// A token (file) cannot be used for renew, cancel or validate.
    #[error("the token cannot be used: {what}")]
    Token {
        /// Why.
        what: String,
    },
}

impl Error {
    /// The STS fault, when the error is one.
    pub fn fault(&self) -> Option<&StsFault> {
        match self {
            Self::Fault(f) => Some(f),
            _ => None,
        }
    }

    /// The stable key exchange error code, when the error is a refused key exchange.
    pub fn keyx_code(&self) -> Option<&str> {
        match self {
            Self::KeyExchange { code, .. } => Some(code),
            _ => None,
        }
    }

    pub(crate) fn request(what: impl fmt::Display) -> Self {
        Self::Request {
            what: what.to_string(),
        }
    }

    pub(crate) fn response(what: impl fmt::Display) -> Self {
        Self::Response {
            what: what.to_string(),
        }
    }

    pub(crate) fn proof(what: impl fmt::Display) -> Self {
        Self::ProofKey {
            what: what.to_string(),
        }
    }

    pub(crate) fn token(what: impl fmt::Display) -> Self {
        Self::Token {
            what: what.to_string(),
        }
    }
}
