//! The video call's own window. It loads the clinic's Jitsi server and nothing else: navigation
//! anywhere else is refused, new windows are refused, camera and microphone are granted only to
//! the Jitsi origin, and no capability names `meeting-*` windows, so the page has no app commands
//! (tests/tests/architecture.rs checks the capability files). On Linux, WebKitGTK's WebRTC and
//! media stream settings are switched on for this window only. If the page finds no WebRTC, the
//! window says so by asking for an address that cannot be visited; the desk notes it and the
//! screen offers the system's browser instead.

use std::collections::HashSet;
use std::sync::Mutex;

use clinic_core::ipc::{IpcError, MeetingAccess};
use clinic_core::meeting::JitsiServer;
use clinic_core::wire::ErrorCode;
use clinic_core::AppointmentId;
use tauri::webview::{NewWindowResponse, PageLoadEvent, PermissionKind, PermissionResponse};
use tauri::{AppHandle, Manager, Url, WebviewUrl, WebviewWindowBuilder};

/// The address the check asks for when the page has no WebRTC: never visited (`.invalid`).
const WITHOUT_VIDEO: &str = "https://clinic-desk.invalid/without-video";

/// Run in the call page once it has loaded (from the app, not by the page).
const VIDEO_CHECK: &str = "setTimeout(function () { \
    if (!(window.RTCPeerConnection && navigator.mediaDevices \
          && navigator.mediaDevices.getUserMedia)) { \
      window.location.href = 'https://clinic-desk.invalid/without-video'; } }, 1500);";

/// Calls whose window found no WebRTC.
#[derive(Default)]
pub struct Calls {
    without_video: Mutex<HashSet<AppointmentId>>,
}

impl Calls {
    pub fn without_video(&self, appointment: AppointmentId) -> bool {
        self.without_video
            .lock()
            .map(|set| set.contains(&appointment))
            .unwrap_or(false)
    }

    fn mark_without_video(&self, appointment: AppointmentId) {
        if let Ok(mut set) = self.without_video.lock() {
            set.insert(appointment);
        }
    }
}

/// The window's label: `meeting-<appointment>`. No capability matches it.
pub fn label(appointment: AppointmentId) -> String {
    format!("meeting-{appointment}")
}

fn host_and_port(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => String::new(),
    }
}

/// Open (or bring forward) the call window for `appointment`.
pub fn open(
    app: &AppHandle,
    appointment: AppointmentId,
    access: &MeetingAccess,
    jitsi: &JitsiServer,
    title: &str,
) -> Result<(), IpcError> {
    let label = label(appointment);
    if let Some(window) = app.get_webview_window(&label) {
        let _ = window.set_focus();
        return Ok(());
    }
    let url: Url = access.url.parse().map_err(|_| {
        IpcError::new(
            ErrorCode::Internal,
            "The server gave a call address that cannot be opened.",
        )
    })?;
    // `jitsi` is the video server this desk trusts (never simply the one the server names), and
    // the user allowed it the camera and microphone (see `Desk::call_access`).
    if !jitsi.may_open(&access.url) || !jitsi.may_navigate(url.scheme(), &host_and_port(&url)) {
        return Err(IpcError::new(
            ErrorCode::Internal,
            "The call address is not on the clinic's video server.",
        ));
    }
    let (navigation, permissions) = (jitsi.clone(), jitsi.clone());
    let handle = app.clone();
    // Opened blank, so WebRTC is switched on before the call page is loaded.
    let blank: Url = "about:blank".parse().expect("a valid address");
    let builder = WebviewWindowBuilder::new(app, label, WebviewUrl::External(blank))
        .title(title)
        .inner_size(1100.0, 720.0)
        .on_navigation(move |to| {
            if to.as_str() == "about:blank" {
                return true;
            }
            if to.as_str() == WITHOUT_VIDEO {
                handle.state::<Calls>().mark_without_video(appointment);
                return false;
            }
            let allowed = navigation.may_navigate(to.scheme(), &host_and_port(to));
            if !allowed {
                tracing::warn!(url = %to, "the call window may not go there");
            }
            allowed
        })
        .on_new_window(|to, _| {
            tracing::warn!(url = %to, "the call window may not open windows");
            NewWindowResponse::Deny
        })
        .on_permission_request(move |webview, kind| {
            let on_jitsi = webview
                .url()
                .is_ok_and(|u| permissions.may_navigate(u.scheme(), &host_and_port(&u)));
            match kind {
                PermissionKind::Camera | PermissionKind::Microphone if on_jitsi => {
                    PermissionResponse::Allow
                }
                _ => PermissionResponse::Deny,
            }
        })
        .on_page_load(|window, payload| {
            if payload.event() == PageLoadEvent::Finished {
                let _ = window.eval(VIDEO_CHECK);
            }
        });
    let window = builder.build().map_err(|e| {
        IpcError::new(
            ErrorCode::Internal,
            format!("The call window could not be opened: {e}"),
        )
    })?;
    #[cfg(target_os = "linux")]
    {
        let _ = window.with_webview(|platform| {
            use webkit2gtk::{SettingsExt, WebViewExt};
            if let Some(settings) = platform.inner().settings() {
                settings.set_enable_webrtc(true);
                settings.set_enable_media_stream(true);
                tracing::info!(
                    webrtc = settings.enables_webrtc(),
                    media_stream = settings.enables_media_stream(),
                    "call window: video settings"
                );
            }
        });
    }
    window.navigate(url).map_err(|e| {
        IpcError::new(
            ErrorCode::Internal,
            format!("The call window could not load the call: {e}"),
        )
    })?;
    Ok(())
}

/// Open the call in the system's browser (the token expires shortly after the slot) — only an
/// address on the video server this desk trusts: never hand the operating system's opener
/// anything else (a `file:` or another program's scheme).
pub fn open_in_browser(access: &MeetingAccess, jitsi: &JitsiServer) -> Result<(), IpcError> {
    if !jitsi.may_open(&access.url) {
        return Err(IpcError::new(
            ErrorCode::Forbidden,
            "The call address is not on the clinic's video server, so it does not open.",
        ));
    }
    open::that_detached(&access.url).map_err(|e| {
        IpcError::new(
            ErrorCode::Internal,
            format!("The browser could not be started: {e}"),
        )
    })
}
