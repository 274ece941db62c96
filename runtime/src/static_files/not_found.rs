//! Html mode's page for misses: `404.html` at the root, served with status 404 (as
//! Starlette's `StaticFiles(html=True)` does), for every path the mount does not serve,
//! refused ones included, so a refusal looks exactly like a miss.

use std::io;

use super::lookup::{Entry, Probe};

/// The page served for misses in html mode.
pub(crate) const PAGE: &str = "404.html";

/// Whether the root holds the page.
pub(crate) fn page_exists(probe: &mut impl Probe) -> io::Result<bool> {
    Ok(probe.entry(PAGE)? == Entry::File)
}
