use clinic_core::account::StaffAccountForm;
use clinic_core::ipc::Language;
use clinic_core::wire::AccountView;
use clinic_core::Role;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::hooks::use_submission;
use crate::i18n::{text, text_with};

#[derive(Properties, PartialEq)]
pub struct NewStaffProps {
    pub language: Language,
    pub on_created: Callback<AccountView>,
}

/// An admin makes an account for a doctor, a front-desk colleague or another admin.
#[component]
pub fn NewStaffAccount(props: &NewStaffProps) -> Html {
    let lang = props.language;
    let form = use_state(|| StaffAccountForm {
        role: Role::FrontDesk.as_str().to_owned(),
        ..Default::default()
    });
    let created = use_state(|| None::<String>);
    let submission = use_submission();

    let onsubmit = {
        let (form, created, submission, on_created) = (
            form.clone(),
            created.clone(),
            submission.clone(),
            props.on_created.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            created.set(None);
            let (form, created, on_created) = (form.clone(), created.clone(), on_created.clone());
            submission.run(
                backend::create_staff_account((*form).clone()),
                move |account| {
                    created.set(Some(account.display_name.clone()));
                    form.set(StaffAccountForm {
                        role: account.role.as_str().to_owned(),
                        ..Default::default()
                    });
                    on_created.emit(account);
                },
            );
        })
    };
    let edit = |apply: fn(&mut StaffAccountForm, String)| {
        let form = form.clone();
        Callback::from(move |v: String| {
            let mut next = (*form).clone();
            apply(&mut next, v);
            form.set(next);
        })
    };
    let on_role = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut next = (*form).clone();
            next.role = e.target_unchecked_into::<HtmlSelectElement>().value();
            form.set(next);
        })
    };
    let fields = submission.fields();
    html! {
        <section class="card" id="new-staff">
            <h2>{ text(lang, "new-staff-title") }</h2>
            <p class="intro">{ text(lang, "new-staff-intro") }</p>
            <ErrorBanner error={submission.error()} language={lang} />
            if let Some(name) = &*created {
                <p class="banner ok" role="status" id="staff-created">{ text_with(lang, "staff-created", &[("name", name.clone().into())]) }</p>
            }
            <form {onsubmit} novalidate=true class="two-columns">
                <TextField name="display_name" label={text(lang, "display-name")} value={form.display_name.clone()}
                           oninput={edit(|f, v| f.display_name = v)} required=true errors={fields.clone()} language={lang} />
                <TextField name="email" label={text(lang, "email")} value={form.email.clone()}
                           oninput={edit(|f, v| f.email = v)} kind="email" required=true
                           errors={fields.clone()} language={lang} />
                <div class="field">
                    <label for="role">{ text(lang, "role") }</label>
                    <select id="role" name="role" onchange={on_role}>
                        for role in [Role::FrontDesk, Role::Doctor, Role::Admin] {
                            <option value={role.as_str()} selected={form.role == role.as_str()}>
                                { text(lang, &format!("role-{}", role.as_str())) }
                            </option>
                        }
                    </select>
                </div>
                <TextField name="password" kind="password" label={text(lang, "initial-password")} value={form.password.clone()}
                           oninput={edit(|f, v| f.password = v)} autocomplete="new-password" required=true
                           hint={text(lang, "initial-password-hint")} errors={fields} language={lang} />
                <div class="actions">
                    <button id="create-staff" type="submit" class="primary" disabled={submission.busy()}>{ text(lang, "create-staff") }</button>
                </div>
            </form>
        </section>
    }
}
