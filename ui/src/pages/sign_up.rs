use clinic_core::account::{DemographicsForm, SignUpForm};
use clinic_core::ipc::IpcError;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::profile::DemographicsFields;
use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::i18n::text;
use crate::state::{AppModel, Msg};

/// The patient build's self sign-up.
#[component]
pub fn SignUp() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let demographics = use_state(DemographicsForm::default);
    let busy = use_state(|| false);
    let error = use_state(|| None::<IpcError>);

    let onsubmit = {
        let (model, email, password, demographics, busy, error) = (
            model.clone(),
            email.clone(),
            password.clone(),
            demographics.clone(),
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
            let form = SignUpForm {
                email: (*email).clone(),
                password: (*password).clone(),
                demographics: (*demographics).clone(),
            };
            let (model, busy, error) = (model.clone(), busy.clone(), error.clone());
            spawn_local(async move {
                match backend::sign_up(form).await {
                    Ok(account) => model.dispatch(Msg::SignedIn(account)),
                    Err(e) => error.set(Some(e)),
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
    let on_demographics = {
        let demographics = demographics.clone();
        Callback::from(move |d: DemographicsForm| demographics.set(d))
    };
    let to_sign_in = {
        let model = model.clone();
        Callback::from(move |_| model.dispatch(Msg::ShowSignIn))
    };

    html! {
        <section class="card" id="sign-up">
            <h1>{ text(lang, "sign-up-title") }</h1>
            <ErrorBanner error={(*error).clone()} language={lang} />
            <form {onsubmit} novalidate=true class="two-columns">
                <TextField name="email" kind="email" label={text(lang, "email")} value={(*email).clone()}
                           oninput={set(email.clone())} autocomplete="email" autofocus=true required=true
                           errors={fields.clone()} language={lang} />
                <TextField name="password" kind="password" label={text(lang, "password")} value={(*password).clone()}
                           oninput={set(password.clone())} autocomplete="new-password" required=true
                           hint={text(lang, "password-hint")} errors={fields.clone()} language={lang} />
                <DemographicsFields value={(*demographics).clone()} onchange={on_demographics} errors={fields} language={lang} />
                <div class="actions">
                    <button id="sign-up-submit" type="submit" class="primary" disabled={*busy}>
                        { text(lang, if *busy { "creating-account" } else { "create-account" }) }
                    </button>
                    <button id="to-sign-in" type="button" class="link-button" onclick={to_sign_in}>{ text(lang, "to-sign-in") }</button>
                </div>
            </form>
        </section>
    }
}
