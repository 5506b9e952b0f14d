use clinic_core::wire::ErrorCode;
use yew::prelude::*;

use crate::backend;
use crate::components::TextField;
use crate::hooks::{use_sign_out, use_submission};
use crate::i18n::{error_message, text, text_with};
use crate::state::{AppModel, Msg};

/// The locked screen: the signed-in user's name and a password field; nothing of the clinic's.
#[component]
pub fn Locked() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let password = use_state(String::new);
    let submission = use_submission();
    let name = model
        .account
        .as_ref()
        .map(|a| a.display_name.clone())
        .unwrap_or_default();

    let onsubmit = {
        let (model, password, submission) = (model.clone(), password.clone(), submission.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (model, typed, field) = (model.clone(), (*password).clone(), password.clone());
            let work = async move {
                let answer = backend::unlock(typed).await;
                field.set(String::new());
                answer
            };
            submission.run(work, move |()| model.dispatch(Msg::Unlocked));
        })
    };
    let sign_out = use_sign_out();
    let error = submission.error().map(|e| {
        if e.code == ErrorCode::InvalidCredentials {
            text(lang, "error-unlock")
        } else {
            error_message(lang, &e)
        }
    });
    let oninput = {
        let password = password.clone();
        Callback::from(move |v: String| password.set(v))
    };
    html! {
        <section class="card narrow" id="locked">
            <h1>{ text(lang, "locked-title") }</h1>
            <p class="intro">{ text_with(lang, "locked-intro", &[("name", name.into())]) }</p>
            if let Some(error) = error {
                <p class="banner error" role="alert" id="form-error">{ error }</p>
            }
            <form {onsubmit} novalidate=true>
                <TextField name="password" kind="password" label={text(lang, "password")} value={(*password).clone()}
                           {oninput} autocomplete="current-password" autofocus=true required=true
                           errors={submission.fields()} language={lang} />
                <button id="unlock" type="submit" class="primary" disabled={submission.busy()}>
                    { text(lang, if submission.busy() { "unlocking" } else { "unlock" }) }
                </button>
            </form>
            <button id="locked-sign-out" type="button" class="link-button" onclick={sign_out}>{ text(lang, "sign-out") }</button>
        </section>
    }
}
