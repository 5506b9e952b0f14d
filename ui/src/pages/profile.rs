use clinic_core::account::{DemographicsForm, FieldError, Sex};
use clinic_core::ipc::Language;
use clinic_core::wire::PatientProfileView;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::hooks::use_submission;
use crate::i18n::{text, text_with};

#[derive(Properties, PartialEq)]
pub struct DemographicsFieldsProps {
    pub value: DemographicsForm,
    pub onchange: Callback<DemographicsForm>,
    pub errors: Vec<FieldError>,
    pub language: Language,
    /// Focus the name when the form appears.
    #[prop_or_default]
    pub autofocus: bool,
}

/// Name, sex, birth date, phone, address and emergency contact: shared by sign-up and profile.
#[component]
pub fn DemographicsFields(props: &DemographicsFieldsProps) -> Html {
    let lang = props.language;
    let edit = |apply: fn(&mut DemographicsForm, String)| {
        let (value, onchange) = (props.value.clone(), props.onchange.clone());
        Callback::from(move |v: String| {
            let mut next = value.clone();
            apply(&mut next, v);
            onchange.emit(next);
        })
    };
    let on_sex = {
        let (value, onchange) = (props.value.clone(), props.onchange.clone());
        Callback::from(move |e: Event| {
            let mut next = value.clone();
            next.sex = match e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .as_str()
            {
                "female" => Some(Sex::Female),
                "male" => Some(Sex::Male),
                "other" => Some(Sex::Other),
                _ => None,
            };
            onchange.emit(next);
        })
    };
    let v = &props.value;
    let shown = |o: &Option<String>| AttrValue::from(o.clone().unwrap_or_default());
    let sex = match v.sex {
        Some(Sex::Female) => "female",
        Some(Sex::Male) => "male",
        Some(Sex::Other) => "other",
        None => "",
    };
    html! {
        <>
            <TextField name="full_name" label={text(lang, "full-name")} value={v.full_name.clone()}
                       oninput={edit(|f, s| f.full_name = s)} autocomplete="name" required=true
                       autofocus={props.autofocus}
                       errors={props.errors.clone()} language={lang} />
            <div class="field">
                <label for="sex">{ text(lang, "sex") }</label>
                <select id="sex" name="sex" onchange={on_sex}>
                    <option value="" selected={sex.is_empty()}>{ text(lang, "sex-unset") }</option>
                    <option value="female" selected={sex == "female"}>{ text(lang, "sex-female") }</option>
                    <option value="male" selected={sex == "male"}>{ text(lang, "sex-male") }</option>
                    <option value="other" selected={sex == "other"}>{ text(lang, "sex-other") }</option>
                </select>
            </div>
            <TextField name="date_of_birth" label={text(lang, "date-of-birth")} value={shown(&v.date_of_birth)}
                       oninput={edit(|f, s| f.date_of_birth = Some(s).filter(|s| !s.trim().is_empty()))}
                       hint={text(lang, "date-hint")} errors={props.errors.clone()} language={lang} />
            <TextField name="phone" kind="tel" label={text(lang, "phone")} value={shown(&v.phone)}
                       oninput={edit(|f, s| f.phone = Some(s).filter(|s| !s.trim().is_empty()))} autocomplete="tel"
                       errors={props.errors.clone()} language={lang} />
            <TextField name="address" label={text(lang, "address")} value={shown(&v.address)}
                       oninput={edit(|f, s| f.address = Some(s).filter(|s| !s.trim().is_empty()))} autocomplete="street-address"
                       errors={props.errors.clone()} language={lang} />
            <TextField name="emergency_contact" label={text(lang, "emergency-contact")} value={shown(&v.emergency_contact)}
                       oninput={edit(|f, s| f.emergency_contact = Some(s).filter(|s| !s.trim().is_empty()))}
                       errors={props.errors.clone()} language={lang} />
        </>
    }
}

fn form_of(p: &PatientProfileView) -> DemographicsForm {
    DemographicsForm {
        full_name: p.full_name.clone(),
        sex: p.sex,
        date_of_birth: p.date_of_birth.map(|d| d.to_string()),
        phone: p.phone.clone(),
        email: None,
        address: p.address.clone(),
        emergency_contact: p.emergency_contact.clone(),
    }
}

#[derive(Properties, PartialEq)]
pub struct ProfileProps {
    pub profile: PatientProfileView,
    pub language: Language,
}

/// The patient's own profile, editable.
#[component]
pub fn Profile(props: &ProfileProps) -> Html {
    let lang = props.language;
    let form = use_state(|| form_of(&props.profile));
    let saved = use_state(|| false);
    let submission = use_submission();
    let onsubmit = {
        let (form, saved, submission) = (form.clone(), saved.clone(), submission.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            saved.set(false);
            let (form, saved) = (form.clone(), saved.clone());
            submission.run(
                backend::update_my_profile((*form).clone()),
                move |profile| {
                    form.set(form_of(&profile));
                    saved.set(true);
                },
            );
        })
    };
    let onchange = {
        let form = form.clone();
        Callback::from(move |d: DemographicsForm| form.set(d))
    };
    let fields = submission.fields();
    html! {
        <section class="card" id="profile">
            <h2>{ text(lang, "profile-title") }</h2>
            if let Some(number) = &props.profile.patient_number {
                <p class="patient-number" id="my-patient-number">
                    { text_with(lang, "profile-patient-number", &[("number", number.clone().into())]) }
                </p>
            }
            <ErrorBanner error={submission.error()} language={lang} />
            if *saved { <p class="banner ok" role="status" id="profile-saved">{ text(lang, "saved") }</p> }
            <form {onsubmit} novalidate=true class="two-columns">
                <DemographicsFields value={(*form).clone()} {onchange} errors={fields} language={lang} />
                <div class="actions">
                    <button id="profile-save" type="submit" class="primary" disabled={submission.busy()}>
                        { text(lang, if submission.busy() { "saving" } else { "save" }) }
                    </button>
                </div>
            </form>
        </section>
    }
}
