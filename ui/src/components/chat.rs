//! An appointment's conversation between its doctor and its patient. Read from this device's
//! copy (so it opens offline) and refreshed every second while open; a message written here is
//! shown at once, marked as waiting until the server has it. Enter sends; Shift+Enter starts a
//! new line.

use std::cell::Cell;
use std::rc::Rc;

use clinic_core::chat::ATTACHMENT_RULE;
use clinic_core::ipc::{
    AppointmentArgs, AttachmentArgs, Conversation, IpcError, Language, SendMessageArgs,
};
use clinic_core::wire::ErrorCode;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::format::{clock, size_label, zone};
use crate::i18n::{field_message, text, text_with};

#[derive(Properties, PartialEq)]
pub struct ChatProps {
    pub appointment: clinic_core::AppointmentId,
    pub language: Language,
    pub time_zone: AttrValue,
    /// Shown as a Close button when given.
    #[prop_or_default]
    pub on_close: Option<Callback<()>>,
}

#[component]
pub fn ChatPanel(props: &ChatProps) -> Html {
    let lang = props.language;
    let tz = zone(&props.time_zone);
    let conversation = use_state(|| None::<Conversation>);
    let draft = use_state(String::new);
    let error = use_state(|| None::<IpcError>);
    let file_error = use_state(|| None::<String>);
    // A file waiting for the patient's consent to the clinic keeping it.
    let waiting_file = use_state(|| None::<Vec<u8>>);
    // Where the last opened file was saved.
    let saved = use_state(|| None::<String>);
    {
        let (conversation, appointment) = (conversation.clone(), props.appointment);
        use_effect_with(appointment, move |_| {
            let open = Rc::new(Cell::new(true));
            let running = open.clone();
            spawn_local(async move {
                while running.get() {
                    if let Ok(found) = backend::conversation(AppointmentArgs { appointment }).await
                    {
                        if conversation.as_ref() != Some(&found) {
                            conversation.set(Some(found));
                        }
                    }
                    gloo_timers::future::TimeoutFuture::new(1000).await;
                }
            });
            move || open.set(false)
        });
    }
    let send = {
        let (conversation, draft, error, appointment) = (
            conversation.clone(),
            draft.clone(),
            error.clone(),
            props.appointment,
        );
        Callback::from(move |_: ()| {
            let body = (*draft).clone();
            let (conversation, draft, error) = (conversation.clone(), draft.clone(), error.clone());
            spawn_local(async move {
                match backend::send_message(SendMessageArgs { appointment, body }).await {
                    Ok(found) => {
                        conversation.set(Some(found));
                        draft.set(String::new());
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    // A file: size said before it is read; content checked by the desk and the server. When the
    // patient has not agreed to the clinic keeping files, the file waits here for the consent.
    let send_file = {
        let (conversation, error, file_error, waiting, appointment) = (
            conversation.clone(),
            error.clone(),
            file_error.clone(),
            waiting_file.clone(),
            props.appointment,
        );
        Callback::from(move |bytes: Vec<u8>| {
            let (conversation, error, file_error, waiting) = (
                conversation.clone(),
                error.clone(),
                file_error.clone(),
                waiting.clone(),
            );
            spawn_local(async move {
                match backend::send_attachment(appointment, &bytes).await {
                    Ok(found) => {
                        conversation.set(Some(found));
                        waiting.set(None);
                        error.set(None);
                        file_error.set(None);
                    }
                    Err(e) if e.code == ErrorCode::ConsentRequired => waiting.set(Some(bytes)),
                    Err(e) if e.code == ErrorCode::ServerUnreachable => {
                        file_error.set(Some(text(lang, "chat-file-offline")));
                    }
                    Err(e) => match e.fields.iter().find(|f| f.field == "file") {
                        Some(f) => file_error.set(Some(field_message(lang, f))),
                        None => error.set(Some(e)),
                    },
                }
            });
        })
    };
    let attach =
        super::file_pick::on_pick(ATTACHMENT_RULE, lang, send_file.clone(), file_error.clone());
    let agreed = {
        let (waiting, send_file) = (waiting_file.clone(), send_file.clone());
        Callback::from(move |()| {
            if let Some(bytes) = (*waiting).clone() {
                send_file.emit(bytes);
            }
        })
    };
    let open_file = {
        let (saved, error) = (saved.clone(), error.clone());
        move |attachment| {
            let (saved, error) = (saved.clone(), error.clone());
            Callback::from(move |_: MouseEvent| {
                let (saved, error) = (saved.clone(), error.clone());
                spawn_local(async move {
                    match backend::open_attachment(AttachmentArgs { attachment }).await {
                        Ok(done) => saved.set(Some(done.path)),
                        Err(e) => error.set(Some(e)),
                    }
                });
            })
        }
    };
    let as_patient = conversation.as_ref().is_some_and(|c| c.as_patient);
    let onkeydown = {
        let send = send.clone();
        move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() {
                e.prevent_default();
                send.emit(());
            }
        }
    };
    let field_error = error
        .as_ref()
        .and_then(|e| e.fields.iter().find(|f| f.field == "body"))
        .map(|f| field_message(lang, f));
    let me = conversation.as_ref().map(|c| c.me);
    let list = conversation
        .as_ref()
        .map(|c| c.messages.clone())
        .unwrap_or_default();
    html! {
        <div class="chat" id="chat">
            <div class="chat-head">
                <h4>{ text(lang, "chat-title") }</h4>
                if let Some(on_close) = props.on_close.clone() {
                    <button type="button" class="link-button" id="chat-close" onclick={move |_| on_close.emit(())}>
                        { text(lang, "chat-close") }
                    </button>
                }
            </div>
            <ol class="messages" id="messages" aria-live="polite">
                if list.is_empty() {
                    <li class="empty">{ text(lang, "chat-empty") }</li>
                }
                for m in list.iter() {
                    <li class={classes!("message", (Some(m.from) == me).then_some("mine"), m.received_at.is_none().then_some("waiting"))}>
                        if Some(m.from) != me && m.from_role == clinic_core::Role::FrontDesk {
                            <span class="sender">{ text(lang, "chat-from-desk") }</span>
                        }
                        if !m.body.is_empty() { <span class="body">{ m.body.clone() }</span> }
                        if let Some(file) = &m.attachment {
                            <span class="attachment">
                                <span class="file-kind">{ file.kind.as_str().to_uppercase() }</span>
                                <span class="file-name">{ file.file_name.clone() }</span>
                                <span class="file-size">{ size_label(file.size) }</span>
                                <button type="button" class="link-button attachment-open"
                                        onclick={open_file(file.id)}>
                                    { text(lang, "chat-save-file") }
                                </button>
                            </span>
                        }
                        <span class="meta">
                            { clock(tz, m.sent_at) }
                            if m.received_at.is_none() { { format!(" · {}", text(lang, "chat-waiting")) } }
                        </span>
                    </li>
                }
            </ol>
            <div class="chat-write">
                <textarea id="chat-input" rows="2" aria-label={text(lang, "chat-write")}
                          placeholder={text(lang, "chat-write")} value={(*draft).clone()} {onkeydown}
                          oninput={{ let draft = draft.clone(); move |e: InputEvent| {
                              draft.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value());
                          } }} />
                <button type="button" class="primary" id="chat-send"
                        onclick={{ let send = send.clone(); move |_| send.emit(()) }}>
                    { text(lang, "chat-send") }
                </button>
            </div>
            <label class="chat-attach">
                <span>{ text(lang, "chat-attach") }</span>
                <input type="file" id="chat-attach" accept="application/pdf,image/jpeg,image/png"
                       onchange={attach} />
            </label>
            if let Some(m) = &*file_error { <small class="field-error" id="chat-file-error" role="alert">{ m.clone() }</small> }
            if let (true, Some(patient)) = (waiting_file.is_some(), conversation.as_ref().and_then(|c| c.patient)) {
                <div class="chat-consent" id="chat-consent">
                    <super::consent::RecordsConsent {patient} {as_patient} language={lang} on_agreed={agreed} />
                </div>
            }
            if let Some(path) = &*saved {
                <p class="banner ok" role="status" id="chat-file-saved">
                    { text_with(lang, "chat-file-saved", &[("path", path.clone().into())]) }
                </p>
            }
            if let Some(m) = field_error { <small class="field-error" id="chat-error" role="alert">{ m }</small> }
            <ErrorBanner error={(*error).clone().filter(|e| e.fields.is_empty())} language={lang} />
        </div>
    }
}
