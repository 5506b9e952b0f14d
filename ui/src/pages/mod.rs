mod appointments;
mod audit;
mod billing;
mod consultation;
mod directory;
mod doctor_files;
mod doctor_profile;
mod home;
mod lock;
mod new_staff;
mod patient_booking;
mod prescription;
mod profile;
mod registry;
mod sign_in;
mod sign_up;
mod takings;
mod verification;

use std::cell::Cell;
use std::rc::Rc;

use clinic_core::ipc::Language;
use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::StatusBar;
use crate::i18n::text;
use crate::state::{AppModel, Msg, Screen};

/// The root: holds the state, asks the desk for its startup facts, and shows one screen.
#[component]
pub fn App() -> Html {
    let model = use_reducer(AppModel::default);

    {
        let model = model.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(startup) = backend::startup().await {
                    model.dispatch(Msg::Started(startup));
                }
            });
        });
    }

    // The document follows the language (for fonts and screen readers) and the theme.
    {
        let prefs = model.preferences;
        use_effect_with(prefs, move |prefs| {
            if let Some(root) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = root.set_attribute("lang", prefs.language.code());
                let _ = root.set_attribute("data-theme", prefs.theme.code());
            }
        });
    }

    // A sign-in brings the clinic's rules (the idle-lock time) from the server: pick them up.
    {
        let model = model.clone();
        let signed_in = model.account.as_ref().map(|a| a.id);
        use_effect_with(signed_in, move |signed_in| {
            if signed_in.is_some() {
                spawn_local(async move {
                    if let Ok(startup) = backend::startup().await {
                        model.dispatch(Msg::LockAfter(startup.lock_after_seconds));
                    }
                });
            }
        });
    }

    // Lock after the clinic's idle time: any key press, click or mouse movement counts as activity.
    {
        let model = model.clone();
        let lock_after_ms = model
            .startup
            .as_ref()
            .map(|s| s.lock_after_seconds)
            .unwrap_or(600) as f64
            * 1000.0;
        use_effect_with((model.screen, lock_after_ms as u64), move |&(screen, _)| {
            let watching = screen == Screen::Home;
            let last_activity = Rc::new(Cell::new(js_sys::Date::now()));
            let mut listeners = Vec::new();
            if let Some(document) = web_sys::window()
                .and_then(|w| w.document())
                .filter(|_| watching)
            {
                for event in ["keydown", "mousedown", "mousemove", "wheel", "touchstart"] {
                    let last = last_activity.clone();
                    listeners.push(EventListener::new(&document, event, move |_| {
                        last.set(js_sys::Date::now())
                    }));
                }
            }
            let alive = Rc::new(Cell::new(watching));
            let still = alive.clone();
            spawn_local(async move {
                while still.get() {
                    gloo_timers::future::TimeoutFuture::new(1_000).await;
                    if still.get() && js_sys::Date::now() - last_activity.get() >= lock_after_ms {
                        still.set(false);
                        if backend::lock().await.is_ok() {
                            model.dispatch(Msg::Locked);
                        }
                    }
                }
            });
            move || {
                alive.set(false);
                drop(listeners);
            }
        });
    }

    let lang = model.language();
    let screen = match model.screen {
        Screen::Loading => html! { <p class="loading">{ text(lang, "loading") }</p> },
        Screen::SignIn => html! { <sign_in::SignIn /> },
        Screen::SignUp => html! { <sign_up::SignUp /> },
        Screen::Home => html! { <home::Home /> },
        Screen::Locked => html! { <lock::Locked /> },
        Screen::StoreProblem => {
            let problem = model.startup.as_ref().and_then(|s| s.store_problem.clone());
            html! {
                <section class="card narrow" id="store-problem">
                    <h1>{ text(lang, "store-problem-title") }</h1>
                    <p class="intro">{ text(lang, "store-problem-help") }</p>
                    <p role="alert" class="detail" lang="en">{ problem.map(|p| p.message).unwrap_or_default() }</p>
                </section>
            }
        }
    };
    html! {
        <ContextProvider<UseReducerHandle<AppModel>> context={model.clone()}>
            <StatusBar />
            <main id="screen" data-screen={format!("{:?}", model.screen)} lang={(lang == Language::Bangla).then_some("bn")}>
                { screen }
            </main>
        </ContextProvider<UseReducerHandle<AppModel>>>
    }
}
