//! What the desk does, without Tauri: open the encrypted store, sign in and out against the sync
//! server, remember preferences, report the connection. Commands call these.

mod appointments;
mod billing;
mod calls;
mod connection;
mod consultations;
mod conversations;
mod doctor_documents;
mod doctors;
mod offline;
mod patient_booking;
mod patients;
mod prescriptions;
mod records;

use clinic_core::desk_error::DeskError;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clinic_core::account::{DemographicsForm, SignUpForm, StaffAccountForm};
use clinic_core::ipc::{Edition, IpcError, Language, Preferences, Startup, Theme};
use clinic_core::wire::SessionGrant;
use clinic_core::wire::{AccountView, DoctorView, ErrorCode, Me, PatientProfileView};
use clinic_store::{
    CurrentSession, FileKeyProvider, KeyProvider, KeyringKeyProvider, KnownAccount, Store,
};
use zeroize::Zeroizing;

use clinic_core::ipc::{DuplicateCandidate, RejectedChange};
use clinic_core::registry::{self, PatientSummary};
use clinic_core::sync::{Command, CommandEnvelope, PatientRecord};
use clinic_core::{decide, Action, Actor, CommandId, PatientId};
use clinic_store::registry::RecordError;
use clinic_sync_client::replication::{self, RoundReport, SyncError};
use clinic_sync_client::{ClientError, SyncClient};

pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8750";
/// Ten minutes without a key press or mouse movement locks the screen.
pub const DEFAULT_LOCK_AFTER_SECONDS: u32 = 600;

/// Where the desk finds its server and its key.
#[derive(Debug, Clone)]
pub struct DeskConfig {
    pub server_url: String,
    /// `CLINIC_DESK_KEY_FILE`: keep the store key in this file instead of the OS keyring
    /// (headless machines and tests).
    pub key_file: Option<std::path::PathBuf>,
    pub device_name: Option<String>,
    /// `CLINIC_DESK_LOCK_AFTER_SECONDS`: this workstation locks after this long without activity,
    /// whatever the clinic's setting (which the server sends at sign-in; 10 minutes until then).
    pub lock_after_seconds: Option<u32>,
    /// `CLINIC_DESK_JITSI_URL`: the clinic's video server (`https://meet.clinic.example`). Calls
    /// open only there. Unset, the desk trusts the one the sync server names the first time and
    /// refuses a different one afterwards.
    pub jitsi_url: Option<String>,
    /// `CLINIC_DESK_ALLOW_PLAIN_HTTP=1`: the clinic allows plain http to a server on its own
    /// network (otherwise only to this computer itself).
    pub allow_plain_http: bool,
}

impl DeskConfig {
    pub fn from_env() -> Self {
        Self {
            server_url: std::env::var("CLINIC_SERVER_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned()),
            key_file: std::env::var_os("CLINIC_DESK_KEY_FILE").map(Into::into),
            device_name: std::env::var("CLINIC_DESK_DEVICE_NAME").ok(),
            lock_after_seconds: std::env::var("CLINIC_DESK_LOCK_AFTER_SECONDS")
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .filter(|&s| s > 0),
            jitsi_url: std::env::var("CLINIC_DESK_JITSI_URL")
                .ok()
                .filter(|u| !u.trim().is_empty()),
            allow_plain_http: std::env::var("CLINIC_DESK_ALLOW_PLAIN_HTTP")
                .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes")),
        }
    }
}

pub struct Desk {
    edition: Edition,
    sync_lock: tokio::sync::Mutex<()>,
    /// Woken by a local change or a server event: sync now rather than at the next round.
    sync_wake: tokio::sync::Notify,
    store: Result<Mutex<Store>, IpcError>,
    client: SyncClient,
    device_name: Option<String>,
    lock_after_seconds: Option<u32>,
    /// The clinic's video server as configured on this desk (see [`DeskConfig::jitsi_url`]).
    jitsi_url: Option<String>,
    last_online_at: Mutex<Option<DateTime<Utc>>>,
    /// The signed-in user's password, in memory only, to reconnect a session begun offline.
    password: Mutex<Option<Zeroizing<String>>>,
    launched_at: std::time::Instant,
    first_screen_logged: std::sync::Once,
    /// The clinic lets the front desk take part in conversations (from the last sign-in).
    desk_in_conversations: std::sync::atomic::AtomicBool,
    /// The server presents a certificate other than the pinned one (its fingerprint).
    certificate_changed_to: Mutex<Option<String>>,
}

fn store_error(e: impl std::fmt::Display) -> IpcError {
    IpcError::new(ErrorCode::StoreUnavailable, e.to_string())
}

impl Desk {
    /// Open the desk's encrypted store in `data_dir`. A store that cannot be opened is kept as
    /// the reason, shown on the first screen; the file is never replaced.
    pub fn open(
        edition: Edition,
        data_dir: &Path,
        config: DeskConfig,
        launched_at: std::time::Instant,
    ) -> Desk {
        let file = match edition {
            Edition::Staff => "desk.db",
            Edition::Patient => "patient.db",
        };
        let keys: Box<dyn KeyProvider> = match &config.key_file {
            Some(path) => Box::new(FileKeyProvider { path: path.clone() }),
            None => Box::new(KeyringKeyProvider::new(
                "clinic-desk",
                &format!("local-store/{file}"),
            )),
        };
        let store = std::fs::create_dir_all(data_dir)
            .map_err(|e| {
                store_error(format!(
                    "The data folder {} cannot be created: {e}",
                    data_dir.display()
                ))
            })
            .and_then(|()| {
                Store::open_with(&data_dir.join(file), keys.as_ref()).map_err(store_error)
            })
            .map(Mutex::new);
        if let Err(e) = &store {
            tracing::error!(error = %e.message, "local store unavailable");
        }
        // The server's certificate this desk pinned at its first https contact, if it did.
        let client = SyncClient::with_policy(&config.server_url, config.allow_plain_http);
        let trust = store
            .as_ref()
            .ok()
            .and_then(|s| s.lock().ok()?.server_trust().ok());
        if let Some(clinic_store::ServerTrust::Pinned(der)) = trust {
            client.pin_certificate(&der);
        }
        Desk {
            edition,
            sync_lock: tokio::sync::Mutex::new(()),
            sync_wake: tokio::sync::Notify::new(),
            desk_in_conversations: std::sync::atomic::AtomicBool::new(false),
            store,
            client,
            certificate_changed_to: Mutex::new(None),
            device_name: config.device_name,
            lock_after_seconds: config.lock_after_seconds,
            jitsi_url: config.jitsi_url,
            last_online_at: Mutex::new(None),
            password: Mutex::new(None),
            launched_at,
            first_screen_logged: std::sync::Once::new(),
        }
    }

    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, clinic_store::StoreError>,
    ) -> Result<T, IpcError> {
        f(&mut *self.locked_store()?).map_err(store_error)
    }

    /// The store, locked for this thread; or why it could not be opened.
    fn locked_store(&self) -> Result<std::sync::MutexGuard<'_, Store>, IpcError> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        Ok(store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    pub fn startup(&self) -> Startup {
        // The UI asks for this right after its first render: the launch time a user waits.
        self.first_screen_logged.call_once(|| {
            let ms = self.launched_at.elapsed().as_secs_f64() * 1000.0;
            tracing::info!(launch_ms = format!("{ms:.0}"), "first screen rendered");
        });
        let now = Utc::now();
        let preferences = self
            .with_store(|s| s.preferences())
            .unwrap_or_else(|_| Preferences::default());
        let session = self
            .with_store(|s| s.current_session(self.client.base_url(), now))
            .ok()
            .flatten();
        Startup {
            edition: self.edition,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            server_url: self.client.base_url().to_owned(),
            preferences,
            store_problem: self.store.as_ref().err().cloned(),
            locked: session.as_ref().is_some_and(|s| s.locked),
            session: session.map(|s| s.account),
            lock_after_seconds: self.lock_after_seconds(),
        }
    }

    /// This workstation's override, else the clinic's rule as last heard, else ten minutes.
    fn lock_after_seconds(&self) -> u32 {
        self.lock_after_seconds
            .or_else(|| {
                self.with_store(|s| s.clinic_lock_after_seconds())
                    .ok()
                    .flatten()
            })
            .unwrap_or(DEFAULT_LOCK_AFTER_SECONDS)
    }

    /// Keep what a new session's grant says about this desk and the clinic's rules. A replica
    /// made from another server (or, in the patient app, for another patient) is started afresh
    /// first; the outbox and the refused list are kept.
    fn keep_grant_settings(&self, grant: &SessionGrant) -> Result<(), IpcError> {
        let replica = match self.edition {
            Edition::Staff => self.client.base_url().to_owned(),
            Edition::Patient => format!("{}#{}", self.client.base_url(), grant.account.id),
        };
        self.with_store(|s| {
            if s.replica_server()?.as_deref() != Some(replica.as_str()) {
                s.reset_replica()?;
                s.set_replica_server(&replica)?;
            }
            Ok(())
        })?;
        if let Some(code) = grant.desk_code {
            self.with_store(|s| s.set_desk_code(code))?;
        }
        if let Some(seconds) = grant.lock_after_seconds {
            self.with_store(|s| s.set_clinic_lock_after_seconds(seconds))?;
        }
        if let Some(zone) = &grant.clinic_time_zone {
            self.with_store(|s| s.set_clinic_time_zone(zone))?;
        }
        if let Some(currency) = &grant.clinic_currency {
            self.with_store(|s| s.set_clinic_currency(currency))?;
        }
        if let Some(clinic) = &grant.clinic {
            self.with_store(|s| s.set_clinic_header(clinic))?;
        }
        self.desk_in_conversations.store(
            grant.desk_in_conversations,
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok(())
    }

    /// Lock the screen (the UI saw no activity for `lock_after_seconds`). Until unlocked, no
    /// command gives out clinic data.
    pub fn lock(&self) -> Result<(), IpcError> {
        self.session()?;
        self.with_store(|s| s.set_session_locked(true))
    }

    /// Unlock with the signed-in user's password, checked here (works offline too).
    pub async fn unlock(&self, password: &str) -> Result<(), IpcError> {
        let session = self.session()?;
        let known =
            self.with_store(|s| s.known_account(&session.account.email, self.client.base_url()))?;
        let verifier = known
            .and_then(|k| k.password_verifier)
            .ok_or_else(|| IpcError::from(DeskError::SessionEnded))?;
        if !offline::verify(password, &verifier).await? {
            return Err(IpcError::from(DeskError::WrongPassword));
        }
        self.with_store(|s| s.set_session_locked(false))?;
        self.remember_password(password);
        Ok(())
    }

    /// The current session, or "please sign in".
    fn session(&self) -> Result<CurrentSession, IpcError> {
        self.with_store(|s| s.current_session(self.client.base_url(), Utc::now()))?
            .ok_or_else(|| IpcError::from(DeskError::NotSignedIn))
    }

    /// Each build holds its own kind of user: the patient build one patient's data, the staff
    /// build the clinic's. An account of the other kind is refused.
    fn check_edition(&self, account: &AccountView) -> Result<(), IpcError> {
        match (self.edition, account.role.is_staff()) {
            (Edition::Patient, true) => Err(IpcError::from(DeskError::StaffInPatientApp)),
            (Edition::Staff, false) => Err(IpcError::from(DeskError::PatientInStaffApp)),
            _ => Ok(()),
        }
    }

    /// Keep a new session in the store, with a verifier of the password for offline sign-in;
    /// the grant's account becomes the signed-in user.
    async fn begin(&self, grant: SessionGrant, password: &str) -> Result<AccountView, IpcError> {
        if let Err(refused) = self.check_edition(&grant.account) {
            // Refused here: end it on the server too.
            let _ = self.client.sign_out(&grant.token).await;
            return Err(refused);
        }
        let verifier = offline::make_verifier(password).await?;
        let url = self.client.base_url().to_owned();
        self.keep_grant_settings(&grant)?;
        self.with_store(|s| {
            s.begin_session(
                &grant.account,
                &url,
                &grant.token,
                grant.expires_at,
                &verifier,
                Utc::now(),
            )
        })?;
        self.remember_password(password);
        // A new session: sync at once rather than at the next round.
        self.sync_wake.notify_one();
        Ok(grant.account)
    }

    fn remember_password(&self, password: &str) {
        *self.password.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Zeroizing::new(password.to_owned()));
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<AccountView, IpcError> {
        self.store.as_ref().map_err(Clone::clone)?;
        let device = self.with_store(|s| s.device_id())?;
        match self
            .client
            .sign_in(email, password, self.device_name.as_deref(), Some(device))
            .await
        {
            Ok(grant) => {
                self.mark_online();
                self.begin(grant, password).await
            }
            Err(unreachable @ ClientError::Unreachable { .. }) => {
                self.sign_in_offline(email, password, unreachable).await
            }
            Err(refused) => Err(refused.into()),
        }
    }

    /// The server cannot be reached: a user who signed in here before may still sign in, checked
    /// against the verifier kept in the encrypted store. Anyone else hears that the server is down.
    async fn sign_in_offline(
        &self,
        email: &str,
        password: &str,
        unreachable: ClientError,
    ) -> Result<AccountView, IpcError> {
        let email = clinic_core::account::normalise_email(email);
        let known = self.with_store(|s| s.known_account(&email, self.client.base_url()))?;
        let Some(KnownAccount {
            account,
            password_verifier: Some(verifier),
        }) = known
        else {
            return Err(unreachable.into());
        };
        if !offline::verify(password, &verifier).await? {
            return Err(IpcError::from(DeskError::WrongEmailOrPassword));
        }
        self.check_edition(&account)?;
        let expires_at = Utc::now() + chrono::Duration::hours(offline::OFFLINE_SESSION_HOURS);
        self.with_store(|s| s.begin_offline_session(account.id, expires_at))?;
        self.remember_password(password);
        tracing::info!("signed in offline: the server could not be reached");
        Ok(account)
    }

    pub async fn sign_up(&self, form: &SignUpForm) -> Result<AccountView, IpcError> {
        if self.edition != Edition::Patient {
            return Err(IpcError::from(DeskError::SignUpInPatientApp));
        }
        self.store.as_ref().map_err(Clone::clone)?;
        let grant = self.client.sign_up(form).await?;
        self.mark_online();
        self.begin(grant, &form.password).await
    }

    /// Sign out here at once; tell the server when it can be reached. Changes still waiting are
    /// pushed first when the server answers within a few seconds (the next user of this desk
    /// would otherwise push them under their own account); offline, they wait in the outbox.
    pub async fn sign_out(&self) -> Result<(), IpcError> {
        if self
            .with_store(|s| s.sync_summary())
            .is_ok_and(|s| s.pending > 0)
        {
            match tokio::time::timeout(Duration::from_secs(5), self.sync_now()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::info!(error = %e.message, "signing out with changes still to sync")
                }
                Err(_) => {
                    tracing::info!("signing out with changes still to sync (the server is slow)")
                }
            }
        }
        let token = self.session().ok().and_then(|s| s.token);
        self.with_store(|s| s.end_session())?;
        *self.password.lock().unwrap_or_else(|p| p.into_inner()) = None;
        if let Some(token) = token {
            if let Err(e) = self.client.sign_out(&token).await {
                tracing::warn!(error = %e, "the server was not told about the sign-out");
            }
        }
        Ok(())
    }

    fn mark_online(&self) {
        *self
            .last_online_at
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Utc::now());
    }

    pub fn set_language(&self, language: Language) -> Result<(), IpcError> {
        self.with_store(|s| s.set_language(language))
    }

    pub fn set_theme(&self, theme: Theme) -> Result<(), IpcError> {
        self.with_store(|s| s.set_theme(theme))
    }

    /// Run an authenticated call; an ended session is forgotten locally too.
    async fn authed<T, F, Fut>(&self, call: F) -> Result<T, IpcError>
    where
        F: FnOnce(SyncClient, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let session = self.session()?;
        if session.locked {
            return Err(IpcError::from(DeskError::Locked));
        }
        let token = match session.token {
            Some(token) => token,
            None => self.reconnect().await?,
        };
        match call(self.client.clone(), token).await {
            Ok(value) => {
                self.mark_online();
                Ok(value)
            }
            Err(e) => {
                let e = IpcError::from(e);
                if e.code == ErrorCode::SessionExpired {
                    let _ = self.with_store(|s| s.end_session());
                }
                Err(e)
            }
        }
    }

    /// A session begun offline meets the server again: sign in with the password given at the
    /// offline sign-in (kept in memory only) and keep the new token.
    async fn reconnect(&self) -> Result<String, IpcError> {
        let session = self.session()?;
        let password = self
            .password
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some(password) = password else {
            // The app restarted since: the password is gone, so ask for it.
            let _ = self.with_store(|s| s.end_session());
            return Err(IpcError::from(DeskError::SessionEnded));
        };
        let device = self.with_store(|s| s.device_id())?;
        let grant = self
            .client
            .sign_in(
                &session.account.email,
                &password,
                self.device_name.as_deref(),
                Some(device),
            )
            .await?;
        self.mark_online();
        self.keep_grant_settings(&grant)?;
        self.with_store(|s| s.set_session_token(&grant.token, grant.expires_at))?;
        Ok(grant.token)
    }

    pub async fn me(&self) -> Result<Me, IpcError> {
        self.authed(|c, t| async move { c.me(&t).await }).await
    }

    pub async fn update_my_profile(
        &self,
        form: &DemographicsForm,
    ) -> Result<PatientProfileView, IpcError> {
        let form = form.clone();
        self.authed(|c, t| async move { c.update_my_profile(&t, &form).await })
            .await
    }

    pub async fn accounts(&self) -> Result<Vec<AccountView>, IpcError> {
        self.authed(|c, t| async move { c.accounts(&t).await })
            .await
    }

    pub async fn create_staff_account(
        &self,
        form: &StaffAccountForm,
    ) -> Result<AccountView, IpcError> {
        if self.edition != Edition::Staff {
            return Err(IpcError::from(DeskError::StaffAccountsAtTheDesk));
        }
        let form = form.clone();
        self.authed(|c, t| async move { c.create_staff_account(&t, &form).await })
            .await
    }

    pub async fn doctors(&self) -> Result<Vec<DoctorView>, IpcError> {
        self.authed(|c, t| async move { c.doctors(&t).await }).await
    }
}

/// Rounds of sync when nothing wakes the loop earlier.
const SYNC_EVERY: Duration = Duration::from_secs(30);
/// Longest wait before trying an unreachable server again.
const RETRY_AT_MOST: Duration = Duration::from_secs(5);

impl Desk {
    fn clinic_today() -> chrono::NaiveDate {
        chrono::Local::now().date_naive()
    }

    /// The signed-in user, if the screen is not locked (either build, any role: what they may do
    /// is the policy's and the server's to decide).
    fn unlocked_user(&self) -> Result<AccountView, IpcError> {
        let session = self.session()?;
        if session.locked {
            return Err(IpcError::from(DeskError::Locked));
        }
        Ok(session.account)
    }

    /// The signed-in, unlocked staff user at a staff desk (registry work needs one).
    fn working_user(&self) -> Result<AccountView, IpcError> {
        let account = self.unlocked_user()?;
        if self.edition != Edition::Staff || !account.role.is_staff() {
            return Err(IpcError::from(DeskError::RegistryAtTheDesks));
        }
        Ok(account)
    }

    fn record_error(e: RecordError) -> IpcError {
        match e {
            RecordError::Store(e) => store_error(e),
            RecordError::Billing(refusal) => IpcError::from(refusal),
            RecordError::NoClinicCurrency => IpcError::from(DeskError::NoClinicBilling),
            other => IpcError::new(ErrorCode::Validation, other.to_string()),
        }
    }

    /// One sync round now: push what is pending, pull what is new.
    pub async fn sync_now(&self) -> Result<RoundReport, IpcError> {
        // One round at a time (the loop, a sign-out's last push): rounds that overlap could
        // record answers and pulls out of order.
        let _one_at_a_time = self.sync_lock.lock().await;
        let session = self.session()?;
        let has_password = self
            .password
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        let token = match session.token {
            Some(token) => token,
            // Signed in offline and restarted since: the password is needed to reach the server
            // again, and only the person can give it. Wait for them; never sign them out for it.
            None if !has_password => return Err(IpcError::from(DeskError::SignedInOffline)),
            None => self.reconnect().await?,
        };
        let store = self.store.as_ref().map_err(Clone::clone)?;
        let user = session.account.id;
        let mut round = replication::sync_round(store, &self.client, &token, user).await;
        if matches!(
            &round,
            Err(SyncError::Server(ClientError::Refused { status: 401, .. }))
        ) && has_password
        {
            // The session ran out while the person is still here: sign in again with the
            // password they gave, and go on.
            let token = self.reconnect().await?;
            round = replication::sync_round(store, &self.client, &token, user).await;
        }
        match round {
            Ok(report) => {
                self.mark_online();
                let token = self.session()?.token.unwrap_or(token);
                self.report_offline_reads(&token).await;
                self.prefetch_todays_charts(&token).await;
                Ok(report)
            }
            Err(SyncError::Server(e)) => {
                let e = IpcError::from(e);
                if e.code == ErrorCode::SessionExpired {
                    let _ = self.with_store(|s| s.end_session());
                }
                Err(e)
            }
            Err(SyncError::Store(e)) => Err(store_error(e)),
            Err(e @ SyncError::Protocol(_)) => Err(IpcError::from(DeskError::Internal {
                detail: e.to_string(),
            })),
        }
    }

    /// Keep syncing for as long as the app runs: at once when woken (a local change, a server
    /// event), every 30 s otherwise, and again within seconds while the server is unreachable.
    pub async fn run_sync_loop(&self) {
        let mut retry = Duration::from_secs(1);
        loop {
            let wait = match self.sync_now().await {
                Ok(report) => {
                    retry = Duration::from_secs(1);
                    if report != RoundReport::default() {
                        tracing::info!(?report, "synced");
                    }
                    SYNC_EVERY
                }
                Err(e) if e.code == ErrorCode::NotSignedIn => SYNC_EVERY,
                Err(e) => {
                    tracing::debug!(error = %e.message, "sync round failed");
                    let wait = retry;
                    retry = (retry * 2).min(RETRY_AT_MOST);
                    wait
                }
            };
            tokio::select! {
                _ = self.sync_wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Listen to the server's change events and wake the sync loop on each; reconnect with
    /// backoff when the stream drops.
    pub async fn run_event_listener(&self) {
        let mut retry = Duration::from_secs(1);
        loop {
            let token = self.session().ok().and_then(|s| s.token);
            if let Some(token) = token {
                match self.client.events(&token).await {
                    Ok(mut events) => {
                        tracing::info!("listening for the server's changes");
                        retry = Duration::from_secs(1);
                        while let Ok(Some(head)) = events.next_head().await {
                            let cursor = self.with_store(|s| s.sync_cursor()).unwrap_or(0);
                            if head > cursor {
                                self.sync_wake.notify_one();
                            }
                        }
                    }
                    Err(e) => {
                        tracing::info!(error = %e, "the server's change events are unavailable")
                    }
                }
            }
            tokio::time::sleep(retry).await;
            retry = (retry * 2).min(RETRY_AT_MOST);
        }
    }
}

fn actor(account: &AccountView) -> Actor {
    Actor::User {
        id: account.id,
        role: account.role,
    }
}
