//! `wstrust inspect`: explain in plain text an RST/RSTR (bare or in a SOAP envelope), a bare
//! `xenc:EncryptedData`/`EncryptedKey`, a signed document, a MEX/WSDL document or federation
//! metadata.

use std::path::PathBuf;

use crate::client::inspect::{explain, InspectKeys};
use crate::crypto::RsaPrivateKey;

use super::request::{read_cert, read_key, read_text};

/// Arguments of `wstrust inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document (a SOAP envelope, a bare WS-Trust message, EncryptedData or EncryptedKey, a
    /// signed document, MEX/WSDL or federation metadata), or `-` for standard input.
    pub file: PathBuf,
    /// An RSA private key (PEM) to open EncryptedKeys addressed to it; may be repeated.
    #[arg(long, value_name = "KEY.pem")]
    pub key: Vec<PathBuf>,
    /// A certificate (PEM) signatures may refer to without carrying it; may be repeated.
    #[arg(long, value_name = "CERT.pem")]
    pub cert: Vec<PathBuf>,
    /// A symmetric key (hex or base64 file), e.g. a proof key, to check HMAC signatures.
    #[arg(long, value_name = "FILE")]
    pub secret: Option<PathBuf>,
    /// Print the keys opened (otherwise only their length and fingerprint).
    #[arg(long)]
    pub reveal: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let input = if args.file.as_os_str() == "-" {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v).map_err(|e| e.to_string())?;
        v
    } else {
        std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?
    };
    let mut keys = InspectKeys::default();
    for k in &args.key {
        keys.private_keys.push(
            RsaPrivateKey::from_pem(&read_text(k)?)
                .map_err(|e| format!("{}: not an RSA private key: {e}", k.display()))?,
        );
    }
    for c in &args.cert {
        keys.certificates.push(read_cert(c)?);
    }
    keys.secret = args.secret.as_deref().map(read_key).transpose()?;
    keys.reveal = args.reveal;
    let text = explain(&input, &keys).map_err(|e| e.to_string())?;
    print!("{text}");
    Ok(())
}
