//! One request's lookup, from the path as sent to what to answer: the path mapping,
//! directories, the precompressed sibling to send, and html mode's page for misses. It
//! runs against a [`Probe`], so the same steps run on the async thread (Linux, when the
//! kernel's caches answer) or on the blocking pool.

use std::io;

use super::directory::{self, Target};
use super::encoding::{Accepted, Coding};
use super::lookup::{Entry, Probe};
use super::not_found;
use super::path;

/// What the lookup depends on, besides the filesystem.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub(crate) index: Option<String>,
    pub(crate) html: bool,
    pub(crate) hidden: bool,
}

/// A file to send: the resource's path under the root, and the coding of the sibling
/// that stores it (`None`: the file itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chosen {
    pub(crate) relative: String,
    pub(crate) coding: Option<Coding>,
}

impl Chosen {
    /// The path of the file actually read.
    pub(crate) fn stored(&self) -> String {
        match self.coding {
            Some(coding) => format!("{}.{}", self.relative, coding.extension()),
            None => self.relative.clone(),
        }
    }
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    File(Chosen),
    /// A directory asked for without its trailing slash.
    AddSlash,
    /// Nothing here; in html mode, the 404 page to send (when present).
    NotFound(Option<Chosen>),
    /// The file exists, but neither it nor a sibling is in a coding the client accepts.
    NotAcceptable,
}

/// Looks `raw` (the path below the mount point, as sent) up.
pub(crate) fn resolve(
    probe: &mut impl Probe,
    rules: &Rules,
    raw: &str,
    accepted: &Accepted,
) -> io::Result<Outcome> {
    let target = match path::map(raw, rules.hidden) {
        Ok(mapped) => directory::target(probe, &mapped, rules.index.as_deref())?,
        Err(refusal) => {
            tracing::debug!(path = raw, reason = refusal.reason(), "static file refused");
            Target::Missing
        }
    };
    match target {
        Target::File(relative) => Ok(match choose(probe, relative, accepted)? {
            Some(chosen) => Outcome::File(chosen),
            None => Outcome::NotAcceptable,
        }),
        Target::AddSlash => Ok(Outcome::AddSlash),
        Target::Missing => {
            tracing::debug!(path = raw, "static file not found");
            if rules.html && not_found::page_exists(probe)? {
                let page = choose(probe, not_found::PAGE.to_owned(), accepted)?;
                Ok(Outcome::NotFound(page))
            } else {
                Ok(Outcome::NotFound(None))
            }
        }
    }
}

/// The first sibling of `relative` in a coding the client accepts, else the file itself
/// when identity is acceptable, else `None`.
fn choose(
    probe: &mut impl Probe,
    relative: String,
    accepted: &Accepted,
) -> io::Result<Option<Chosen>> {
    for &coding in &accepted.candidates {
        let sibling = format!("{relative}.{}", coding.extension());
        if probe.entry(&sibling)? == Entry::File {
            return Ok(Some(Chosen {
                relative,
                coding: Some(coding),
            }));
        }
    }
    Ok(accepted.identity.then_some(Chosen {
        relative,
        coding: None,
    }))
}
