//! Static folders: whatever the request path and Accept-Encoding, the file a `StaticFiles`
//! would serve is inside its root once every link is resolved (the tree holds links out of
//! the root, a link inside it, hidden files and precompressed siblings).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// The tree, made once: `base/root` is served, `base/secret` must stay out of reach.
fn root() -> &'static (PathBuf, PathBuf) {
    static TREE: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    TREE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("respond-fuzz-static-{}", std::process::id()));
        let root = base.join("root");
        std::fs::create_dir_all(root.join("dir/sub")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        std::fs::write(base.join("secret"), "s").unwrap();
        for name in ["index.html", "404.html", "a.js", "a.js.br", "a.js.gz", "dir/index.html", "dir/sub/b.css", ".hidden/c"] {
            std::fs::write(root.join(name), name).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink("../secret", root.join("out")).unwrap();
            symlink(&base, root.join("up")).unwrap();
            symlink("/", root.join("slash")).unwrap();
            symlink("../a.js", root.join("dir/in")).unwrap();
        }
        let canonical = std::fs::canonicalize(&root).unwrap();
        (root, canonical)
    })
}

fuzz_target!(|input: (&str, &str)| {
    let (path, accept_encoding) = input;
    let (root, canonical_root) = root();
    let raw = format!("/{path}");
    if let Some(file) = respond::__fuzz::static_file(root, &raw, accept_encoding) {
        let resolved = std::fs::canonicalize(&file).expect("a served file exists");
        assert!(
            resolved.starts_with(canonical_root),
            "{raw:?} served {} outside the root",
            resolved.display()
        );
        assert!(resolved.is_file(), "{raw:?} served {}", resolved.display());
    }
});
