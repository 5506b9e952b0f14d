use clinic_core::ipc::{Edition, IpcError};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::i18n::text;
use crate::state::{AppModel, Msg};

#[component]
pub fn SignIn() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<IpcError>);

    let onsubmit = {
        let (model, email, password, busy, error) = (
            model.clone(),
            email.clone(),
            password.clone(),
            busy.clone(),
            error.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let (model, busy, error, password) =
                (model.clone(), busy.clone(), error.clone(), password.clone());
            let address = (*email).clone();
            let secret = (*password).clone();
            spawn_local(async move {
                match backend::sign_in(address, secret).await {
                    Ok(account) => model.dispatch(Msg::SignedIn(account)),
                    Err(e) => {
                        password.set(String::new());
                        error.set(Some(e));
                    }
                }
                busy.set(false);
            });
        })
    };
    let set = |state: UseStateHandle<String>| Callback::from(move |v: String| state.set(v));
    let fields = (*error)
        .as_ref()
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    let patient = model.edition() == Edition::Patient;
    let to_sign_up = {
        let model = model.clone();
        Callback::from(move |_| model.dispatch(Msg::ShowSignUp))
    };

    html! {
        <section class="card narrow" id="sign-in">
            <h1>{ text(lang, "sign-in-title") }</h1>
            <p class="intro">{ text(lang, if patient { "sign-in-intro-patient" } else { "sign-in-intro" }) }</p>
            <ErrorBanner error={(*error).clone()} language={lang} />
            <form {onsubmit} novalidate=true>
                <TextField name="email" kind="email" label={text(lang, "email")} value={(*email).clone()}
                           oninput={set(email.clone())} autocomplete="username" autofocus=true required=true
                           errors={fields.clone()} language={lang} />
                <TextField name="password" kind="password" label={text(lang, "password")} value={(*password).clone()}
                           oninput={set(password.clone())} autocomplete="current-password" required=true
                           errors={fields} language={lang} />
                <button id="sign-in-submit" type="submit" class="primary" disabled={*busy}>
                    { text(lang, if *busy { "signing-in" } else { "sign-in" }) }
                </button>
            </form>
            if patient {
                <button id="to-sign-up" type="button" class="link-button" onclick={to_sign_up}>{ text(lang, "to-sign-up") }</button>
            }
        </section>
    }
}
