//! `wstrust cancel`: cancel a security context token, signing with its proof key.

use super::request::{Connection, TokenFiles};

/// Arguments of `wstrust cancel`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Connection options.
    #[command(flatten)]
    pub connection: Connection,
    /// The token and its proof key.
    #[command(flatten)]
    pub token: TokenFiles,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let token = args.token.read()?;
    let client = args.connection.client()?;
    client.cancel(&token)?;
    println!("cancelled");
    Ok(())
}
