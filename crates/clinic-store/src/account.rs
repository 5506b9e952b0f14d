//! Accounts that signed in on this workstation, and the current session.

use chrono::{DateTime, Utc};
use clinic_core::wire::AccountView;
use clinic_core::{Role, UserId};
use rusqlite::OptionalExtension;

use crate::{Store, StoreError};

/// The session this workstation is signed in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentSession {
    pub account: AccountView,
    /// The server's bearer token; `None` for a session begun offline, until the server is reached.
    pub token: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// Locked after inactivity: nothing shows until the password is given again.
    pub locked: bool,
}

/// An account that signed in on this workstation before, with its offline verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownAccount {
    pub account: AccountView,
    /// argon2id PHC string of the password, made here at the last online sign-in.
    pub password_verifier: Option<String>,
}

/// The account in columns 0–3 (id, email, display name, role); `None` when this version cannot
/// read it (then the user simply signs in again).
fn account_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<AccountView>> {
    let (id, email, display_name, role): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    Ok(match (id.parse::<UserId>(), role.parse::<Role>()) {
        (Ok(id), Ok(role)) => Some(AccountView {
            id,
            email,
            display_name,
            role,
        }),
        _ => None,
    })
}

impl Store {
    /// Remember `account` (with the verifier for offline sign-in) and make `token` the current
    /// session, in one transaction.
    pub fn begin_session(
        &mut self,
        account: &AccountView,
        server_url: &str,
        token: &str,
        expires_at: DateTime<Utc>,
        password_verifier: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO known_account (user_id, email, display_name, role, server_url,
               last_signed_in_at, password_verifier)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (user_id) DO UPDATE SET email = excluded.email,
               display_name = excluded.display_name, role = excluded.role,
               server_url = excluded.server_url, last_signed_in_at = excluded.last_signed_in_at,
               password_verifier = excluded.password_verifier",
            (
                account.id.to_string(),
                &account.email,
                &account.display_name,
                account.role.as_str(),
                server_url,
                now.to_rfc3339(),
                password_verifier,
            ),
        )?;
        tx.execute(
            "INSERT INTO current_session (slot, user_id, token, expires_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (slot) DO UPDATE SET user_id = excluded.user_id, token = excluded.token,
               expires_at = excluded.expires_at, locked = 0",
            (account.id.to_string(), token, expires_at.to_rfc3339()),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The current session, if one is saved for `server_url` and has not expired at `now`. A
    /// session from another server is never offered: its token must not be sent elsewhere.
    pub fn current_session(
        &self,
        server_url: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<CurrentSession>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT a.user_id, a.email, a.display_name, a.role, s.token, s.expires_at, s.locked
                 FROM current_session s JOIN known_account a ON a.user_id = s.user_id
                 WHERE a.server_url = ?1",
                [server_url],
                |r| {
                    Ok((
                        account_from_row(r)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, bool>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((account, token, expires_at, locked)) = row else {
            return Ok(None);
        };
        // A row this version cannot read is treated as no session: the user signs in again.
        let (Some(account), Ok(expires_at)) = (account, DateTime::parse_from_rfc3339(&expires_at))
        else {
            return Ok(None);
        };
        let expires_at = expires_at.with_timezone(&Utc);
        if expires_at <= now {
            return Ok(None);
        }
        Ok(Some(CurrentSession {
            account,
            token,
            expires_at,
            locked,
        }))
    }

    /// The account with `email` that signed in here before against `server_url`.
    pub fn known_account(
        &self,
        email: &str,
        server_url: &str,
    ) -> Result<Option<KnownAccount>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT user_id, email, display_name, role, password_verifier FROM known_account
                 WHERE email = ?1 AND server_url = ?2",
                [email, server_url],
                |r| Ok((account_from_row(r)?, r.get::<_, Option<String>>(4)?)),
            )
            .optional()?;
        Ok(match row {
            Some((Some(account), password_verifier)) => Some(KnownAccount {
                account,
                password_verifier,
            }),
            _ => None,
        })
    }

    /// Begin a session without the server (signed in offline): no token until it is reached.
    pub fn begin_offline_session(
        &self,
        account: UserId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO current_session (slot, user_id, token, expires_at) VALUES (1, ?1, NULL, ?2)
             ON CONFLICT (slot) DO UPDATE SET user_id = excluded.user_id, token = NULL,
               expires_at = excluded.expires_at, locked = 0",
            (account.to_string(), expires_at.to_rfc3339()),
        )?;
        Ok(())
    }

    /// The server was reached again: the offline session gets its token.
    pub fn set_session_token(
        &self,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE current_session SET token = ?1, expires_at = ?2",
            (token, expires_at.to_rfc3339()),
        )?;
        Ok(())
    }

    /// Lock or unlock the current session.
    pub fn set_session_locked(&self, locked: bool) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE current_session SET locked = ?1", [locked])?;
        Ok(())
    }

    pub fn end_session(&self) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM current_session", [])?;
        Ok(())
    }
}
