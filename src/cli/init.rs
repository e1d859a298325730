//! `wstrust init [DIR]`: writes the zero-config data directory without serving.

use std::path::PathBuf;

use crate::config::datadir::{self, InitReport};

/// Arguments of `wstrust init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The data directory. Default: `./wstrust-data`.
    #[arg(default_value = datadir::DEFAULT_DATA_DIR)]
    pub dir: PathBuf,
    /// The listen address written into a new configuration file.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Write a new configuration file here instead of `DIR/wstrust.toml`, naming the files
    /// of DIR (then an absolute path) by absolute paths (e.g. `/etc/wstrust/wstrust.toml`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let report =
        datadir::init_with_config(&args.dir, &args.listen.to_string(), args.config.as_deref())
            .map_err(|e| e.to_string())?;
    print_report(&report);
    match &args.config {
        Some(c) => println!("start it with: wstrust serve --config {}", c.display()),
        None => println!(
            "start it with: wstrust serve --data-dir {}",
            args.dir.display()
        ),
    }
    Ok(())
}

/// Prints what was created and where the configuration and credentials are.
pub(crate) fn print_report(report: &InitReport) {
    if report.created.is_empty() {
        println!(
            "data directory {}: complete, nothing created",
            report.dir.display()
        );
    } else {
        println!("data directory {}: created", report.dir.display());
        for f in &report.created {
            println!("  {}", f.display());
        }
    }
    println!("configuration: {}", report.config.display());
    if let Some(c) = &report.credentials {
        println!("demo credentials: {}", c.display());
    }
}
