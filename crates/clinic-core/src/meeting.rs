//! Video consultations through Jitsi, pure: who may join which appointment's call and when, the
//! room's name, the claims of a participant's token (minted and signed on the sync server only),
//! the address the call window opens, and where that window may go.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::appointment::{AppointmentRecord, Status};
use crate::availability::ConsultationType;

/// A call may be joined this long before its slot starts…
pub const JOIN_EARLY_MINUTES: i64 = 30;
/// …and until this long after it ends (a consultation that runs over). The token expires then.
pub const JOIN_LATE_MINUTES: i64 = 30;

/// A meeting's room: 128 random bits (from the caller's random source) as 26 lowercase base32
/// letters and digits. Not derived from the appointment, so it cannot be guessed from it.
pub fn room_name(random: [u8; 16]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bits: u128 = u128::from_be_bytes(random);
    let mut out = String::with_capacity(26);
    for _ in 0..26 {
        out.push(ALPHABET[(bits & 31) as usize] as char);
        bits >>= 5;
    }
    out
}

/// Whether a room name is one [`room_name`] could have made (checked before it goes in a URL).
pub fn is_room_name(text: &str) -> bool {
    text.len() == 26
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

/// Why an appointment's call cannot be joined now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum CallRefused {
    #[error("This is an in-person appointment: it has no video call.")]
    InPerson,
    #[error("The doctor has not confirmed this appointment yet, so its call is not open.")]
    NotConfirmed,
    #[error("This appointment was cancelled, rejected or moved: its call is closed.")]
    Cancelled,
    #[error("This consultation is over: its call is closed.")]
    Over,
    #[error("The call opens {JOIN_EARLY_MINUTES} minutes before the appointment. Try again then.")]
    TooEarly,
    #[error("The time of this appointment has passed: its call is closed.")]
    Expired,
}

/// Whether `appointment`'s call may be joined at `now`; if so, until when (the token's expiry).
pub fn call_open(
    appointment: &AppointmentRecord,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, CallRefused> {
    if appointment.consultation != ConsultationType::Video {
        return Err(CallRefused::InPerson);
    }
    match appointment.status {
        Status::Confirmed | Status::CheckedIn | Status::InConsultation => {}
        Status::Requested => return Err(CallRefused::NotConfirmed),
        Status::Completed | Status::NoShow => return Err(CallRefused::Over),
        Status::Cancelled | Status::Rejected | Status::Rescheduled => {
            return Err(CallRefused::Cancelled)
        }
    }
    let Some(slot) = appointment.slot else {
        // A video walk-in has no slot: open for the day it was queued.
        return Ok(now + Duration::hours(2));
    };
    if now < slot.start - Duration::minutes(JOIN_EARLY_MINUTES) {
        return Err(CallRefused::TooEarly);
    }
    let closes = slot.end + Duration::minutes(JOIN_LATE_MINUTES);
    // A consultation under way stays open however long it runs.
    if now >= closes && appointment.status != Status::InConsultation {
        return Err(CallRefused::Expired);
    }
    Ok(closes.max(now + Duration::minutes(JOIN_LATE_MINUTES)))
}

/// The clinic's Jitsi server as the desks need to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JitsiServer {
    /// `https://meet.example.org` (no path). `http://` only on the loopback (a test stand-in).
    pub base_url: String,
    /// The app id of a self-hosted Jitsi with token authentication; `None`: no tokens.
    pub app_id: Option<String>,
}

/// A participant as the token names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub id: String,
    pub name: String,
    pub email: String,
    /// The doctor: moderator, and owner of the room (admits the patient from the lobby).
    pub moderator: bool,
}

/// `context.user` of a Jitsi token. Jitsi reads these as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JitsiUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub avatar: String,
    /// "true" / "false".
    pub moderator: String,
    /// "owner" for the doctor, "member" for the patient (prosody's `token_affiliation`).
    pub affiliation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JitsiContext {
    pub user: JitsiUser,
}

/// The claims of a Jitsi token (lib-jitsi-meet `doc/tokens.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JitsiClaims {
    /// The audience Jitsi's prosody expects: "jitsi".
    pub aud: String,
    /// The app id.
    pub iss: String,
    /// The Jitsi domain (host).
    pub sub: String,
    pub room: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub context: JitsiContext,
    pub moderator: bool,
}

impl JitsiServer {
    /// The host (and port) of `base_url`: the token's `sub`, and the only place the call window
    /// may go.
    pub fn host(&self) -> &str {
        let rest = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest)
    }

    fn scheme(&self) -> &str {
        self.base_url.split_once("://").map_or("", |(s, _)| s)
    }

    /// The claims of `who`'s token for `room`, valid from a minute ago until `until`.
    pub fn claims(
        &self,
        room: &str,
        who: &Participant,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Option<JitsiClaims> {
        let app_id = self.app_id.clone()?;
        let host = self.host();
        let sub = host.split(':').next().unwrap_or(host).to_owned();
        Some(JitsiClaims {
            aud: "jitsi".to_owned(),
            iss: app_id,
            sub,
            room: room.to_owned(),
            iat: now.timestamp(),
            nbf: (now - Duration::minutes(1)).timestamp(),
            exp: until.timestamp(),
            context: JitsiContext {
                user: JitsiUser {
                    id: who.id.clone(),
                    name: who.name.clone(),
                    email: who.email.clone(),
                    avatar: String::new(),
                    moderator: who.moderator.to_string(),
                    affiliation: if who.moderator { "owner" } else { "member" }.to_owned(),
                },
            },
            moderator: who.moderator,
        })
    }

    /// The address the call window opens: the room, the token in the query, Jitsi's options in
    /// the fragment (no pre-join page, no "open the app" prompt, the participant's name).
    pub fn meeting_url(&self, room: &str, token: Option<&str>, display_name: &str) -> String {
        let base = self.base_url.trim_end_matches('/');
        let query = token.map(|t| format!("?jwt={t}")).unwrap_or_default();
        format!(
            "{base}/{room}{query}#config.prejoinConfig.enabled=false\
             &config.deeplinking.disabled=true&userInfo.displayName=%22{}%22",
            percent_encode(display_name)
        )
    }

    /// Whether the call window may go to `scheme://host:port`: the Jitsi server itself, over
    /// https (or http on the loopback, for a stand-in).
    pub fn may_navigate(&self, scheme: &str, host_and_port: &str) -> bool {
        let secure = scheme == "https"
            || (scheme == "http"
                && ["127.0.0.1", "localhost", "[::1]"]
                    .iter()
                    .any(|h| host_and_port == *h || host_and_port.starts_with(&format!("{h}:"))));
        secure && scheme == self.scheme() && host_and_port.eq_ignore_ascii_case(self.host())
    }
}

/// Why a desk does not open a call address the server gave it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallAddressRefused {
    #[error("The server named a video server that is not a plain https address ({offered}), so the call does not open.")]
    NotAVideoServer { offered: String },
    #[error("The clinic's video server changed from {trusted} to {offered}. Calls do not open until the clinic's administrator confirms the change on this computer.")]
    VideoServerChanged { trusted: String, offered: String },
    #[error(
        "The call address is not on the clinic's video server ({trusted}), so it does not open."
    )]
    NotOnTheVideoServer { trusted: String },
}

impl JitsiServer {
    /// Whether `base_url` is `https://host[:port]` with nothing after it (or `http://` on the
    /// loopback, for a stand-in).
    pub fn is_plain_base(base_url: &str) -> bool {
        let server = JitsiServer {
            base_url: base_url.to_owned(),
            app_id: None,
        };
        let scheme = server.scheme().to_owned();
        !server.host().is_empty()
            && base_url == format!("{scheme}://{}", server.host())
            && server.may_navigate(&scheme, server.host())
    }

    /// The video server a desk trusts: the one set on the desk (`configured`), else the one it
    /// pinned the first time a server named one (`pinned`); the server's word (`offered`) is
    /// taken only the first time, and only if it is a plain https address. The `bool` says
    /// whether `offered` is pinned now. A different one later is refused (never opened), as a
    /// changed host key is.
    pub fn trusted(
        configured: Option<&str>,
        pinned: Option<&str>,
        offered: &str,
    ) -> Result<(JitsiServer, bool), CallAddressRefused> {
        let offered = offered.trim_end_matches('/');
        let server = |base: &str| JitsiServer {
            base_url: base.to_owned(),
            app_id: None,
        };
        match configured.or(pinned).map(|t| t.trim_end_matches('/')) {
            Some(trusted) if trusted.eq_ignore_ascii_case(offered) => Ok((server(trusted), false)),
            Some(trusted) => Err(CallAddressRefused::VideoServerChanged {
                trusted: trusted.to_owned(),
                offered: offered.to_owned(),
            }),
            None if Self::is_plain_base(offered) => Ok((server(offered), true)),
            None => Err(CallAddressRefused::NotAVideoServer {
                offered: offered.to_owned(),
            }),
        }
    }

    /// Whether a whole call address (`https://host/room?jwt=…#…`) may be opened: on this
    /// server, over https (or http on the loopback).
    pub fn may_open(&self, url: &str) -> bool {
        let Some((scheme, rest)) = url.split_once("://") else {
            return false;
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let host_and_port = &rest[..end];
        !host_and_port.contains('@') && self.may_navigate(scheme, host_and_port)
    }
}

/// Percent-encode everything but unreserved characters (RFC 3986), UTF-8 bytes as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desk_opens_calls_only_on_the_video_server_it_trusts() {
        let first = JitsiServer::trusted(None, None, "https://meet.clinic.example").unwrap();
        assert_eq!(first.0.base_url, "https://meet.clinic.example");
        assert!(first.1, "pinned at first use");
        assert_eq!(
            JitsiServer::trusted(
                None,
                Some("https://meet.clinic.example"),
                "https://meet.clinic.example"
            ),
            Ok((first.0.clone(), false))
        );
        assert!(matches!(
            JitsiServer::trusted(
                None,
                Some("https://meet.clinic.example"),
                "https://evil.example"
            ),
            Err(CallAddressRefused::VideoServerChanged { .. })
        ));
        assert!(matches!(
            JitsiServer::trusted(
                Some("https://meet.clinic.example"),
                None,
                "https://evil.example"
            ),
            Err(CallAddressRefused::VideoServerChanged { .. })
        ));
        for offered in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://meet.clinic.example",
            "https://meet.clinic.example/path",
            "smb://share",
        ] {
            assert!(
                matches!(
                    JitsiServer::trusted(None, None, offered),
                    Err(CallAddressRefused::NotAVideoServer { .. })
                ),
                "{offered}"
            );
        }
        let server = first.0;
        assert!(server.may_open("https://meet.clinic.example/room?jwt=x#config.a=1"));
        for url in [
            "https://evil.example/meet.clinic.example",
            "http://meet.clinic.example/room",
            "file:///etc/passwd",
            "https://meet.clinic.example@evil.example/room",
            "https://meet.clinic.example.evil.example/room",
            "meet.clinic.example/room",
        ] {
            assert!(!server.may_open(url), "{url}");
        }
        let stand_in = JitsiServer::trusted(None, None, "http://127.0.0.1:8443")
            .unwrap()
            .0;
        assert!(stand_in.may_open("http://127.0.0.1:8443/room"));
    }
    use crate::appointment::{Origin, StatusChange};
    use crate::availability::Slot;
    use crate::UserId;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
    }

    fn video(status: Status) -> AppointmentRecord {
        let doctor = UserId::from_uuid(uuid::Uuid::from_u128(5));
        AppointmentRecord {
            id: uuid::Uuid::from_u128(1).to_string().parse().unwrap(),
            patient: uuid::Uuid::from_u128(2).to_string().parse().unwrap(),
            doctor,
            consultation: ConsultationType::Video,
            origin: Origin::Booked,
            status,
            slot: Some(Slot {
                start: at(10, 0),
                end: at(10, 15),
                doctor,
            }),
            day: "2026-12-01".parse().unwrap(),
            token: None,
            reason: None,
            replaces: None,
            history: vec![StatusChange {
                status,
                at: at(8, 0),
                by: doctor,
                reason: None,
            }],
        }
    }

    #[test]
    fn rooms_are_random_and_well_formed() {
        let a = room_name([7; 16]);
        let b = room_name([8; 16]);
        assert_ne!(a, b);
        assert!(is_room_name(&a) && is_room_name(&b), "{a} {b}");
        assert!(!is_room_name("../../etc"));
        assert!(!is_room_name(&uuid::Uuid::from_u128(1).to_string()));
    }

    #[test]
    fn a_call_opens_half_an_hour_before_and_closes_half_an_hour_after() {
        let confirmed = video(Status::Confirmed);
        assert_eq!(call_open(&confirmed, at(9, 20)), Err(CallRefused::TooEarly));
        assert_eq!(call_open(&confirmed, at(9, 30)), Ok(at(10, 45)));
        assert_eq!(call_open(&confirmed, at(10, 44)), Ok(at(11, 14)));
        assert_eq!(call_open(&confirmed, at(10, 45)), Err(CallRefused::Expired));
        let running = video(Status::InConsultation);
        assert_eq!(
            call_open(&running, at(11, 30)),
            Ok(at(12, 0)),
            "a long consultation"
        );
        for (status, refused) in [
            (Status::Requested, CallRefused::NotConfirmed),
            (Status::Cancelled, CallRefused::Cancelled),
            (Status::Rescheduled, CallRefused::Cancelled),
            (Status::Completed, CallRefused::Over),
        ] {
            assert_eq!(
                call_open(&video(status), at(10, 0)),
                Err(refused),
                "{status:?}"
            );
        }
        let mut in_person = video(Status::Confirmed);
        in_person.consultation = ConsultationType::InPerson;
        assert_eq!(call_open(&in_person, at(10, 0)), Err(CallRefused::InPerson));
    }

    fn self_hosted() -> JitsiServer {
        JitsiServer {
            base_url: "https://meet.clinic.example".into(),
            app_id: Some("clinic-desk".into()),
        }
    }

    #[test]
    fn the_doctor_owns_the_room_and_the_patient_is_a_member() {
        let server = self_hosted();
        let doctor = Participant {
            id: "d1".into(),
            name: "Dr. Mizanur Rahman".into(),
            email: "dr@clinic".into(),
            moderator: true,
        };
        let claims = server
            .claims("roomname", &doctor, at(9, 50), at(10, 45))
            .unwrap();
        assert_eq!(
            (
                claims.aud.as_str(),
                claims.iss.as_str(),
                claims.sub.as_str()
            ),
            ("jitsi", "clinic-desk", "meet.clinic.example")
        );
        assert_eq!(claims.room, "roomname");
        assert_eq!(claims.exp, at(10, 45).timestamp());
        assert!(claims.nbf < claims.iat);
        assert!(claims.moderator);
        assert_eq!(claims.context.user.moderator, "true");
        assert_eq!(claims.context.user.affiliation, "owner");
        let patient = Participant {
            moderator: false,
            ..doctor
        };
        let claims = server
            .claims("roomname", &patient, at(9, 50), at(10, 45))
            .unwrap();
        assert!(!claims.moderator);
        assert_eq!(claims.context.user.affiliation, "member");
        let public = JitsiServer {
            base_url: "https://meet.jit.si".into(),
            app_id: None,
        };
        assert_eq!(
            public.claims("r", &patient, at(9, 0), at(10, 0)),
            None,
            "no tokens"
        );
    }

    #[test]
    fn the_meeting_address_and_where_its_window_may_go() {
        let server = self_hosted();
        let url = server.meeting_url("abc", Some("t.o.k"), "রহিমা খাতুন");
        assert!(
            url.starts_with(
                "https://meet.clinic.example/abc?jwt=t.o.k#config.prejoinConfig.enabled=false"
            ),
            "{url}"
        );
        assert!(url.contains("userInfo.displayName=%22%E0%A6%B0"), "{url}");
        assert!(server.may_navigate("https", "meet.clinic.example"));
        assert!(!server.may_navigate("https", "evil.example"));
        assert!(
            !server.may_navigate("http", "meet.clinic.example"),
            "never plain http out there"
        );
        let stand_in = JitsiServer {
            base_url: "http://127.0.0.1:4000".into(),
            app_id: None,
        };
        assert!(stand_in.may_navigate("http", "127.0.0.1:4000"));
        assert!(!stand_in.may_navigate("http", "127.0.0.1:4001"));
    }
}
