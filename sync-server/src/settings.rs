//! The server's settings: defaults, then a TOML file, then environment variables, then the command
//! line. Validated once at start, with messages that say what to fix.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const CONFIG_FILE_NAME: &str = "clinic-sync.toml";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder for the embedded database, the demo credentials and the default config file.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; empty for the embedded SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// How long a session lasts before the user signs in again.
    pub session_hours: u32,
    /// Sign-in attempts on one account from one address, per minute.
    pub sign_in_attempts_per_minute_per_account: u32,
    pub sign_in_attempts_per_minute_per_address: u32,
    /// Sign-in attempts on one account from all addresses together, per hour: the ceiling for a
    /// guesser who spreads over many addresses (the account's own user, at another address, is
    /// otherwise never kept out by someone else's wrong tries).
    pub sign_in_attempts_per_hour_per_account: u32,
    /// Reverse proxies in front of this server (their addresses): only from these is
    /// `X-Forwarded-For` believed, so limits count the client, not the proxy.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The largest request body accepted, in bytes.
    pub max_request_bytes: usize,
    /// The clinic's rule: desks lock after this many minutes without activity.
    pub lock_after_minutes: u32,
    /// The clinic's time zone (IANA name): doctors' hours are read on its wall clock.
    pub clinic_time_zone: String,
    /// The Jitsi server video calls open (`https://…`; `http://` only on the loopback).
    pub jitsi_url: String,
    /// A self-hosted Jitsi's app id and secret, for signed tokens; both or neither.
    pub jitsi_app_id: Option<String>,
    pub jitsi_app_secret: Option<String>,
    /// The key stored files are sealed with; by default `<data dir>/blob.key`, made on first
    /// start. Back it up with the database.
    pub blob_key_file: Option<PathBuf>,
    /// The key the audit chain is sealed with (HMAC); by default `<data dir>/audit.key`, made on
    /// first start. Keep it off the database's machine or backups where you can: whoever holds
    /// both could rewrite the audit.
    pub audit_key_file: Option<PathBuf>,
    /// TLS: the clinic's certificate (chain) and private key, PEM. Both, or neither.
    pub tls_certificate_file: Option<PathBuf>,
    pub tls_private_key_file: Option<PathBuf>,
    /// TLS with a self-signed certificate made once in `<data dir>/tls/` (the demo; desks pin
    /// it). Ignored when a certificate is set.
    pub tls_self_signed: bool,
    /// Names the self-signed certificate is made for, besides `localhost`, `127.0.0.1` and
    /// the address listened on (the clinic server's host name, say).
    pub tls_names: Vec<String>,
    /// The clinic as printed on prescriptions.
    pub clinic_name: String,
    pub clinic_address: String,
    pub clinic_phone: String,
    /// The address people reach this server at (printed under a prescription's QR code as
    /// `<public_url>/verify/CODE`); by default `http://<listen>`.
    pub public_url: Option<String>,
    /// The largest report or document a patient or doctor may upload, in bytes.
    pub max_upload_bytes: u64,
    /// The front desk reads and writes in doctors' and patients' conversations (for "the doctor
    /// is running late" and the like). Off by default: conversations are clinical.
    pub desk_in_conversations: bool,
    /// The clinic's currency (ISO 4217): every invoice, payment and refund is in it.
    pub currency: String,
    /// Online payments through SSLCommerz: its address (the sandbox by default), and the store's
    /// id and password (both, or neither: no online payments). The password is never logged.
    pub sslcommerz_url: String,
    pub sslcommerz_store_id: Option<String>,
    pub sslcommerz_store_password: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8750)),
            data_dir: PathBuf::from("clinic-data"),
            database_url: None,
            session_hours: 12,
            sign_in_attempts_per_minute_per_account: 5,
            sign_in_attempts_per_minute_per_address: 30,
            sign_in_attempts_per_hour_per_account: 1000,
            trusted_proxies: Vec::new(),
            max_request_bytes: 64 * 1024,
            lock_after_minutes: 10,
            clinic_time_zone: "Asia/Dhaka".to_owned(),
            jitsi_url: "https://meet.jit.si".to_owned(),
            jitsi_app_id: None,
            jitsi_app_secret: None,
            blob_key_file: None,
            audit_key_file: None,
            tls_certificate_file: None,
            tls_private_key_file: None,
            tls_self_signed: false,
            tls_names: Vec::new(),
            clinic_name: "Clinic Desk Demo Clinic".to_owned(),
            clinic_address: String::new(),
            clinic_phone: String::new(),
            public_url: None,
            max_upload_bytes: clinic_core::chart::DEFAULT_UPLOAD_MAX_BYTES,
            desk_in_conversations: false,
            currency: "BDT".to_owned(),
            sslcommerz_url: "https://sandbox.sslcommerz.com".to_owned(),
            sslcommerz_store_id: None,
            sslcommerz_store_password: None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingsError {
    #[error("Cannot read the config file {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("The config file {path} is not valid: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{var}={value:?} is not usable: {fix}")]
    BadEnv {
        var: &'static str,
        value: String,
        fix: &'static str,
    },
    #[error("{0}")]
    Rule(String),
}

/// Where settings come from, besides the defaults.
pub struct Sources<'a> {
    /// `--config PATH`; without it, `<data dir>/clinic-sync.toml` is read if it exists.
    pub config_file: Option<&'a Path>,
    /// Reads an environment variable (injected so tests need not touch the process environment).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// `--listen ADDR`.
    pub listen: Option<SocketAddr>,
}

impl Settings {
    pub fn load(sources: Sources<'_>) -> Result<Settings, SettingsError> {
        let env = sources.env;
        let data_dir_from_env = env("CLINIC_SYNC_DATA").filter(|v| !v.trim().is_empty());
        let default_file = data_dir_from_env
            .as_deref()
            .map(PathBuf::from)
            .unwrap_or_else(|| Settings::default().data_dir)
            .join(CONFIG_FILE_NAME);
        let (file, required) = match sources.config_file {
            Some(path) => (path.to_owned(), true),
            None => (default_file, false),
        };
        let mut settings = match std::fs::read_to_string(&file) {
            Ok(text) => toml::from_str::<Settings>(&text).map_err(|e| SettingsError::Invalid {
                path: file.clone(),
                reason: e.message().to_owned(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Settings::default(),
            Err(e) => {
                return Err(SettingsError::Unreadable {
                    path: file,
                    reason: e.to_string(),
                })
            }
        };
        // An empty database_url in the file means the embedded SQLite, as when it is left out.
        settings.database_url = settings.database_url.filter(|u| !u.trim().is_empty());
        if let Some(dir) = data_dir_from_env {
            settings.data_dir = PathBuf::from(dir);
        }
        if let Some(url) = env("DATABASE_URL").filter(|v| !v.trim().is_empty()) {
            settings.database_url = Some(url);
        }
        if let Some(listen) = env("CLINIC_SYNC_LISTEN").filter(|v| !v.trim().is_empty()) {
            settings.listen = listen.trim().parse().map_err(|_| SettingsError::BadEnv {
                var: "CLINIC_SYNC_LISTEN",
                value: listen,
                fix: "use an address and port such as 127.0.0.1:8750",
            })?;
        }
        for (var, field) in [
            ("CLINIC_SYNC_JITSI_URL", &mut settings.jitsi_url),
            ("CLINIC_SYNC_SSLCOMMERZ_URL", &mut settings.sslcommerz_url),
        ] {
            if let Some(value) = env(var).filter(|v| !v.trim().is_empty()) {
                *field = value.trim().to_owned();
            }
        }
        for (var, field) in [
            (
                "CLINIC_SYNC_SSLCOMMERZ_STORE_ID",
                &mut settings.sslcommerz_store_id,
            ),
            (
                "CLINIC_SYNC_SSLCOMMERZ_STORE_PASSWORD",
                &mut settings.sslcommerz_store_password,
            ),
            ("CLINIC_SYNC_JITSI_APP_ID", &mut settings.jitsi_app_id),
            (
                "CLINIC_SYNC_JITSI_APP_SECRET",
                &mut settings.jitsi_app_secret,
            ),
        ] {
            if let Some(value) = env(var).filter(|v| !v.trim().is_empty()) {
                *field = Some(value.trim().to_owned());
            }
        }
        if let Some(url) = env("CLINIC_SYNC_PUBLIC_URL").filter(|v| !v.trim().is_empty()) {
            settings.public_url = Some(url.trim().trim_end_matches('/').to_owned());
        }
        if let Some(value) =
            env("CLINIC_SYNC_DESK_IN_CONVERSATIONS").filter(|v| !v.trim().is_empty())
        {
            settings.desk_in_conversations = match value.trim() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(SettingsError::BadEnv {
                        var: "CLINIC_SYNC_DESK_IN_CONVERSATIONS",
                        value,
                        fix: "use true or false",
                    })
                }
            };
        }
        if let Some(value) = env("CLINIC_SYNC_TRUSTED_PROXIES").filter(|v| !v.trim().is_empty()) {
            settings.trusted_proxies = value
                .split(',')
                .map(|a| a.trim().parse())
                .collect::<Result<_, _>>()
                .map_err(|_| SettingsError::BadEnv {
                    var: "CLINIC_SYNC_TRUSTED_PROXIES",
                    value: value.clone(),
                    fix: "list the proxies' IP addresses, separated by commas (10.0.0.2,10.0.0.3)",
                })?;
        }
        if let Some(path) = env("CLINIC_SYNC_BLOB_KEY_FILE").filter(|v| !v.trim().is_empty()) {
            settings.blob_key_file = Some(PathBuf::from(path.trim()));
        }
        if let Some(path) = env("CLINIC_SYNC_AUDIT_KEY_FILE").filter(|v| !v.trim().is_empty()) {
            settings.audit_key_file = Some(PathBuf::from(path.trim()));
        }
        for (var, field) in [
            (
                "CLINIC_SYNC_TLS_CERTIFICATE",
                &mut settings.tls_certificate_file,
            ),
            (
                "CLINIC_SYNC_TLS_PRIVATE_KEY",
                &mut settings.tls_private_key_file,
            ),
        ] {
            if let Some(path) = env(var).filter(|v| !v.trim().is_empty()) {
                *field = Some(PathBuf::from(path.trim()));
            }
        }
        if let Some(value) = env("CLINIC_SYNC_TLS_SELF_SIGNED").filter(|v| !v.trim().is_empty()) {
            settings.tls_self_signed = match value.trim() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(SettingsError::BadEnv {
                        var: "CLINIC_SYNC_TLS_SELF_SIGNED",
                        value,
                        fix: "use true or false",
                    })
                }
            };
        }
        if let Some(listen) = sources.listen {
            settings.listen = listen;
        }
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        let rule = |m: &str| Err(SettingsError::Rule(m.to_owned()));
        if let Some(url) = &self.database_url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return rule("database_url (DATABASE_URL) must start with postgres:// — leave it unset to use the embedded SQLite database");
            }
        }
        if !(1..=24 * 30).contains(&self.session_hours) {
            return rule("session_hours must be between 1 and 720");
        }
        if self.sign_in_attempts_per_minute_per_account == 0
            || self.sign_in_attempts_per_minute_per_address == 0
            || self.sign_in_attempts_per_hour_per_account == 0
        {
            return rule("sign-in attempts per minute must be at least 1");
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.max_request_bytes) {
            return rule("max_request_bytes must be between 1024 and 16777216");
        }
        if !(1..=240).contains(&self.lock_after_minutes) {
            return rule("lock_after_minutes must be between 1 and 240");
        }
        if self.clinic_time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(SettingsError::Rule(format!(
                "clinic_time_zone {:?} is not a time zone: use an IANA name such as Asia/Dhaka",
                self.clinic_time_zone
            )));
        }
        let jitsi = clinic_core::meeting::JitsiServer {
            base_url: self.jitsi_url.clone(),
            app_id: None,
        };
        let scheme = self.jitsi_url.split_once("://").map_or("", |(s, _)| s);
        if self.jitsi_url.trim_end_matches('/') != format!("{scheme}://{}", jitsi.host())
            || !jitsi.may_navigate(scheme, jitsi.host())
            || jitsi.host().is_empty()
        {
            return Err(SettingsError::Rule(format!(
                "jitsi_url {:?} must be https://host (no path), or http:// on 127.0.0.1 for a test",
                self.jitsi_url
            )));
        }
        match (&self.jitsi_app_id, &self.jitsi_app_secret) {
            (None, None) => {}
            (Some(id), Some(secret)) if !id.trim().is_empty() && secret.len() >= 32 => {}
            (Some(_), Some(_)) => {
                return rule(
                    "jitsi_app_secret must be at least 32 characters (and jitsi_app_id not empty)",
                )
            }
            _ => return rule("set both jitsi_app_id and jitsi_app_secret, or neither (no tokens)"),
        }
        if clinic_core::money::Currency::new(&self.currency).is_err() {
            return Err(SettingsError::Rule(format!(
                "currency {:?} is not a currency code: use three capital letters such as BDT",
                self.currency
            )));
        }
        match (&self.sslcommerz_store_id, &self.sslcommerz_store_password) {
            (None, None) => {}
            (Some(id), Some(password)) if !id.trim().is_empty() && !password.is_empty() => {}
            _ => {
                return rule(
                    "set both sslcommerz_store_id and sslcommerz_store_password, or neither",
                )
            }
        }
        if !(self.sslcommerz_url.starts_with("https://")
            || self.sslcommerz_url.starts_with("http://127.0.0.1"))
        {
            return rule("sslcommerz_url must be https:// (or http://127.0.0.1 for a test)");
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return rule("public_url must start with https:// (or http://)");
            }
        }
        if !(1024..=512 * 1024 * 1024).contains(&self.max_upload_bytes) {
            return rule("max_upload_bytes must be between 1024 and 536870912");
        }
        if self.clinic_name.trim().is_empty() {
            return rule("clinic_name must name the clinic (it is printed on prescriptions)");
        }
        if self.data_dir.as_os_str().is_empty() {
            return rule("data_dir (CLINIC_SYNC_DATA) must name a folder");
        }
        if self.tls_certificate_file.is_some() != self.tls_private_key_file.is_some() {
            return rule("set both tls_certificate_file and tls_private_key_file, or neither");
        }
        Ok(())
    }

    /// The clinic's time zone (checked by [`Settings::validate`]; UTC if it was never checked).
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.clinic_time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// The clinic's currency (checked by [`Settings::validate`]; BDT if it was never checked).
    pub fn clinic_currency(&self) -> clinic_core::money::Currency {
        clinic_core::money::Currency::new(&self.currency)
            .unwrap_or(clinic_core::money::Currency::BDT)
    }

    /// The clinic's online payment provider, when its account is set.
    pub fn payment_provider(&self) -> Option<std::sync::Arc<dyn crate::payments::PaymentProvider>> {
        match (&self.sslcommerz_store_id, &self.sslcommerz_store_password) {
            (Some(id), Some(password)) => Some(std::sync::Arc::new(
                crate::payments::sslcommerz::SslCommerz::new(&self.sslcommerz_url, id, password),
            )),
            _ => None,
        }
    }

    /// The address people reach this server at, without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| {
                let scheme = if self.serves_tls() { "https" } else { "http" };
                format!("{scheme}://{}", self.listen)
            })
    }

    /// Where the blob key is kept.
    pub fn blob_key_path(&self) -> PathBuf {
        self.blob_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("blob.key"))
    }

    /// The certificate and key to serve TLS with, if any (a self-signed one is made now).
    pub fn tls_files(&self) -> Result<Option<crate::tls::TlsFiles>, crate::tls::TlsError> {
        match (&self.tls_certificate_file, &self.tls_private_key_file) {
            (Some(certificate), Some(private_key)) => Ok(Some(crate::tls::TlsFiles {
                certificate: certificate.clone(),
                private_key: private_key.clone(),
            })),
            _ if self.tls_self_signed => {
                let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
                let listened = self.listen.ip();
                if !listened.is_unspecified() && !names.contains(&listened.to_string()) {
                    names.push(listened.to_string());
                }
                names.extend(self.tls_names.iter().cloned());
                crate::tls::self_signed(&self.data_dir, &names).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Whether the server speaks TLS.
    pub fn serves_tls(&self) -> bool {
        self.tls_self_signed || self.tls_certificate_file.is_some()
    }

    pub fn audit_key_path(&self) -> PathBuf {
        self.audit_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit.key"))
    }

    /// The embedded SQLite file, used when no `database_url` is set.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("clinic-sync.db")
    }

    /// Create the data folder and check that it is writable: a clear message now, not a failed
    /// write later.
    pub fn prepare_data_dir(&self) -> Result<(), SettingsError> {
        let fail = |why: String| {
            SettingsError::Rule(format!(
                "The data folder {} cannot be used ({why}). Set CLINIC_SYNC_DATA to a folder this user can write.",
                self.data_dir.display()
            ))
        };
        std::fs::create_dir_all(&self.data_dir).map_err(|e| fail(e.to_string()))?;
        let probe = self.data_dir.join(".write-test");
        std::fs::write(&probe, b"ok").map_err(|e| fail(e.to_string()))?;
        let _ = std::fs::remove_file(probe);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(file: Option<&Path>, vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| vars.get(k).cloned();
        Settings::load(Sources {
            config_file: file,
            env: &env,
            listen: None,
        })
    }

    #[test]
    fn defaults_use_embedded_sqlite_on_loopback() {
        let dir = tempfile::tempdir().unwrap();
        let s = load(None, &[("CLINIC_SYNC_DATA", dir.path().to_str().unwrap())]).unwrap();
        assert_eq!(s.database_url, None);
        assert_eq!(s.listen.to_string(), "127.0.0.1:8750");
        assert_eq!(s.sqlite_path(), dir.path().join("clinic-sync.db"));
    }

    #[test]
    fn file_then_env_then_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "session_hours = 8\nlisten = \"0.0.0.0:9000\"\n").unwrap();
        let s = load(Some(&file), &[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert_eq!(s.session_hours, 8);
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(s.database_url.as_deref(), Some("postgres://u@h/db"));
        let env = |_: &str| None;
        let s = Settings::load(Sources {
            config_file: Some(&file),
            env: &env,
            listen: Some("127.0.0.1:1".parse().unwrap()),
        })
        .unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:1");
    }

    #[test]
    fn mistakes_say_what_to_fix() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "sesion_hours = 8\n").unwrap();
        let err = load(Some(&file), &[]).unwrap_err().to_string();
        assert!(
            err.contains("c.toml") && err.contains("sesion_hours"),
            "{err}"
        );

        let err = load(None, &[("DATABASE_URL", "mysql://x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("postgres://"), "{err}");

        let err = load(None, &[("CLINIC_SYNC_LISTEN", "localhost")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("127.0.0.1:8750"), "{err}");

        std::fs::write(&file, "session_hours = 0\n").unwrap();
        let err = load(Some(&file), &[]).unwrap_err().to_string();
        assert!(err.contains("between 1 and 720"), "{err}");

        let err = load(Some(&dir.path().join("missing.toml")), &[]).unwrap_err();
        assert!(matches!(err, SettingsError::Unreadable { .. }), "{err:?}");
    }

    #[test]
    fn a_jitsi_server_is_https_and_its_tokens_need_both_id_and_secret() {
        let ok = load(
            None,
            &[
                ("CLINIC_SYNC_JITSI_URL", "https://meet.clinic.example"),
                ("CLINIC_SYNC_JITSI_APP_ID", "clinic-desk"),
                (
                    "CLINIC_SYNC_JITSI_APP_SECRET",
                    "0123456789abcdef0123456789abcdef",
                ),
            ],
        )
        .unwrap();
        assert_eq!(ok.jitsi_url, "https://meet.clinic.example");
        assert_eq!(ok.jitsi_app_id.as_deref(), Some("clinic-desk"));
        for (vars, says) in [
            (
                vec![("CLINIC_SYNC_JITSI_URL", "http://meet.clinic.example")],
                "https://host",
            ),
            (
                vec![("CLINIC_SYNC_JITSI_URL", "https://meet.example/room")],
                "no path",
            ),
            (vec![("CLINIC_SYNC_JITSI_APP_ID", "clinic-desk")], "both"),
            (
                vec![
                    ("CLINIC_SYNC_JITSI_APP_ID", "clinic-desk"),
                    ("CLINIC_SYNC_JITSI_APP_SECRET", "short"),
                ],
                "32 characters",
            ),
        ] {
            let err = load(None, &vars).unwrap_err().to_string();
            assert!(err.contains(says), "{vars:?}: {err}");
        }
        let stand_in = load(None, &[("CLINIC_SYNC_JITSI_URL", "http://127.0.0.1:4000")]).unwrap();
        assert_eq!(stand_in.jitsi_url, "http://127.0.0.1:4000");
    }

    #[test]
    fn an_empty_database_url_in_the_file_means_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "database_url = \"\"\n").unwrap();
        assert_eq!(load(Some(&file), &[]).unwrap().database_url, None);
    }

    #[test]
    fn the_example_file_is_valid_and_says_the_defaults() {
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let example = manifest.join("clinic-sync.example.toml");
        let s = load(Some(&example), &[]).unwrap();
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn an_unwritable_data_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let s = Settings {
            data_dir: blocker.join("sub"),
            ..Settings::default()
        };
        let err = s.prepare_data_dir().unwrap_err().to_string();
        assert!(err.contains("CLINIC_SYNC_DATA"), "{err}");
    }
}
