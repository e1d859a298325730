//! The token-sealing keys file: AES-256 keys with ids, one current, so tokens survive
//! restarts and every node given the same file opens every node's tokens.
//!
//! ```toml
//! current = 1234567
//! [[keys]]
//! id = 1234567
//! key = "<32 bytes, base64>"
//! ```
//!
//! To rotate: add a key with a new id, make it `current`, restart every node; remove an old
//! key only after the tokens it sealed have expired.

use std::path::Path;

use base64::Engine as _;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::error::ConfigError;
use super::fs::write_private;
use crate::crypto::{self, SecretBytes};
use crate::engine::sealed::TokenKeys;
use crate::keyx::MasterTokenKeys;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    current: u32,
    keys: Vec<KeyEntry>,
}

#[derive(Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    id: u32,
    key: String,
}

/// Writes a new keys file with one fresh key (mode 0600). Fails if `path` exists.
pub fn generate(path: &Path) -> Result<(), ConfigError> {
    generate_with(
        path,
        "token-sealing keys",
        "# AES-256 keys sealing the state of stateless tokens. Secret: keep it mode 0600.\n",
    )
}

/// Writes a new master token keys file (key exchange, `[keyx] keys`) with one fresh key
/// (mode 0600), in the same format. Fails if `path` exists.
pub fn generate_master(path: &Path) -> Result<(), ConfigError> {
    generate_with(
        path,
        "master token keys",
        "# Keys sealing and signing key exchange master tokens. Secret: keep it mode 0600.\n\
         # Services checking session MACs (keyx::verify_message_mac) need the same file.\n",
    )
}

fn generate_with(path: &Path, what: &'static str, heading: &str) -> Result<(), ConfigError> {
    let gen = |e: crypto::Error| ConfigError::Generate {
        what,
        message: e.to_string(),
    };
    let id_bytes = crypto::random_bytes(4).map_err(gen)?;
    let id = id_bytes
        .first_chunk::<4>()
        .map_or(1, |b| u32::from_be_bytes(*b) & 0x7fff_ffff);
    let key = crypto::random_secret(32).map_err(gen)?;
    let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(key.expose()));
    let text = Zeroizing::new(format!(
        "{heading}\
         # Give every node of one STS the same file. To rotate, add a key with a new id,\n\
         # make it `current`, restart the nodes; drop the old key once its tokens expired.\n\
         current = {id}\n\n[[keys]]\nid = {id}\nkey = \"{}\"\n",
        encoded.as_str()
    ));
    write_private(path, text.as_bytes())
}

/// Reads the keys file at `path`.
pub fn load(path: &Path) -> Result<TokenKeys, ConfigError> {
    let (keys, current, invalid) = read(path)?;
    TokenKeys::from_keys(keys, current).map_err(|e| invalid(&e.to_string()))
}

/// Reads a master token keys file (`[keyx] keys`) at `path`.
pub fn load_master(path: &Path) -> Result<MasterTokenKeys, ConfigError> {
    let (keys, current, invalid) = read(path)?;
    MasterTokenKeys::new(keys, current).map_err(|e| invalid(&e.to_string()))
}

type Invalid<'a> = Box<dyn Fn(&str) -> ConfigError + 'a>;
/// The keys of a file, its current id, and how to report a problem with them.
type Read<'a> = (Vec<(u32, SecretBytes)>, u32, Invalid<'a>);

fn read(path: &Path) -> Result<Read<'_>, ConfigError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(ConfigError::io(
        path,
        "point `token_keys` at the keys file, or delete the setting's file and run `wstrust init` to make one",
    ))?);
    let file: KeysFile = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let invalid: Invalid<'_> = Box::new(move |problem: &str| {
        ConfigError::invalid(
            path,
            "keys",
            problem,
            "each key is 32 bytes of base64 under a distinct id, and `current` names one of them",
        )
    });
    let mut keys = Vec::with_capacity(file.keys.len());
    for k in &file.keys {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(k.key.trim())
            .map_err(|_| invalid("a key is not base64"))?;
        keys.push((k.id, SecretBytes::new(bytes)));
    }
    Ok((keys, file.current, invalid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_file_loads_with_its_current_key() {
        let dir = std::env::temp_dir().join(format!("wstrust-tk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("token-keys.toml");
        let _ = std::fs::remove_file(&p);
        generate(&p).unwrap();
        let k = load(&p).unwrap();
        assert_eq!(k.key_ids(), vec![k.current_id()]);
        assert!(generate(&p).is_err(), "never overwrites");
        std::fs::write(&p, "current = 2\n[[keys]]\nid = 1\nkey = \"AAAA\"\n").unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("32 bytes"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
