use clinic_core::account::{DemographicsForm, SignUpForm};
use yew::prelude::*;

use super::profile::DemographicsFields;
use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::hooks::use_submission;
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
    let submission = use_submission();

    let onsubmit = {
        let (model, email, password, demographics, submission) = (
            model.clone(),
            email.clone(),
            password.clone(),
            demographics.clone(),
            submission.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let form = SignUpForm {
                email: (*email).clone(),
                password: (*password).clone(),
                demographics: (*demographics).clone(),
            };
            let model = model.clone();
            submission.run(backend::sign_up(form), move |account| {
                model.dispatch(Msg::SignedIn(account))
            });
        })
    };
    let set = |state: UseStateHandle<String>| Callback::from(move |v: String| state.set(v));
    let fields = submission.fields();
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
            <ErrorBanner error={submission.error()} language={lang} />
            <form {onsubmit} novalidate=true class="two-columns">
                <TextField name="email" kind="email" label={text(lang, "email")} value={(*email).clone()}
                           oninput={set(email.clone())} autocomplete="email" autofocus=true required=true
                           errors={fields.clone()} language={lang} />
                <TextField name="password" kind="password" label={text(lang, "password")} value={(*password).clone()}
                           oninput={set(password.clone())} autocomplete="new-password" required=true
                           hint={text(lang, "password-hint")} errors={fields.clone()} language={lang} />
                <DemographicsFields value={(*demographics).clone()} onchange={on_demographics} errors={fields} language={lang} />
                <div class="actions">
                    <button id="sign-up-submit" type="submit" class="primary" disabled={submission.busy()}>
                        { text(lang, if submission.busy() { "creating-account" } else { "create-account" }) }
                    </button>
                    <button id="to-sign-in" type="button" class="link-button" onclick={to_sign_in}>{ text(lang, "to-sign-in") }</button>
                </div>
            </form>
        </section>
    }
}
