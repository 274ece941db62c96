//! The open-file cache (issue 17): a hot file is served from a file kept open, yet every
//! request sees the file as it is now. A file written in place, replaced under its name,
//! deleted, or swapped for something that is not a file is served (or refused) as if nothing
//! had been cached; the cache stays within its bounds and closes what it drops.
//!
//! The cache is process-wide, so this file is its own test binary and each test holds
//! [`SERIAL`] and starts from an empty cache with the default settings.
#![cfg(target_os = "linux")]

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use http::StatusCode;
use respond::{FileResponse, OpenFileCache, TestClient, TestResponse};
use respond_tests::{TempDir, TestServer, raw_exchange, respond_with};

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `test` alone, on a runtime of its own, from an empty cache with the default settings.
fn serial<F: std::future::Future<Output = ()>>(test: F) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let cache = OpenFileCache::global();
    cache.set_capacity(256);
    cache.set_inactive(Duration::from_secs(20));
    cache.clear();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(test);
}

fn client_for(path: &Path) -> TestClient {
    let path = path.to_owned();
    TestClient::new(respond_with(move || FileResponse::new(path.clone())))
}

async fn get(client: &TestClient) -> TestResponse {
    client.get("/").send().await
}

fn open_fds() -> usize {
    fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Whether the process holds `path` open (a descriptor linking to it).
fn holds_open(path: &Path) -> bool {
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|entry| fs::read_link(entry.ok()?.path()).ok())
        .any(|target| target == path)
}

/// Writes `contents` to a new file beside `path` and renames it over `path`, as a deploy
/// does: a new inode under the old name.
fn replace(path: &Path, contents: &[u8], modified: SystemTime) {
    let staged: PathBuf = path.with_extension("staged");
    fs::write(&staged, contents).unwrap();
    fs::File::options()
        .write(true)
        .open(&staged)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    fs::rename(&staged, path).unwrap();
}

fn set_modified(path: &Path, modified: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
}

#[test]
fn a_hot_file_is_kept_open_once_and_served_again_from_it() {
    serial(async {
        let dir = TempDir::new("open-cache-hot");
        let path = dir.file("page.html", b"<p>cached</p>");
        let client = client_for(&path);

        let first = get(&client).await;
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.text(), "<p>cached</p>");
        assert_eq!(OpenFileCache::global().len(), 1);
        assert!(holds_open(&path), "the file stays open after its response");

        let fds = open_fds();
        for _ in 0..200 {
            let again = get(&client).await;
            assert_eq!(again.text(), "<p>cached</p>");
            assert_eq!(again.header("etag"), first.header("etag"));
        }
        assert_eq!(
            open_fds(),
            fds,
            "200 hits opened nothing new and leaked nothing"
        );
        assert_eq!(OpenFileCache::global().len(), 1);

        let ranged = client.get("/").header("range", "bytes=3-8").send().await;
        assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(ranged.text(), "cached");
        assert_eq!(ranged.header("content-range"), Some("bytes 3-8/13"));
    });
}

#[test]
fn a_file_written_in_place_is_served_with_its_new_bytes_and_validators_at_once() {
    serial(async {
        let dir = TempDir::new("open-cache-in-place");
        let path = dir.file("data.txt", b"version one");
        let client = client_for(&path);
        let old = get(&client).await;
        assert_eq!(OpenFileCache::global().len(), 1);

        // Same inode, new contents, length and time.
        fs::write(&path, b"version two, longer").unwrap();
        set_modified(
            &path,
            SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000),
        );
        let new = get(&client).await;
        assert_eq!(new.text(), "version two, longer");
        assert_eq!(new.header("content-length"), Some("19"));
        assert_ne!(new.header("etag"), old.header("etag"));
        assert_eq!(
            new.header("last-modified"),
            Some("Wed, 18 May 2033 03:33:20 GMT")
        );

        // The old validators no longer match; the new ones do.
        let stale = client
            .get("/")
            .header("if-none-match", old.header("etag").unwrap())
            .send()
            .await;
        assert_eq!(stale.status(), StatusCode::OK);
        let fresh = client
            .get("/")
            .header("if-none-match", new.header("etag").unwrap())
            .send()
            .await;
        assert_eq!(fresh.status(), StatusCode::NOT_MODIFIED);
    });
}

#[test]
fn a_file_replaced_under_its_name_is_opened_anew_even_with_the_same_size_and_time() {
    serial(async {
        let dir = TempDir::new("open-cache-replaced");
        let path = dir.file("app.js", b"old();");
        let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        set_modified(&path, modified);
        let client = client_for(&path);
        let old = get(&client).await;
        assert_eq!(old.text(), "old();");

        // Same length and modification time: the validators cannot tell, the inode does.
        replace(&path, b"new();", modified);
        let same_validators = get(&client).await;
        assert_eq!(same_validators.text(), "new();");
        assert_eq!(same_validators.header("etag"), old.header("etag"));

        // A later deploy with a new time: new validators in the very next response.
        let later = modified + Duration::from_secs(60);
        replace(&path, b"newer();", later);
        let newer = get(&client).await;
        assert_eq!(newer.text(), "newer();");
        assert_ne!(newer.header("etag"), old.header("etag"));
        assert_eq!(newer.header("content-length"), Some("8"));
        assert_eq!(OpenFileCache::global().len(), 1, "one entry per path");

        // Over a real socket too, with a range.
        let served = path.clone();
        let server =
            TestServer::start(respond_with(move || FileResponse::new(served.clone()))).await;
        let ranged = raw_exchange(
            server.addr(),
            "GET / HTTP/1.1\r\nhost: x\r\nrange: bytes=0-2\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(ranged.status, 206);
        assert_eq!(ranged.text(), "new");
        replace(&path, b"latest();", later + Duration::from_secs(60));
        let whole = raw_exchange(
            server.addr(),
            "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(whole.text(), "latest();");
        server.stop().await;
    });
}

#[test]
fn a_deleted_file_is_not_served_and_leaves_the_cache_closed() {
    serial(async {
        let dir = TempDir::new("open-cache-deleted");
        let path = dir.file("gone.txt", b"soon gone");
        let client = client_for(&path);
        get(&client).await;
        assert!(holds_open(&path));

        fs::remove_file(&path).unwrap();
        let error = client.get("/").try_send().await.unwrap_err();
        match error {
            respond::Error::Io(error) => assert_eq!(error.kind(), std::io::ErrorKind::NotFound),
            other => panic!("expected the file's absence, got {other}"),
        }
        assert!(
            OpenFileCache::global().is_empty(),
            "the stale entry is dropped"
        );
        let deleted_still_open = fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|entry| fs::read_link(entry.ok()?.path()).ok())
            .any(|target| target.to_string_lossy().ends_with("gone.txt (deleted)"));
        assert!(
            !deleted_still_open,
            "the deleted file's descriptor is closed"
        );
    });
}

#[test]
fn a_path_that_becomes_a_directory_or_a_fifo_is_refused_not_served_from_the_old_file() {
    serial(async {
        let dir = TempDir::new("open-cache-swapped");
        let path = dir.file("thing", b"a file at first");
        let client = client_for(&path);
        get(&client).await;

        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        let error = client.get("/").try_send().await.unwrap_err();
        assert!(error.to_string().contains("is a directory"), "{error}");
        fs::remove_dir(&path).unwrap();

        fs::write(&path, b"a file again").unwrap();
        assert_eq!(get(&client).await.text(), "a file again");
        fs::remove_file(&path).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let error = tokio::time::timeout(Duration::from_secs(5), client.get("/").try_send())
            .await
            .expect("a FIFO is refused, never opened and waited on")
            .unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
        assert!(OpenFileCache::global().is_empty());
    });
}

#[test]
fn the_cache_keeps_at_most_its_capacity_and_closes_the_least_recently_used() {
    serial(async {
        let cache = OpenFileCache::global();
        cache.set_capacity(4);
        let dir = TempDir::new("open-cache-bounded");
        let paths: Vec<PathBuf> = (0..10)
            .map(|i| dir.file(&format!("f{i}"), format!("file {i}").as_bytes()))
            .collect();
        let base = open_fds();
        for (i, path) in paths.iter().enumerate() {
            assert_eq!(get(&client_for(path)).await.text(), format!("file {i}"));
            // Keep f0 hot: it is never the least recently used.
            get(&client_for(&paths[0])).await;
        }
        assert_eq!(cache.len(), 4);
        assert!(
            open_fds() <= base + 4,
            "{} fds for 4 cached files",
            open_fds() - base
        );
        assert!(holds_open(&paths[0]), "the hot file stayed");
        assert!(holds_open(&paths[9]) && holds_open(&paths[8]) && holds_open(&paths[7]));
        assert!(
            !holds_open(&paths[1]),
            "the least recently used were closed"
        );

        cache.set_capacity(1);
        assert_eq!(cache.len(), 1);
        assert!(open_fds() <= base + 1);

        cache.set_capacity(0);
        assert!(cache.is_empty());
        for path in &paths {
            get(&client_for(path)).await;
        }
        assert!(cache.is_empty(), "capacity 0 turns the cache off");
        assert!(open_fds() <= base);
    });
}

#[test]
fn files_unused_for_the_inactive_time_are_closed_at_the_next_use() {
    serial(async {
        let cache = OpenFileCache::global();
        cache.set_inactive(Duration::from_millis(100));
        let dir = TempDir::new("open-cache-inactive");
        let idle = dir.file("idle", b"idle");
        let busy = dir.file("busy", b"busy");
        get(&client_for(&idle)).await;
        assert!(holds_open(&idle));
        tokio::time::sleep(Duration::from_millis(250)).await;
        get(&client_for(&busy)).await;
        assert!(!holds_open(&idle), "closed after 100 ms without use");
        assert!(holds_open(&busy));
        assert_eq!(cache.len(), 1);

        cache.clear();
        assert!(!holds_open(&busy), "clear closes every cached file");
    });
}
