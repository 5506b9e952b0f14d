mod home;
mod new_staff;
mod profile;
mod sign_in;
mod sign_up;

use clinic_core::ipc::Language;
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

    let lang = model.language();
    let screen = match model.screen {
        Screen::Loading => html! { <p class="loading">{ text(lang, "loading") }</p> },
        Screen::SignIn => html! { <sign_in::SignIn /> },
        Screen::SignUp => html! { <sign_up::SignUp /> },
        Screen::Home => html! { <home::Home /> },
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
