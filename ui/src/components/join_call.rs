//! "Join call" on a video appointment: opens the call in its own window of the app (the desk asks
//! the server, which decides who may join and when). If that window finds no video support on
//! this computer, the system's browser is offered instead.

use clinic_core::appointment::{AppointmentRecord, Status};
use clinic_core::availability::ConsultationType;
use clinic_core::consent::{ConsentForm, ConsentPurpose};
use clinic_core::ipc::{
    AppointmentArgs, CallOpened, IpcError, JoinCallArgs, Language, RecordConsentArgs,
};
use clinic_core::wire::ErrorCode;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::format::{clock, zone};
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
    pub patient: clinic_core::PatientId,
    pub language: Language,
    pub time_zone: AttrValue,
    /// The patient build: the patient agrees themself; staff note how the patient agreed.
    #[prop_or_default]
    pub as_patient: bool,
}

#[component]
pub fn JoinCall(props: &JoinCallProps) -> Html {
    let lang = props.language;
    let opened = use_state(|| None::<CallOpened>);
    let without_video = use_state(|| false);
    let error = use_state(|| None::<IpcError>);
    let busy = use_state(|| false);
    // The server asked for the patient's consent first.
    let consent_needed = use_state(|| false);
    // The desk asks the user, the first time, to allow the clinic's video server (this host) the
    // camera and microphone.
    let media_host = use_state(|| None::<String>);
    let note = use_state(String::new);
    let consent_error = use_state(|| None::<IpcError>);
    let join = {
        let (opened, without_video, error, busy, consent_needed, media_host, appointment) = (
            opened.clone(),
            without_video.clone(),
            error.clone(),
            busy.clone(),
            consent_needed.clone(),
            media_host.clone(),
            props.appointment,
        );
        move |in_browser: bool, allow_media: bool| {
            let (opened, without_video, error, busy, consent_needed, media_host) = (
                opened.clone(),
                without_video.clone(),
                error.clone(),
                busy.clone(),
                consent_needed.clone(),
                media_host.clone(),
            );
            Callback::from(move |_: ()| {
                if *busy {
                    return;
                }
                busy.set(true);
                error.set(None);
                let (opened, without_video, error, busy, consent_needed, media_host) = (
                    opened.clone(),
                    without_video.clone(),
                    error.clone(),
                    busy.clone(),
                    consent_needed.clone(),
                    media_host.clone(),
                );
                spawn_local(async move {
                    match backend::join_call(JoinCallArgs {
                        appointment,
                        in_browser,
                        allow_media,
                    })
                    .await
                    {
                        Ok(done) => {
                            media_host.set(None);
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
                        Err(e) if e.code == ErrorCode::ConsentRequired => {
                            consent_needed.set(true);
                            busy.set(false);
                        }
                        Err(e) if e.code == ErrorCode::MediaPermissionNeeded => {
                            media_host.set(Some(e.message));
                            busy.set(false);
                        }
                        Err(e) => {
                            error.set(Some(e));
                            busy.set(false);
                        }
                    }
                });
            })
        }
    };
    // Record the consent, then join.
    let agree = {
        let (consent_needed, consent_error, note, join_now, patient, as_patient) = (
            consent_needed.clone(),
            consent_error.clone(),
            note.clone(),
            join(false, false),
            props.patient,
            props.as_patient,
        );
        move |_| {
            let (consent_needed, consent_error, join_now) = (
                consent_needed.clone(),
                consent_error.clone(),
                join_now.clone(),
            );
            let form = ConsentForm {
                purpose: ConsentPurpose::VideoConsultation,
                note: (!as_patient).then(|| (*note).clone()),
            };
            spawn_local(async move {
                match backend::record_consent(RecordConsentArgs { patient, form }).await {
                    Ok(_) => {
                        consent_error.set(None);
                        consent_needed.set(false);
                        join_now.emit(());
                    }
                    Err(e) => consent_error.set(Some(e)),
                }
            });
        }
    };
    let note_error = consent_error
        .as_ref()
        .and_then(|e| e.fields.iter().find(|f| f.field == "note"))
        .map(|f| crate::i18n::field_message(lang, f));
    let tz = zone(&props.time_zone);
    html! {
        <span class="join-call-box">
            <button type="button" class="primary join-call" disabled={*busy}
                    onclick={{ let join = join(false, false); move |_| join.emit(()) }}>
                { text(lang, "call-join") }
            </button>
            if let Some(host) = &*media_host {
                <span class="call-media" role="alert">
                    <span class="media-text">{ text_with(lang, "call-media-ask", &[("host", host.clone().into())]) }</span>
                    <button type="button" class="primary allow-media"
                            onclick={{ let join = join(false, true); move |_| join.emit(()) }}>
                        { text(lang, "call-media-allow") }
                    </button>
                    <button type="button" class="secondary deny-media"
                            onclick={{ let media_host = media_host.clone(); move |_| media_host.set(None) }}>
                        { text(lang, "call-media-not-now") }
                    </button>
                </span>
            }
            if let Some(done) = &*opened {
                <span class="call-state" role="status">
                    { text_with(lang, if done.opened_in == "window" { "call-opened" } else { "call-opened-browser" },
                        &[("until", clock(tz, done.open_until).into())]) }
                </span>
            }
            if *without_video {
                <span class="call-without-video" role="alert">
                    { text(lang, "call-without-video") }
                    <button type="button" class="secondary open-in-browser"
                            onclick={{ let join = join(true, false); move |_| join.emit(()) }}>
                        { text(lang, "call-open-in-browser") }
                    </button>
                </span>
            }
            if *consent_needed {
                <span class="call-consent" role="alert">
                    if props.as_patient {
                        <span class="consent-text">{ text(lang, "consent-video-patient") }</span>
                        <button type="button" class="primary give-consent" onclick={agree}>
                            { text(lang, "consent-agree-and-join") }
                        </button>
                    } else {
                        <span class="consent-text">{ text(lang, "consent-video-staff") }</span>
                        <input type="text" class="consent-note" aria-label={text(lang, "consent-note")}
                               placeholder={text(lang, "consent-note")} value={(*note).clone()}
                               oninput={{ let note = note.clone(); move |e: InputEvent| {
                                   let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                                   note.set(input.value());
                               } }} />
                        <button type="button" class="secondary record-consent" onclick={agree}>
                            { text(lang, "consent-record-and-join") }
                        </button>
                    }
                    if let Some(message) = note_error {
                        <small class="field-error">{ message }</small>
                    }
                </span>
            }
            <ErrorBanner error={(*error).clone().or_else(|| (*consent_error).clone().filter(|e| e.fields.is_empty()))} language={lang} />
        </span>
    }
}
