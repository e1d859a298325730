//! `wstrust validate`: ask the STS whether a security context token is valid, signing with
//! its proof key. Exits non-zero when it is not.

use super::request::{Connection, TokenFiles};

/// Arguments of `wstrust validate`.
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
    let status = client.validate(&token)?;
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
