//! "Join call" on a video appointment: opens the call in its own window of the app (the desk asks
//! the server, which decides who may join and when). If that window finds no video support on
//! this computer, the system's browser is offered instead.

use clinic_core::appointment::{AppointmentRecord, Status};
use clinic_core::availability::ConsultationType;
use clinic_core::ipc::{AppointmentArgs, CallOpened, IpcError, JoinCallArgs, Language};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::appointments::{clock, zone};
use crate::backend;
use crate::components::ErrorBanner;
use crate::i18n::{text, text_with};

/// Whether an appointment has a call that may be open (the server has the last word on when).
pub fn has_call(appointment: &AppointmentRecord) -> bool {
    appointment.consultation == ConsultationType::Video
        && matches!(
            appointment.status,
            Status::Confirmed | Status::CheckedIn | Status::InConsultation
        )
}

#[derive(Properties, PartialEq)]
pub struct JoinCallProps {
    pub appointment: clinic_core::AppointmentId,
    pub language: Language,
    pub time_zone: AttrValue,
}

#[component]
pub fn JoinCall(props: &JoinCallProps) -> Html {
    let lang = props.language;
    let opened = use_state(|| None::<CallOpened>);
    let without_video = use_state(|| false);
    let error = use_state(|| None::<IpcError>);
    let busy = use_state(|| false);
    let join = {
        let (opened, without_video, error, busy, appointment) = (
            opened.clone(),
            without_video.clone(),
            error.clone(),
            busy.clone(),
            props.appointment,
        );
        move |in_browser: bool| {
            let (opened, without_video, error, busy) = (
                opened.clone(),
                without_video.clone(),
                error.clone(),
                busy.clone(),
            );
            move |_| {
                if *busy {
                    return;
                }
                busy.set(true);
                error.set(None);
                let (opened, without_video, error, busy) = (
                    opened.clone(),
                    without_video.clone(),
                    error.clone(),
                    busy.clone(),
                );
                spawn_local(async move {
                    match backend::join_call(JoinCallArgs {
                        appointment,
                        in_browser,
                    })
                    .await
                    {
                        Ok(done) => {
                            let in_window = done.opened_in == "window";
                            opened.set(Some(done));
                            busy.set(false);
                            // The window checks for video a moment after the call page loads.
                            for _ in 0..(if in_window { 20 } else { 0 }) {
                                gloo_timers::future::TimeoutFuture::new(500).await;
                                if let Ok(status) =
                                    backend::call_status(AppointmentArgs { appointment }).await
                                {
                                    if status.without_video {
                                        without_video.set(true);
                                        break;
                                    }
                                }
                            }
                        }
                        Err(e) => {
                            error.set(Some(e));
                            busy.set(false);
                        }
                    }
                });
            }
        }
    };
    let tz = zone(&props.time_zone);
    html! {
        <span class="join-call-box">
            <button type="button" class="primary join-call" disabled={*busy} onclick={join(false)}>
                { text(lang, "call-join") }
            </button>
            if let Some(done) = &*opened {
                <span class="call-state" role="status">
                    { text_with(lang, if done.opened_in == "window" { "call-opened" } else { "call-opened-browser" },
                        &[("until", clock(tz, done.open_until).into())]) }
                </span>
            }
            if *without_video {
                <span class="call-without-video" role="alert">
                    { text(lang, "call-without-video") }
                    <button type="button" class="secondary open-in-browser" onclick={join(true)}>
                        { text(lang, "call-open-in-browser") }
                    </button>
                </span>
            }
            <ErrorBanner error={(*error).clone()} language={lang} />
        </span>
    }
}
