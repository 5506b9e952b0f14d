//! The OS keyring provider against a real Secret Service (gnome-keyring in a private D-Bus session,
//! started by scripts/test.sh with CLINIC_TEST_EXPECT_KEYRING=1, where it must work), or — on a
//! machine without one — the clear error a headless workstation gets.

use clinic_store::{KeyError, KeyProvider, KeyringKeyProvider, Store, StoreError};

#[test]
fn the_os_keyring_keeps_the_key_or_says_it_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let account = format!("test-{}", std::process::id());
    let keys = KeyringKeyProvider::new("clinic-desk-tests", &account);
    let expected = std::env::var_os("CLINIC_TEST_EXPECT_KEYRING").is_some();
    match Store::open_with(&path, &keys) {
        Ok(store) => {
            drop(store);
            let key = keys.load().unwrap().expect("the key is in the keyring");
            Store::open(&path, &key).expect("the kept key opens the store");
        }
        Err(err) if !expected => {
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
        Err(err) => panic!("the Secret Service was expected to keep the key: {err}"),
    }
}
