//! The OS keyring provider against a real Secret Service (gnome-keyring in a private D-Bus session,
//! started by scripts/test.sh), or — with no session bus — the clear error a headless machine gets.

use clinic_store::{KeyError, KeyProvider, KeyringKeyProvider, Store, StoreError};

fn has_session_bus() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
}

#[test]
fn the_os_keyring_keeps_the_key_or_says_it_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let account = format!("test-{}", std::process::id());
    let keys = KeyringKeyProvider::new("clinic-desk-tests", &account);
    if has_session_bus() {
        let store =
            Store::open_with(&path, &keys).expect("key made and kept in the Secret Service");
        drop(store);
        let key = keys.load().unwrap().expect("the key is in the keyring");
        Store::open(&path, &key).expect("the kept key opens the store");
    } else {
        let err = Store::open_with(&path, &keys).unwrap_err();
        assert!(
            matches!(err, StoreError::Key(KeyError::NoKeyring { .. })),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("CLINIC_DESK_KEY_FILE"),
            "says what to do: {err}"
        );
        assert!(!path.exists(), "no database without a key");
    }
}
