use clinic_core::ipc::Edition;
use yew::prelude::*;

use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::hooks::use_submission;
use crate::i18n::text;
use crate::state::{AppModel, Msg};

#[component]
pub fn SignIn() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let submission = use_submission();

    let onsubmit = {
        let (model, email, password, submission) = (
            model.clone(),
            email.clone(),
            password.clone(),
            submission.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (address, secret, password) =
                ((*email).clone(), (*password).clone(), password.clone());
            let model = model.clone();
            let work = async move {
                let answer = backend::sign_in(address, secret).await;
                if answer.is_err() {
                    password.set(String::new());
                }
                answer
            };
            submission.run(work, move |account| model.dispatch(Msg::SignedIn(account)));
        })
    };
    let set = |state: UseStateHandle<String>| Callback::from(move |v: String| state.set(v));
    let fields = submission.fields();
    let patient = model.edition() == Edition::Patient;
    let to_sign_up = {
        let model = model.clone();
        Callback::from(move |_| model.dispatch(Msg::ShowSignUp))
    };

    html! {
        <section class="card narrow" id="sign-in">
            <h1>{ text(lang, "sign-in-title") }</h1>
            <p class="intro">{ text(lang, if patient { "sign-in-intro-patient" } else { "sign-in-intro" }) }</p>
            <ErrorBanner error={submission.error()} language={lang} />
            <form {onsubmit} novalidate=true>
                <TextField name="email" kind="email" label={text(lang, "email")} value={(*email).clone()}
                           oninput={set(email.clone())} autocomplete="username" autofocus=true required=true
                           errors={fields.clone()} language={lang} />
                <TextField name="password" kind="password" label={text(lang, "password")} value={(*password).clone()}
                           oninput={set(password.clone())} autocomplete="current-password" required=true
                           errors={fields} language={lang} />
                <button id="sign-in-submit" type="submit" class="primary" disabled={submission.busy()}>
                    { text(lang, if submission.busy() { "signing-in" } else { "sign-in" }) }
                </button>
            </form>
            if patient {
                <button id="to-sign-up" type="button" class="link-button" onclick={to_sign_up}>{ text(lang, "to-sign-up") }</button>
            }
        </section>
    }
}
