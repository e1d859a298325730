//! `wstrust validate`: ask the STS whether a security context token is valid, signing with
//! its proof key. Exits non-zero when it is not.

use std::path::PathBuf;

use super::request::{read_token, Connection};

/// Arguments of `wstrust validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Connection options.
    #[command(flatten)]
    pub connection: Connection,
    /// The token (XML, as written by `request --out-token`).
    #[arg(long, value_name = "FILE")]
    pub token: PathBuf,
    /// Its proof key (hex or base64, as written by `request --out-key`).
    #[arg(long = "proof-key", visible_alias = "key", value_name = "FILE")]
    pub proof_key: PathBuf,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let token = read_token(&args.token, Some(&args.proof_key))?;
    let client = args.connection.client()?;
    let status = client.validate(&token).map_err(|e| e.to_string())?;
    if status.valid {
        println!("valid");
        Ok(())
    } else {
        Err(format!(
            "the STS says the token is not valid ({}){}",
            status.code,
            status.reason.map(|r| format!(": {r}")).unwrap_or_default()
        ))
    }
}
