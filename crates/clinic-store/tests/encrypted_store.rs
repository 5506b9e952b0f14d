//! The store on real SQLCipher files in temporary folders.

use std::path::Path;

use chrono::{TimeZone, Utc};
use clinic_core::ipc::{Language, Theme};
use clinic_core::wire::AccountView;
use clinic_core::{Role, UserId};
use clinic_store::{DatabaseKey, EnvKeyProvider, FileKeyProvider, KeyError, Store, StoreError};

const PATIENT_NAME: &str = "Rahima Khatun Zafreen";
const SERVER: &str = "http://127.0.0.1:8750";
const VERIFIER: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

fn patient_account() -> AccountView {
    AccountView {
        id: UserId::from_uuid(uuid::Uuid::from_u128(42)),
        email: "rahima@example.com".into(),
        display_name: PATIENT_NAME.into(),
        role: Role::Patient,
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
}

/// Every byte of the database and its WAL/SHM files, to prove a failed open changed nothing.
fn all_bytes(db: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", db.display());
        if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

fn seeded_store(dir: &Path) -> (std::path::PathBuf, DatabaseKey) {
    let path = dir.join("desk.db");
    let key = DatabaseKey::generate();
    let mut store = Store::open(&path, &key).unwrap();
    store.set_language(Language::Bangla).unwrap();
    store
        .begin_session(
            &patient_account(),
            SERVER,
            "tok",
            now() + chrono::Duration::hours(8),
            VERIFIER,
            now(),
        )
        .unwrap();
    drop(store);
    (path, key)
}

#[test]
fn the_right_key_reopens_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = seeded_store(dir.path());
    let store = Store::open(&path, &key).unwrap();
    assert_eq!(store.preferences().unwrap().language, Language::Bangla);
    assert_eq!(store.preferences().unwrap().theme, Theme::Light);
    let session = store
        .current_session(SERVER, now())
        .unwrap()
        .expect("session survives a restart");
    assert_eq!(session.account, patient_account());
    assert_eq!(session.token.as_deref(), Some("tok"));
    // Every migration in migrations/local was applied, and is still recorded after reopening.
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/local"
    ))
    .unwrap()
    .filter(|e| {
        e.as_ref()
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "sql")
    })
    .count();
    assert_eq!(store.schema_version().unwrap() as usize, migrations);
}

#[test]
fn the_store_runs_in_wal_with_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = seeded_store(dir.path());
    let store = Store::open(&path, &key).unwrap();
    let (mode, sync) = store.journal_settings();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "synchronous=FULL is 2");
}

#[test]
fn a_wrong_key_is_refused_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _key) = seeded_store(dir.path());
    let before = all_bytes(&path);
    let err = Store::open(&path, &DatabaseKey::generate()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("cannot be opened with this workstation's key"),
        "{err}"
    );
    assert!(err.to_string().contains("Nothing was changed"), "{err}");
    assert_eq!(all_bytes(&path), before);
}

#[test]
fn a_missing_key_for_an_existing_file_is_refused_and_nothing_is_made_up() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _key) = seeded_store(dir.path());
    let before = all_bytes(&path);
    let keys = FileKeyProvider {
        path: dir.path().join("no-such.key"),
    };
    let err = Store::open_with(&path, &keys).unwrap_err();
    assert!(matches!(err, StoreError::KeyMissing { .. }), "{err:?}");
    assert!(
        err.to_string().contains("no-such.key"),
        "names where it looked: {err}"
    );
    assert!(
        !keys.path.exists(),
        "no new key was written for an existing store"
    );
    assert_eq!(all_bytes(&path), before);
}

#[test]
fn a_first_run_makes_a_key_and_later_runs_reuse_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let keys = FileKeyProvider {
        path: dir.path().join("desk.key"),
    };
    let store = Store::open_with(&path, &keys).unwrap();
    store.set_theme(Theme::Dark).unwrap();
    drop(store);
    let key_text = std::fs::read_to_string(&keys.path).unwrap();
    assert_eq!(key_text.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keys.path).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the key file is readable by its owner only"
        );
    }
    let store = Store::open_with(&path, &keys).unwrap();
    assert_eq!(store.preferences().unwrap().theme, Theme::Dark);
}

#[test]
fn a_plaintext_database_is_never_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    let plain = rusqlite::Connection::open(&path).unwrap();
    plain
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(plain);
    let before = all_bytes(&path);
    let err = Store::open(&path, &DatabaseKey::generate()).unwrap_err();
    assert!(matches!(err, StoreError::NotEncrypted { .. }), "{err:?}");
    assert_eq!(all_bytes(&path), before);
}

#[test]
fn a_patient_name_is_not_readable_in_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = seeded_store(dir.path());
    // Also look while the store is open, when recent writes sit in the WAL.
    let mut store = Store::open(&path, &key).unwrap();
    store
        .begin_session(
            &patient_account(),
            SERVER,
            "tok2",
            now() + chrono::Duration::hours(8),
            VERIFIER,
            now(),
        )
        .unwrap();
    let files = all_bytes(&path);
    assert!(
        files.iter().any(|(p, _)| p.ends_with("-wal")),
        "WAL file present"
    );
    for (file, bytes) in &files {
        for needle in [
            PATIENT_NAME.as_bytes(),
            b"rahima@example.com",
            b"SQLite format 3",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} readable in {file}",
                String::from_utf8_lossy(needle)
            );
        }
    }
    drop(store);
}

#[test]
fn a_session_is_offered_only_to_the_server_that_made_it() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = seeded_store(dir.path());
    let store = Store::open(&path, &key).unwrap();
    assert!(store.current_session(SERVER, now()).unwrap().is_some());
    assert_eq!(
        store
            .current_session("http://10.0.0.5:8750", now())
            .unwrap(),
        None
    );
}

#[test]
fn an_expired_session_is_not_current() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = seeded_store(dir.path());
    let store = Store::open(&path, &key).unwrap();
    let later = now() + chrono::Duration::hours(9);
    assert_eq!(store.current_session(SERVER, later).unwrap(), None);
    store.end_session().unwrap();
    assert_eq!(store.current_session(SERVER, now()).unwrap(), None);
}

#[test]
fn an_unset_key_variable_says_which_variable() {
    let keys = EnvKeyProvider {
        var: "CLINIC_TEST_KEY_THAT_IS_NEVER_SET".into(),
    };
    let err =
        Store::open_with(&tempfile::tempdir().unwrap().path().join("x.db"), &keys).unwrap_err();
    assert!(
        matches!(&err, StoreError::Key(KeyError::EnvUnset { var }) if var == "CLINIC_TEST_KEY_THAT_IS_NEVER_SET"),
        "{err:?}"
    );
}

#[test]
fn a_malformed_key_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let keys = FileKeyProvider {
        path: dir.path().join("bad.key"),
    };
    std::fs::write(&keys.path, "not hex at all").unwrap();
    let err = Store::open_with(&dir.path().join("x.db"), &keys).unwrap_err();
    assert!(
        matches!(err, StoreError::Key(KeyError::Malformed)),
        "{err:?}"
    );
    assert!(
        !dir.path().join("x.db").exists(),
        "no database is made without a usable key"
    );
}

#[test]
fn a_wrong_key_after_a_crash_does_not_fold_the_wal_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = seeded_store(dir.path());
    let store = Store::open(&path, &key).unwrap();
    store.set_theme(Theme::Dark).unwrap();
    // A crash image: the files as they are while the store is still open (WAL not checkpointed).
    let crashed = dir.path().join("crashed");
    std::fs::create_dir(&crashed).unwrap();
    for (file, bytes) in all_bytes(&path) {
        let name = Path::new(&file).file_name().unwrap();
        std::fs::write(crashed.join(name), bytes).unwrap();
    }
    drop(store);
    let image = crashed.join("desk.db");
    let main_and_wal = |p: &Path| {
        all_bytes(p)
            .into_iter()
            .filter(|(f, _)| !f.ends_with("-shm"))
            .collect::<Vec<_>>()
    };
    let before = main_and_wal(&image);
    assert_eq!(before.len(), 2, "the image has a WAL");
    let err = Store::open(&image, &DatabaseKey::generate()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert_eq!(
        main_and_wal(&image),
        before,
        "the WAL was not checkpointed by a refused open"
    );
    let store = Store::open(&image, &key).unwrap();
    assert_eq!(
        store.preferences().unwrap().theme,
        Theme::Dark,
        "the crash image is intact"
    );
}

/// A key store that, like an OS keyring, overwrites on save; slow, to widen any race.
struct SlowOverwritingKeyring(std::sync::Mutex<Option<String>>);

impl clinic_store::KeyProvider for SlowOverwritingKeyring {
    fn load(&self) -> Result<Option<DatabaseKey>, KeyError> {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let text = self.0.lock().unwrap().clone();
        text.map(|t| DatabaseKey::from_hex(&t)).transpose()
    }
    fn save(&self, key: &DatabaseKey) -> Result<(), KeyError> {
        std::thread::sleep(std::time::Duration::from_millis(20));
        *self.0.lock().unwrap() = Some(key.to_hex().to_string());
        Ok(())
    }
    fn describe(&self) -> String {
        "the test keyring".into()
    }
}

#[test]
fn two_first_runs_at_once_agree_on_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let keys = std::sync::Arc::new(SlowOverwritingKeyring(std::sync::Mutex::new(None)));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (path, keys) = (path.clone(), keys.clone());
            std::thread::spawn(move || Store::open_with(&path, keys.as_ref()).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join()
            .unwrap()
            .expect("every instance opens the same store");
    }
    let key = clinic_store::KeyProvider::load(keys.as_ref())
        .unwrap()
        .unwrap();
    Store::open(&path, &key).expect("the key in the keyring opens the file");
}

#[test]
fn an_account_that_signed_in_here_can_begin_an_offline_session() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = seeded_store(dir.path());
    let store = Store::open(&path, &key).unwrap();
    store.end_session().unwrap();
    let known = store
        .known_account("rahima@example.com", SERVER)
        .unwrap()
        .expect("known here");
    assert_eq!(known.account, patient_account());
    assert_eq!(known.password_verifier.as_deref(), Some(VERIFIER));
    assert_eq!(
        store
            .known_account("rahima@example.com", "http://elsewhere:8750")
            .unwrap(),
        None
    );
    assert_eq!(
        store.known_account("nobody@example.com", SERVER).unwrap(),
        None
    );

    store
        .begin_offline_session(known.account.id, now() + chrono::Duration::hours(8))
        .unwrap();
    let session = store
        .current_session(SERVER, now())
        .unwrap()
        .expect("an offline session");
    assert_eq!(
        session.token, None,
        "no server token until the server is reached"
    );
    store
        .set_session_token("fresh", now() + chrono::Duration::hours(12))
        .unwrap();
    let session = store.current_session(SERVER, now()).unwrap().unwrap();
    assert_eq!(session.token.as_deref(), Some("fresh"));
}

#[test]
fn a_locked_session_stays_locked_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = seeded_store(dir.path());
    let locked = |store: &Store| {
        store
            .current_session(SERVER, now())
            .unwrap()
            .unwrap()
            .locked
    };
    let store = Store::open(&path, &key).unwrap();
    assert!(!locked(&store));
    store.set_session_locked(true).unwrap();
    drop(store);
    let store = Store::open(&path, &key).unwrap();
    assert!(locked(&store), "still locked after a restart");
    store.set_session_locked(false).unwrap();
    assert!(!locked(&store));
}
