//! Directories: the index file served for a directory, and the redirect that adds the
//! trailing slash (so relative links in the index resolve under the directory).

use std::io;

use super::lookup::{Entry, Probe};
use super::path::Mapped;

/// What a mapped request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The file to serve (a path under the root).
    File(String),
    /// A directory with an index, asked for without the trailing slash.
    AddSlash,
    /// Nothing to serve: missing, a directory without an index, a file asked for with a
    /// trailing slash.
    Missing,
}

/// Resolves `mapped`: a file as it is; a directory to its `index` file (when one is set and
/// present), through a redirect when the path lacks the trailing slash. A directory
/// without an index is never listed, and never redirected (a redirect would tell that it
/// exists).
pub(crate) fn target(
    probe: &mut impl Probe,
    mapped: &Mapped,
    index: Option<&str>,
) -> io::Result<Target> {
    let index_of = |directory: &str, index: &str| {
        if directory.is_empty() {
            index.to_owned()
        } else {
            format!("{directory}/{index}")
        }
    };
    if mapped.trailing_slash {
        // Behind a slash only an index is served, so it alone is asked: a file under the
        // path proves the path a directory (under a file, or nothing, it is missing).
        let Some(index) = index else {
            return Ok(Target::Missing);
        };
        let path = index_of(&mapped.relative, index);
        return Ok(match probe.entry(&path)? {
            Entry::File => Target::File(path),
            Entry::Directory | Entry::Missing => Target::Missing,
        });
    }
    match probe.entry(&mapped.relative)? {
        Entry::File => Ok(Target::File(mapped.relative.clone())),
        Entry::Missing => Ok(Target::Missing),
        Entry::Directory => {
            let Some(index) = index else {
                return Ok(Target::Missing);
            };
            match probe.entry(&index_of(&mapped.relative, index))? {
                Entry::File => Ok(Target::AddSlash),
                Entry::Directory | Entry::Missing => Ok(Target::Missing),
            }
        }
    }
}

/// The `Location` of the redirect for a directory asked for without its slash: relative,
/// the last segment of the path as sent plus `/` (and the query), so it is right whatever
/// prefix the app is mounted under.
pub(crate) fn add_slash_location(raw_path: &str, query: &str) -> String {
    let last = raw_path.rsplit('/').next().unwrap_or("");
    // `./` for a mount point asked for as `/prefix` would drop `prefix`: name it.
    let mut location = if last.is_empty() {
        String::from("./")
    } else {
        format!("{last}/")
    };
    if !query.is_empty() {
        location.push('?');
        location.push_str(query);
    }
    location
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A probe over a fixed listing.
    struct Listing(&'static [(&'static str, Entry)]);

    impl Probe for Listing {
        fn entry(&mut self, relative: &str) -> io::Result<Entry> {
            Ok(self
                .0
                .iter()
                .find(|(path, _)| *path == relative)
                .map_or(Entry::Missing, |(_, entry)| *entry))
        }
    }

    const TREE: Listing = Listing(&[
        ("", Entry::Directory),
        ("index.html", Entry::File),
        ("docs", Entry::Directory),
        ("docs/index.html", Entry::File),
        ("empty", Entry::Directory),
        ("a.txt", Entry::File),
    ]);

    fn resolve(raw: &str, index: Option<&str>) -> Target {
        let mapped = super::super::path::map(raw, false).unwrap();
        target(&mut Listing(TREE.0), &mapped, index).unwrap()
    }

    #[test]
    fn directories_serve_their_index_behind_a_slash() {
        let index = Some("index.html");
        assert_eq!(resolve("/", index), Target::File("index.html".into()));
        assert_eq!(resolve("", index), Target::AddSlash);
        assert_eq!(
            resolve("/docs/", index),
            Target::File("docs/index.html".into())
        );
        assert_eq!(resolve("/docs", index), Target::AddSlash);
        assert_eq!(resolve("/empty/", index), Target::Missing);
        assert_eq!(resolve("/empty", index), Target::Missing);
        assert_eq!(resolve("/a.txt", index), Target::File("a.txt".into()));
        assert_eq!(resolve("/a.txt/", index), Target::Missing);
        assert_eq!(resolve("/nothing/", index), Target::Missing);
        assert_eq!(resolve("/docs/", None), Target::Missing);
        assert_eq!(resolve("/docs", None), Target::Missing);
    }

    #[test]
    fn the_redirect_is_relative_and_keeps_the_query() {
        assert_eq!(add_slash_location("/static/docs", ""), "docs/");
        assert_eq!(
            add_slash_location("/static/caf%C3%A9", "a=1&b"),
            "caf%C3%A9/?a=1&b"
        );
        assert_eq!(add_slash_location("", "x"), "./?x");
    }
}
