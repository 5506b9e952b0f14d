//! An appointment's conversation between its doctor and its patient. Read from this device's
//! copy (so it opens offline) and refreshed every second while open; a message written here is
//! shown at once, marked as waiting until the server has it. Enter sends; Shift+Enter starts a
//! new line.

use std::cell::Cell;
use std::rc::Rc;

use clinic_core::ipc::{AppointmentArgs, Conversation, IpcError, Language, SendMessageArgs};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::appointments::{clock, zone};
use crate::backend;
use crate::components::ErrorBanner;
use crate::i18n::{field_message, text};

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
                        <span class="body">{ m.body.clone() }</span>
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
            if let Some(m) = field_error { <small class="field-error" id="chat-error" role="alert">{ m }</small> }
            <ErrorBanner error={(*error).clone().filter(|e| e.fields.is_empty())} language={lang} />
        </div>
    }
}
