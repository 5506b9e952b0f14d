use std::cell::Cell;
use std::rc::Rc;

use clinic_core::ipc::{Edition, Language, Theme};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::hooks::use_sign_out;
use crate::i18n::{text, text_with};
use crate::state::{AppModel, Msg};

const CHECK_EVERY_MS: u32 = 5_000;

/// The bar on every screen: the app, the connection, who is signed in, language, theme, sign out.
#[component]
pub fn StatusBar() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();

    {
        let model = model.clone();
        use_effect_with((), move |_| {
            let alive = Rc::new(Cell::new(true));
            let still = alive.clone();
            spawn_local(async move {
                while still.get() {
                    if let Ok(status) = backend::connection_status().await {
                        if still.get() {
                            model.dispatch(Msg::Connection(status));
                        }
                    }
                    gloo_timers::future::TimeoutFuture::new(CHECK_EVERY_MS).await;
                }
            });
            move || alive.set(false)
        });
    }
    // A sign-in brings the clinic's settings (its time zone): ask again at once rather than at
    // the next check, so times are never shown on the wrong clock.
    {
        let model = model.clone();
        let account = model.account.as_ref().map(|a| a.id);
        use_effect_with(account, move |account| {
            if account.is_some() {
                spawn_local(async move {
                    if let Ok(status) = backend::connection_status().await {
                        model.dispatch(Msg::Connection(status));
                    }
                });
            }
        });
    }

    let switch_language = {
        let model = model.clone();
        Callback::from(move |_| {
            let next = match model.language() {
                Language::English => Language::Bangla,
                Language::Bangla => Language::English,
            };
            model.dispatch(Msg::Language(next));
            spawn_local(async move {
                let _ = backend::set_language(next).await;
            });
        })
    };
    let switch_theme = {
        let model = model.clone();
        Callback::from(move |_| {
            let next = match model.preferences.theme {
                Theme::Light => Theme::Dark,
                Theme::Dark => Theme::Light,
            };
            model.dispatch(Msg::Theme(next));
            spawn_local(async move {
                let _ = backend::set_theme(next).await;
            });
        })
    };
    let sign_out = use_sign_out();

    let (connection_class, connection_text) = match &model.connection {
        None => ("checking", text(lang, "status-checking")),
        Some(c) if c.online => ("online", text(lang, "status-online")),
        Some(_) => ("offline", text(lang, "status-offline")),
    };
    let server = model
        .startup
        .as_ref()
        .map(|s| s.server_url.clone())
        .unwrap_or_default();
    let app_name = match model.edition() {
        Edition::Staff => text(lang, "app-name"),
        Edition::Patient => text(lang, "app-name-patient"),
    };
    let theme_label = match model.preferences.theme {
        Theme::Light => text(lang, "theme-dark"),
        Theme::Dark => text(lang, "theme-light"),
    };

    let offline = model.connection.as_ref().is_some_and(|c| !c.online) && model.account.is_some();
    let certificate = model
        .connection
        .as_ref()
        .and_then(|c| c.server_certificate.clone());
    let changed_to = model
        .connection
        .as_ref()
        .and_then(|c| c.certificate_changed_to.clone());
    let plain_http_refused = model
        .connection
        .as_ref()
        .is_some_and(|c| c.plain_http_refused);
    html! {
        <>
        <header class="status-bar">
            <span class="app-name">{ app_name }</span>
            <span id="connection" class={classes!("connection", connection_class)}
                  title={text_with(lang, "status-server", &[("url", server.into())])}
                  role="status" aria-live="polite">
                <span class="dot" aria-hidden="true"></span>{ connection_text }
            </span>
            { sync_state(lang, model.connection.as_ref()) }
            <span class="spacer"></span>
            if let Some(account) = &model.account {
                <span id="who" class="who">
                    <span id="who-name">{ account.display_name.clone() }</span>
                    <span id="who-role" class="role-badge">{ text(lang, &format!("role-{}", account.role.as_str())) }</span>
                </span>
            }
            <button id="language-switch" type="button" class="link-button" lang={if lang == Language::English {"bn"} else {"en"}}
                    aria-label={text(lang, "language-switch-label")} onclick={switch_language}>
                { text(lang, "language-switch") }
            </button>
            <button id="theme-switch" type="button" class="link-button" onclick={switch_theme}>{ theme_label }</button>
            if model.account.is_some() {
                <button id="sign-out" type="button" class="secondary" onclick={sign_out}>{ text(lang, "sign-out") }</button>
            }
        </header>
        if let Some(now) = changed_to {
            <p class="banner error" id="certificate-changed" role="alert">
                { text_with(lang, "certificate-changed", &[
                    ("trusted", certificate.clone().unwrap_or_else(|| text(lang, "certificate-authority")).into()),
                    ("now", now.into()),
                ]) }
            </p>
        } else if plain_http_refused {
            <p class="banner error" id="plain-http-refused" role="alert">{ text(lang, "plain-http-refused") }</p>
        } else if offline {
            <p class="banner offline" id="offline-banner" role="status">{ text(lang, "offline-banner") }</p>
        }
        if let (Some(print), None) = (&certificate, &model.account) {
            <p class="banner info" id="server-certificate" role="status">
                { text_with(lang, "certificate-pinned", &[("fingerprint", print.clone().into())]) }
            </p>
        }
        </>
    }
}

/// Pending changes, refusals and the last sync, beside the connection.
fn sync_state(lang: Language, connection: Option<&clinic_core::ipc::ConnectionStatus>) -> Html {
    let Some(c) = connection else {
        return html! {};
    };
    let last = c.last_synced_at.map(|t| {
        // This computer's local time, as the clinic reads a clock.
        let local = js_sys::Date::new(&(t.timestamp_millis() as f64).into());
        format!("{:02}:{:02}", local.get_hours(), local.get_minutes())
    });
    let label = if c.pending_changes > 0 {
        text_with(lang, "sync-pending", &[("count", c.pending_changes.into())])
    } else {
        match last {
            Some(at) => text_with(lang, "sync-done", &[("at", at.into())]),
            None => return html! {},
        }
    };
    html! {
        <span id="sync-state" class={classes!("sync-state", (c.pending_changes > 0).then_some("pending"))}
              data-pending={c.pending_changes.to_string()} role="status">
            { label }
            if c.rejected_changes > 0 {
                <span id="sync-rejected" class="rejected-count">
                    { text_with(lang, "sync-rejected", &[("count", c.rejected_changes.into())]) }
                </span>
            }
        </span>
    }
}
