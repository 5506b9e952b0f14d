//! The status bar's view of the sync server: reachable or not, and whether its TLS certificate
//! is the one this desk trusts (pinned at the first https contact, as SSH pins a host key).

use std::time::Duration;

use chrono::Utc;
use clinic_core::ipc::ConnectionStatus;

use super::Desk;

impl Desk {
    /// The server's certificate at an https contact that failed on it: pinned if this desk
    /// trusts none yet (trust on first use, as SSH does; its fingerprint is shown), otherwise
    /// what it changed to is kept, to be said — and nothing is sent to that server.
    async fn check_certificate(&self) {
        let Ok(presented) = self.client.presented_certificate().await else {
            return;
        };
        // What this desk trusts now; unreadable, it pins nothing.
        let Ok(trust) = self.with_store(|s| s.server_trust()) else {
            return;
        };
        let changed = |now: String| {
            tracing::warn!(fingerprint = %now, "the server's certificate changed: not trusted");
            *self
                .certificate_changed_to
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(now);
        };
        match trust {
            // A server this desk reached with an authority's certificate never gets a
            // self-signed one pinned on trust: that is what an attacker in between would show.
            clinic_store::ServerTrust::Authority => {
                changed(clinic_sync_client::fingerprint(&presented));
            }
            clinic_store::ServerTrust::Unknown => {
                if self
                    .with_store(|s| s.pin_server_certificate(&presented))
                    .is_ok()
                {
                    tracing::info!(
                        fingerprint = %clinic_sync_client::fingerprint(&presented),
                        "pinned the server's certificate"
                    );
                    self.client.pin_certificate(&presented);
                }
            }
            clinic_store::ServerTrust::Pinned(pinned) if pinned != presented => {
                changed(clinic_sync_client::fingerprint(&presented));
            }
            clinic_store::ServerTrust::Pinned(_) => {}
        }
    }

    pub async fn connection_status(&self) -> ConnectionStatus {
        let mut health = self.client.health(Duration::from_secs(2)).await;
        if matches!(
            health,
            Err(clinic_sync_client::ClientError::CertificateNotTrusted { .. })
        ) {
            self.check_certificate().await;
            health = self.client.health(Duration::from_secs(2)).await;
        }
        let plain_http_refused = matches!(
            health,
            Err(clinic_sync_client::ClientError::PlainHttpRefused { .. })
        );
        let online = health.is_ok();
        if online {
            *self
                .certificate_changed_to
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = None;
            // Reached over https with nothing pinned: an authority vouched for the server.
            if self.client.base_url().starts_with("https://")
                && self.with_store(|s| s.server_trust()).ok()
                    == Some(clinic_store::ServerTrust::Unknown)
            {
                let _ = self.with_store(|s| s.trust_server_by_authority());
            }
        }
        if online {
            self.mark_online();
        }
        let summary = self.with_store(|s| s.sync_summary()).ok();
        ConnectionStatus {
            online,
            server_url: self.client.base_url().to_owned(),
            checked_at: Utc::now(),
            last_online_at: *self
                .last_online_at
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
            pending_changes: summary.as_ref().map_or(0, |s| s.pending),
            rejected_changes: summary.as_ref().map_or(0, |s| s.rejected),
            last_synced_at: summary.and_then(|s| s.last_synced_at),
            clinic_time_zone: self
                .with_store(|s| s.clinic_time_zone())
                .ok()
                .flatten()
                .map(|tz| tz.name().to_owned()),
            desk_in_conversations: self
                .desk_in_conversations
                .load(std::sync::atomic::Ordering::Relaxed),
            server_certificate: match self.with_store(|s| s.server_trust()) {
                Ok(clinic_store::ServerTrust::Pinned(der)) => {
                    Some(clinic_sync_client::fingerprint(&der))
                }
                _ => None,
            },
            certificate_changed_to: self
                .certificate_changed_to
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            plain_http_refused,
        }
    }
}
