//! The `--config FILE` / `--data-dir DIR` pair of the commands that work on a
//! configuration file (`users`, `realms`, `keys`).

use std::path::PathBuf;

use crate::config::datadir;

/// Which configuration file a command works on.
#[derive(Debug, clap::Args)]
pub struct ConfigPath {
    /// The configuration file. Default: `DATA_DIR/wstrust.toml`.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// The data directory whose `wstrust.toml` is meant (as for `serve`).
    #[arg(long, value_name = "DIR", default_value = datadir::DEFAULT_DATA_DIR, global = true)]
    pub data_dir: PathBuf,
}

impl ConfigPath {
    /// The file: `--config`, else the data directory's `wstrust.toml`.
    pub fn path(&self) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| self.data_dir.join(datadir::CONFIG_FILE))
    }
}
