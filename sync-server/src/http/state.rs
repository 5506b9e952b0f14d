//! What every handler shares: the storage, the settings, the sign-in limits, the push queue,
//! the change announcements and the blob key.

use std::sync::Arc;

use crate::password;
use crate::settings::Settings;
use crate::sign_in_limit::SignInLimit;
use crate::storage::Storage;

pub struct AppState<S> {
    pub storage: Arc<S>,
    pub settings: Arc<Settings>,
    pub sign_in_limit: Arc<SignInLimit>,
    /// The change-log head as last announced: devices listening on `/sync/events` pull when it
    /// moves.
    pub changes: Arc<tokio::sync::watch::Sender<crate::sync::events::Announcement>>,
    /// Set when the server is shutting down, so that event streams end and shutdown can finish.
    pub closing: Arc<tokio::sync::watch::Sender<bool>>,
    /// Pushes are written through here, several to a commit.
    pub pushes: crate::sync::queue::PushQueue,
    /// Seals and opens stored files.
    pub blob_key: Arc<crate::blobs::BlobKey>,
    /// The clinic's online payment provider, when it takes payments online.
    pub payments: Option<Arc<dyn crate::payments::PaymentProvider>>,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        Self {
            storage: self.storage.clone(),
            settings: self.settings.clone(),
            sign_in_limit: self.sign_in_limit.clone(),
            changes: self.changes.clone(),
            closing: self.closing.clone(),
            pushes: self.pushes.clone(),
            blob_key: self.blob_key.clone(),
            payments: self.payments.clone(),
        }
    }
}

impl<S: Storage> AppState<S> {
    pub fn new(storage: S, settings: Settings, blob_key: crate::blobs::BlobKey) -> Self {
        let nz = |n: u32| std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN);
        let limit = SignInLimit::new(
            nz(settings.sign_in_attempts_per_minute_per_account),
            nz(settings.sign_in_attempts_per_minute_per_address),
            // Never below what one address may try in a minute.
            nz(settings
                .sign_in_attempts_per_hour_per_account
                .max(settings.sign_in_attempts_per_minute_per_account)),
        );
        // Made now, so the first sign-in to an unknown account costs no more than any other.
        let _ = password::decoy_hash();
        let storage = Arc::new(storage);
        let pushes = crate::sync::queue::PushQueue::start(
            storage.clone(),
            crate::sync::queue::ClinicRules {
                tz: settings.time_zone(),
                desk_in_conversations: settings.desk_in_conversations,
                currency: settings.clinic_currency(),
            },
        );
        Self {
            storage,
            pushes,
            blob_key: Arc::new(blob_key),
            payments: settings.payment_provider(),
            settings: Arc::new(settings),
            sign_in_limit: Arc::new(limit),
            changes: Arc::new(
                tokio::sync::watch::channel(crate::sync::events::Announcement::default()).0,
            ),
            closing: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }

    /// Tell listening devices the change log has moved (after a commit that appended to it).
    pub async fn announce_changes(&self) {
        match self.storage.head_seq().await {
            Ok(head) => self.announce(head),
            Err(e) => tracing::warn!(error = %e, "could not read the change-log head"),
        }
    }

    pub(crate) fn announce(&self, head: u64) {
        self.announce_to(head, crate::sync::events::Concerned::Everyone);
    }

    /// Announce a commit that moved the log to `head`, concerning `concerned` only.
    pub(crate) fn announce_to(&self, head: u64, concerned: crate::sync::events::Concerned) {
        self.changes.send_if_modified(|current| {
            let moved = head > current.head;
            if moved {
                *current = crate::sync::events::Announcement {
                    from: current.head,
                    head,
                    concerned,
                };
            }
            moved
        });
    }
}
