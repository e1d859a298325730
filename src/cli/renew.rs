//! `wstrust renew`: renew a security context token, signing with its proof key.

use std::path::PathBuf;

use super::request::{read_token, report, Connection, Output};

/// Arguments of `wstrust renew`.
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
    /// Output options (for the renewed token and key).
    #[command(flatten)]
    pub output: Output,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let token = read_token(&args.token, Some(&args.proof_key))?;
    let client = args.connection.client()?;
    let renewed = client.renew(&token).map_err(|e| e.to_string())?;
    report(&renewed, &args.output)
}
