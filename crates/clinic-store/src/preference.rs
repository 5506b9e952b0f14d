//! Preferences of this workstation: language and theme. They survive restarts and sign-outs.

use clinic_core::ipc::{Language, Preferences, Theme};
use rusqlite::OptionalExtension;

use crate::{Store, StoreError};

impl Store {
    pub fn preferences(&self) -> Result<Preferences, StoreError> {
        let language = self
            .preference("language")?
            .and_then(|code| Language::from_code(&code))
            .unwrap_or_default();
        let theme = self
            .preference("theme")?
            .and_then(|code| Theme::from_code(&code))
            .unwrap_or_default();
        Ok(Preferences { language, theme })
    }

    pub fn set_language(&self, language: Language) -> Result<(), StoreError> {
        self.set_preference("language", language.code())
    }

    pub fn set_theme(&self, theme: Theme) -> Result<(), StoreError> {
        self.set_preference("theme", theme.code())
    }

    /// The clinic's idle-lock time, as the server last said it.
    pub fn clinic_lock_after_seconds(&self) -> Result<Option<u32>, StoreError> {
        Ok(self
            .preference("clinic_lock_after_seconds")?
            .and_then(|s| s.parse().ok()))
    }

    pub fn set_clinic_lock_after_seconds(&self, seconds: u32) -> Result<(), StoreError> {
        self.set_preference("clinic_lock_after_seconds", &seconds.to_string())
    }

    fn preference(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM preference WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn set_preference(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO preference (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [name, value],
        )?;
        Ok(())
    }
}
