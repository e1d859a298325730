//! Writing files into the data directory: private files are created with mode 0600 and
//! appear whole (written to a temporary name, synced, then renamed).

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use super::error::ConfigError;

/// Writes `data` to a new file `path` readable only by its owner. Fails if `path` exists.
pub(crate) fn write_private(path: &Path, data: &[u8]) -> Result<(), ConfigError> {
    write_new(path, data, 0o600)
}

/// Writes `data` to a new file `path` readable by everyone. Fails if `path` exists.
pub(crate) fn write_public(path: &Path, data: &[u8]) -> Result<(), ConfigError> {
    write_new(path, data, 0o644)
}

fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<(), ConfigError> {
    const FIX: &str = "check the data directory exists and is writable by this user";
    if path.exists() {
        return Err(ConfigError::Io {
            path: path.to_owned(),
            source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            fix: "remove it first if it should be replaced",
        });
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(ConfigError::io(&tmp, FIX))?;
    f.write_all(data).map_err(ConfigError::io(&tmp, FIX))?;
    f.sync_all().map_err(ConfigError::io(&tmp, FIX))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(ConfigError::io(path, FIX))
}

/// Creates `dir` (and parents) with mode 0700 when missing.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(ConfigError::io(
            dir,
            "choose a data directory this user can create (`--data-dir DIR`)",
        ))
}
