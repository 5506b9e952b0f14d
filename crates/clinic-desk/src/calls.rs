//! Video calls from the desk: where an appointment's call is, checked against the video server
//! this desk trusts before anything opens it, and the user's say over the camera and microphone.

use clinic_core::ipc::IpcError;
use clinic_core::meeting::JitsiServer;
use clinic_core::wire::ErrorCode;
use clinic_core::AppointmentId;

use super::Desk;

impl Desk {
    /// Where an appointment's video call is, for the signed-in doctor or patient (online: the
    /// server decides who may join and makes the token).
    pub async fn meeting_access(
        &self,
        appointment: AppointmentId,
    ) -> Result<clinic_core::ipc::MeetingAccess, IpcError> {
        self.unlocked_user()?;
        self.authed(|c, t| async move { c.meeting(&t, appointment).await })
            .await
    }

    /// A call's address, checked before anything opens it: on the clinic's video server this desk
    /// trusts ([`JitsiServer::trusted`]), and — for the call window — with the camera and
    /// microphone allowed by the user for that server (asked the first time).
    pub async fn call_access(
        &self,
        appointment: AppointmentId,
        in_window: bool,
        allow_media: bool,
    ) -> Result<(clinic_core::ipc::MeetingAccess, JitsiServer), IpcError> {
        let access = self.meeting_access(appointment).await?;
        let pinned = self.with_store(|s| s.video_server())?;
        let refused = |e: clinic_core::meeting::CallAddressRefused| {
            tracing::warn!(error = %e, "a call address was refused");
            IpcError::new(ErrorCode::Forbidden, e.to_string())
        };
        let (server, newly) = JitsiServer::trusted(
            self.jitsi_url.as_deref(),
            pinned.as_deref(),
            &access.jitsi_url,
        )
        .map_err(refused)?;
        if !server.may_open(&access.url) {
            return Err(refused(
                clinic_core::meeting::CallAddressRefused::NotOnTheVideoServer {
                    trusted: server.base_url.clone(),
                },
            ));
        }
        if newly {
            self.with_store(|s| s.set_video_server(&server.base_url))?;
        }
        if in_window && !self.with_store(|s| s.media_allowed(&server.base_url))? {
            if !allow_media {
                return Err(IpcError::new(
                    ErrorCode::MediaPermissionNeeded,
                    server.host().to_owned(),
                ));
            }
            self.with_store(|s| s.allow_media(&server.base_url))?;
        }
        Ok((access, server))
    }
}
