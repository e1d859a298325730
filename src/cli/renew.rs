//! `wstrust renew`: renew a security context token, signing with its proof key.

use super::request::{report, Connection, Output, TokenFiles};

/// Arguments of `wstrust renew`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Connection options.
    #[command(flatten)]
    pub connection: Connection,
    /// The token and its proof key.
    #[command(flatten)]
    pub token: TokenFiles,
    /// Output options (for the renewed token and key).
    #[command(flatten)]
    pub output: Output,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let token = args.token.read()?;
    let client = args.connection.client()?;
    let renewed = client.renew(&token)?;
    report(&renewed, &args.output)
}
