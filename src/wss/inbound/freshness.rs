//! Freshness evidence in the security header: `wsu:Timestamp` and the `wsse:UsernameToken`
//! (its `Created` checked against the same window).

use crate::xml::{ns, NodeId};
use crate::xmlsec::base64_decode;

use super::{path_of, time, vt, Error, State, UsernameTokenInfo};
use crate::crypto::SecretBytes;

impl State<'_> {
    pub(super) fn check_created(
        &self,
        created: i64,
        what_future: &'static str,
        what_old: &'static str,
    ) -> Result<(), Error> {
        let skew = self.cfg.clock_skew_secs * 1000;
        if created > self.now + skew {
            return Err(Error::Timestamp { what: what_future });
        }
        if self.now - created > self.cfg.max_age_secs * 1000 + skew {
            return Err(Error::Timestamp { what: what_old });
        }
        Ok(())
    }

    pub(super) fn timestamp(&mut self, item: NodeId) -> Result<(), Error> {
        let doc = self.doc();
        let created = doc
            .child(item, ns::WSU, "Created")
            .and_then(|c| time::parse(&doc.text(c)))
            .ok_or(Error::Timestamp {
                what: "missing or bad Created",
            })?;
        let expires = match doc.child(item, ns::WSU, "Expires") {
            None => None,
            Some(e) => Some(time::parse(&doc.text(e)).ok_or(Error::Timestamp {
                what: "bad Expires",
            })?),
        };
        self.check_created(created, "created in the future", "too old")?;
        if let Some(e) = expires {
            if e < created {
                return Err(Error::Timestamp {
                    what: "expires before created",
                });
            }
            if e + self.cfg.clock_skew_secs * 1000 < self.now {
                return Err(Error::Timestamp { what: "expired" });
            }
        }
        // BSP R3227 allows one Timestamp; node-soap with WSSecurity + WSSecurityCert sends two
        // with equal values. A repeat is tolerated only when it says exactly the same.
        if let Some(first) = self.out.timestamp {
            if first != (created, expires) {
                return Err(Error::Timestamp {
                    what: "two timestamps that disagree",
                });
            }
            return Ok(());
        }
        self.out.timestamp = Some((created, expires));
        self.out.timestamp_path = Some(path_of(self.doc(), item));
        Ok(())
    }

    pub(super) fn username_token(&mut self, item: NodeId) -> Result<(), Error> {
        if self.out.username_token.is_some() {
            return Err(Error::Malformed {
                what: "two username tokens",
            });
        }
        let doc = self.doc();
        let username = doc
            .child(item, ns::WSSE, "Username")
            .map(|u| doc.text(u).trim().to_owned())
            .filter(|u| !u.is_empty())
            .ok_or(Error::Malformed { what: "Username" })?;
        let pw = doc.child(item, ns::WSSE, "Password");
        let digest = match pw.and_then(|p| doc.attribute(p, "", "Type")).map(str::trim) {
            None | Some(vt::PASSWORD_TEXT) => false,
            Some(vt::PASSWORD_DIGEST) => true,
            Some(_) => {
                return Err(Error::UnsupportedToken {
                    what: "password type",
                })
            }
        };
        let password = pw.map(|p| SecretBytes::new(doc.text(p).as_bytes().to_vec()));
        let nonce = match doc.child(item, ns::WSSE, "Nonce") {
            None => None,
            Some(n) => Some(base64_decode(&doc.text(n)).ok_or(Error::Malformed { what: "Nonce" })?),
        };
        let created = doc
            .child(item, ns::WSU, "Created")
            .map(|c| doc.text(c).trim().to_owned());
        if digest && (nonce.is_none() || created.is_none()) {
            return Err(Error::Malformed {
                what: "password digest without nonce and created",
            });
        }
        if let Some(c) = &created {
            let t = time::parse(c).ok_or(Error::Malformed { what: "Created" })?;
            self.check_created(
                t,
                "username token created in the future",
                "username token too old",
            )?;
        }
        self.out.username_token = Some(UsernameTokenInfo {
            username,
            password,
            digest,
            nonce,
            created,
        });
        self.out.username_token_path = Some(path_of(self.doc(), item));
        Ok(())
    }
}
