//! Changing `wstrust.toml` without hand-editing (`wstrust users …`): the file is edited as a
//! document ([`toml_edit`]), so comments, order and formatting of everything else are kept;
//! the result is written next to the file, loaded exactly as `serve` would load it, and only
//! then renamed over the original (same permissions), so the file is never half-written and
//! never replaced by one that would not start. One editor at a time: a sidecar
//! `.wstrust.toml.lock` is created exclusively (as git does with `index.lock`) before the
//! file is read and removed after it is renamed; a second editor is refused while it exists.
//!
//! A running server picks the change up on `SIGHUP` (`systemctl reload wstrust`).

use std::fs::File;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use toml_edit::{value, ArrayOfTables, DocumentMut, Item, Table};

use super::error::ConfigError;

/// How a user's password is kept.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum PasswordKind {
    /// An Argon2id hash (`password_hash`).
    Argon2,
    /// The password itself in a file (`digest_password_file`, for PasswordDigest clients).
    DigestFile,
    /// Neither (the file would not load).
    Missing,
}

/// One `[[users]]` entry, as `users list` shows it (never the hash).
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct UserEntry {
    /// `name`.
    pub name: String,
    /// How the password is kept.
    pub password: PasswordKind,
    /// `locked`.
    pub locked: bool,
}

/// Why an edit was refused (the file is unchanged).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// Reading, locking, writing or validating the file failed.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The file is not TOML.
    #[error("`{path}`: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The edit does not fit the file (unknown user, duplicate, a shape it cannot edit).
    #[error("{0}")]
    Refused(String),
}

/// An open configuration file being edited (holding the editors' lock).
pub struct ConfigEdit {
    path: PathBuf,
    doc: DocumentMut,
    _lock: EditLock,
}

/// The sidecar lock file, removed on drop.
struct EditLock(PathBuf);

impl EditLock {
    fn take(path: &Path) -> Result<Self, EditError> {
        let lock = lock_path(path);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&lock)
        {
            Ok(_) => Ok(Self(lock)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(EditError::Refused(format!(
                    "{} exists: another edit is under way (or one was interrupted: then remove it)",
                    lock.display()
                )))
            }
            Err(e) => Err(ConfigError::io(lock, FIX)(e).into()),
        }
    }
}

impl Drop for EditLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl std::fmt::Debug for ConfigEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigEdit")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

const FIX: &str = "check that the configuration file and its directory are writable by this user";

/// The sidecar lock file of `path`.
fn lock_path(path: &Path) -> PathBuf {
    let name = path.file_name().map_or_else(
        || "wstrust.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    path.with_file_name(format!(".{name}.lock"))
}

/// A user name `users add` accepts: non-empty, at most 256 bytes, no control characters,
/// no leading or trailing white space (a UsernameToken's name is compared exactly).
fn check_name(name: &str) -> Result<(), EditError> {
    if name.is_empty()
        || name.len() > 256
        || name.chars().any(char::is_control)
        || name.trim() != name
    {
        return Err(EditError::Refused(
            "a user name is 1 to 256 bytes without control characters or surrounding spaces".into(),
        ));
    }
    Ok(())
}

impl ConfigEdit {
    /// Opens `path` for editing: takes the editors' lock, then reads and parses the file.
    /// The lock is released when the edit is saved or dropped.
    pub fn open(path: &Path) -> Result<Self, EditError> {
        let lock = EditLock::take(path)?;
        let text = std::fs::read_to_string(path).map_err(ConfigError::io(
            path,
            "give an existing file with `--config FILE`, or run `wstrust init DIR` to write one",
        ))?;
        let doc = text.parse::<DocumentMut>().map_err(|e| EditError::Syntax {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Self {
            path: path.to_owned(),
            doc,
            _lock: lock,
        })
    }

    /// The `[[users]]` tables (none when the file has no users).
    fn users_tables(&self) -> Result<Option<&ArrayOfTables>, EditError> {
        match self.doc.get("users") {
            None => Ok(None),
            Some(Item::ArrayOfTables(a)) => Ok(Some(a)),
            Some(_) => Err(EditError::Refused(
                "`users` is not written as [[users]] tables: edit it by hand".into(),
            )),
        }
    }

    fn users_tables_mut(&mut self) -> Result<&mut ArrayOfTables, EditError> {
        if self.doc.get("users").is_none() {
            self.doc
                .insert("users", Item::ArrayOfTables(ArrayOfTables::new()));
        }
        match self.doc.get_mut("users") {
            Some(Item::ArrayOfTables(a)) => Ok(a),
            _ => Err(EditError::Refused(
                "`users` is not written as [[users]] tables: edit it by hand".into(),
            )),
        }
    }

    /// The users, in file order.
    pub fn users(&self) -> Result<Vec<UserEntry>, EditError> {
        let Some(tables) = self.users_tables()? else {
            return Ok(Vec::new());
        };
        Ok(tables
            .iter()
            .map(|t| UserEntry {
                name: t
                    .get("name")
                    .and_then(Item::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                password: match (
                    t.contains_key("password_hash"),
                    t.contains_key("digest_password_file"),
                ) {
                    (true, _) => PasswordKind::Argon2,
                    (false, true) => PasswordKind::DigestFile,
                    (false, false) => PasswordKind::Missing,
                },
                locked: t.get("locked").and_then(Item::as_bool).unwrap_or(false),
            })
            .collect())
    }

    /// The Argon2id hash of some user (new hashes take its cost: the file requires one cost
    /// for every user, so that timing tells no user from another).
    pub fn any_password_hash(&self) -> Result<Option<String>, EditError> {
        Ok(self.users_tables()?.and_then(|a| {
            a.iter()
                .find_map(|t| t.get("password_hash").and_then(Item::as_str))
                .map(str::to_owned)
        }))
    }

    fn user_mut(&mut self, name: &str) -> Result<&mut Table, EditError> {
        self.users_tables_mut()?
            .iter_mut()
            .find(|t| t.get("name").and_then(Item::as_str) == Some(name))
            .ok_or_else(|| EditError::Refused(format!("no user {:?}", name.escape_debug())))
    }

    /// Adds user `name` with the Argon2id hash `phc`.
    pub fn add_user(&mut self, name: &str, phc: &str) -> Result<(), EditError> {
        check_name(name)?;
        if self.users()?.iter().any(|u| u.name == name) {
            return Err(EditError::Refused(format!(
                "user {:?} exists (change the password with `wstrust users passwd`)",
                name.escape_debug()
            )));
        }
        let mut t = Table::new();
        t.insert("name", value(name));
        t.insert("password_hash", value(phc));
        self.users_tables_mut()?.push(t);
        Ok(())
    }

    /// Replaces the password hash of `name`.
    pub fn set_password(&mut self, name: &str, phc: &str) -> Result<(), EditError> {
        let t = self.user_mut(name)?;
        if t.contains_key("digest_password_file") {
            return Err(EditError::Refused(
                "this user's password is kept in its digest_password_file: change that file".into(),
            ));
        }
        t.insert("password_hash", value(phc));
        Ok(())
    }

    /// Locks (`true`) or unlocks user `name`; a locked user authenticates no more (the
    /// fault is the one for a wrong password), its entry and hash stay.
    pub fn set_locked(&mut self, name: &str, locked: bool) -> Result<(), EditError> {
        let t = self.user_mut(name)?;
        if locked {
            t.insert("locked", value(true));
        } else {
            t.remove("locked");
        }
        Ok(())
    }

    /// Removes user `name`.
    pub fn remove_user(&mut self, name: &str) -> Result<(), EditError> {
        let tables = self.users_tables_mut()?;
        let before = tables.len();
        tables.retain(|t| t.get("name").and_then(Item::as_str) != Some(name));
        if tables.len() == before {
            return Err(EditError::Refused(format!(
                "no user {:?}",
                name.escape_debug()
            )));
        }
        Ok(())
    }

    /// The edited text.
    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// Writes the edited file: next to the original (its permissions), synced, loaded as
    /// `serve` loads it, then renamed over the original. When it would not load, nothing
    /// changes and the error says why.
    pub fn save(self) -> Result<(), EditError> {
        let meta = std::fs::metadata(&self.path).map_err(ConfigError::io(&self.path, FIX))?;
        let mode = meta.permissions().mode() & 0o7777;
        let (uid, gid) = (meta.uid(), meta.gid());
        let name = self.path.file_name().map_or_else(
            || "wstrust.toml".into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let tmp = self.path.with_file_name(format!(".{name}.edit"));
        let _ = std::fs::remove_file(&tmp);
        let written = (|| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&tmp)
                .map_err(ConfigError::io(&tmp, FIX))?;
            f.write_all(self.text().as_bytes())
                .map_err(ConfigError::io(&tmp, FIX))?;
            // The same mode (the umask does not apply) and the same owner and group (the
            // service reads the file through its group).
            f.set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(ConfigError::io(&tmp, FIX))?;
            let made = f.metadata().map_err(ConfigError::io(&tmp, FIX))?;
            if (made.uid(), made.gid()) != (uid, gid) {
                std::os::unix::fs::fchown(&f, Some(uid), Some(gid)).map_err(ConfigError::io(
                    &tmp,
                    "run as the file's owner or as root, so the new file keeps its owner and group",
                ))?;
            }
            f.sync_all().map_err(ConfigError::io(&tmp, FIX))?;
            drop(f);
            super::load(&tmp)?;
            std::fs::rename(&tmp, &self.path).map_err(ConfigError::io(&self.path, FIX))?;
            if let Some(dir) = self.path.parent().and_then(|d| File::open(d).ok()) {
                let _ = dir.sync_all();
            }
            Ok::<(), ConfigError>(())
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map_err(EditError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0123456789abcdef0123456789abcdef0123456789A";

    fn edit(text: &str) -> ConfigEdit {
        let dir = std::env::temp_dir().join(format!(
            "wstrust-edit-{}-{}",
            std::process::id(),
            crate::crypto::hex(&crate::crypto::random_bytes(4).unwrap())
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("wstrust.toml");
        std::fs::write(&path, text).unwrap();
        ConfigEdit::open(&path).unwrap()
    }

    #[test]
    fn edits_keep_comments_and_order() {
        let text = "# my STS\nissuer = \"urn:x\" # ours\n\n# the admin\n[[users]]\nname = \"admin\" # keep\npassword_hash = \"h\"\n";
        let mut e = edit(text);
        e.add_user("bob", PHC).unwrap();
        e.set_locked("admin", true).unwrap();
        let out = e.text();
        assert!(out.starts_with("# my STS\nissuer = \"urn:x\" # ours\n\n# the admin\n[[users]]\nname = \"admin\" # keep\n"), "{out}");
        assert!(out.contains("locked = true"), "{out}");
        assert!(
            out.ends_with(&format!(
                "[[users]]\nname = \"bob\"\npassword_hash = \"{PHC}\"\n"
            )),
            "{out}"
        );
        let users = e.users().unwrap();
        assert_eq!(users.len(), 2);
        assert!(users[0].locked && !users[1].locked);
        e.set_locked("admin", false).unwrap();
        assert!(!e.text().contains("locked"));
    }

    #[test]
    fn one_editor_at_a_time() {
        let first = edit("");
        assert!(matches!(
            ConfigEdit::open(&first.path),
            Err(EditError::Refused(_))
        ));
        let path = first.path.clone();
        drop(first);
        ConfigEdit::open(&path).unwrap();
    }

    #[test]
    fn refusals_name_the_problem() {
        let mut e = edit("[[users]]\nname = \"a\"\ndigest_password_file = \"pw\"\n");
        assert!(matches!(e.add_user("a", PHC), Err(EditError::Refused(_))));
        assert!(matches!(e.add_user(" b", PHC), Err(EditError::Refused(_))));
        assert!(matches!(
            e.add_user("b\n[x]", PHC),
            Err(EditError::Refused(_))
        ));
        assert!(matches!(e.add_user("", PHC), Err(EditError::Refused(_))));
        assert!(matches!(
            e.set_password("a", PHC),
            Err(EditError::Refused(_))
        ));
        assert!(matches!(
            e.set_locked("nobody", true),
            Err(EditError::Refused(_))
        ));
        assert!(matches!(
            e.remove_user("nobody"),
            Err(EditError::Refused(_))
        ));
        e.remove_user("a").unwrap();
        assert!(e.users().unwrap().is_empty());
        let inline = edit("users = [{ name = \"a\", password_hash = \"h\" }]\n");
        assert!(matches!(inline.users(), Err(EditError::Refused(_))));
    }

    #[test]
    fn an_edit_that_would_not_load_changes_nothing() {
        // Not a loadable configuration (no keys): the save is refused, the file unchanged.
        let text = "issuer = \"urn:x\"\n";
        let mut e = edit(text);
        let path = e.path.clone();
        e.add_user("bob", PHC).unwrap();
        assert!(matches!(e.save(), Err(EditError::Config(_))));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let dir = path.parent().unwrap();
        let names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|d| d.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.ends_with(".edit")), "{names:?}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
