//! The doctor's own profile and working pattern: what the directory shows (specialty, fees,
//! languages, bio) and how the availability engine offers their time (hours per weekday with
//! breaks, slot lengths, buffer, daily cap, leave). Hours are typed the way they are said:
//! `09:00-13:00 break 11:00-11:15; 17:00-20:00`. Saving needs the server (it checks again and
//! tells every desk); what is shown is read from this desk's copy, so it opens offline.

use clinic_core::account::{FieldError, FieldProblem};
use clinic_core::availability::{Leave, WorkingPattern};
use clinic_core::doctor::{DoctorProfile, DoctorRecord, Fees, Verification, LANGUAGES};
use clinic_core::ipc::DoctorProfileForm;
use clinic_core::working_hours::{format_day, parse_day};
use clinic_core::UserId;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::doctor_files::DoctorFilesSection;
use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::hooks::use_submission;
use crate::i18n::{field_message, text, text_with};
use crate::state::AppModel;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The form as typed: numbers and hours stay text until saved, so a half-typed value is kept.
#[derive(Clone, PartialEq, Default)]
struct Draft {
    display_name: String,
    specialty: String,
    qualifications: String,
    registration_number: String,
    experience_years: String,
    city: String,
    languages: Vec<String>,
    fee_in_person: String,
    fee_video: String,
    bio: String,
    weekly: [String; 7],
    in_person_minutes: String,
    video_minutes: String,
    buffer_minutes: String,
    daily_cap: String,
    leave: Vec<Leave>,
    /// Kept as they are: one-off days are not edited here.
    exceptions: Vec<clinic_core::availability::DayException>,
}

impl Draft {
    fn of(record: &DoctorRecord, break_word: &str) -> Self {
        let (p, w) = (&record.profile, &record.pattern);
        Self {
            display_name: p.display_name.clone(),
            specialty: p.specialty.clone(),
            qualifications: p.qualifications.clone(),
            registration_number: p.registration_number.clone(),
            experience_years: p.experience_years.to_string(),
            city: p.city.clone(),
            languages: p.languages.clone(),
            fee_in_person: p.fees.in_person.to_string(),
            fee_video: p.fees.video.to_string(),
            bio: p.bio.clone(),
            weekly: std::array::from_fn(|i| format_day(&w.weekly[i], break_word)),
            in_person_minutes: w.in_person_minutes.to_string(),
            video_minutes: w.video_minutes.to_string(),
            buffer_minutes: w.buffer_minutes.to_string(),
            daily_cap: w.daily_cap.map(|c| c.to_string()).unwrap_or_default(),
            leave: w.leave.clone(),
            exceptions: w.exceptions.clone(),
        }
    }

    fn new_doctor(name: &str) -> Self {
        Self {
            display_name: name.to_owned(),
            experience_years: "0".into(),
            fee_in_person: "0".into(),
            fee_video: "0".into(),
            in_person_minutes: "15".into(),
            video_minutes: "15".into(),
            buffer_minutes: "0".into(),
            ..Self::default()
        }
    }

    /// The form to send, or the fields that cannot be read as typed.
    fn form(&self, doctor: UserId) -> Result<DoctorProfileForm, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut number = |field: &str, text: &str, max: u32| -> u32 {
            match text.trim().parse::<u32>() {
                Ok(n) if n <= max => n,
                _ => {
                    problems.push(FieldError::new(
                        field,
                        FieldProblem::OutOfRange {
                            min: 0,
                            max: max.into(),
                        },
                    ));
                    0
                }
            }
        };
        let experience_years = number("experience_years", &self.experience_years, 80);
        let fees = Fees {
            in_person: number("fee_in_person", &self.fee_in_person, 1_000_000),
            video: number("fee_video", &self.fee_video, 1_000_000),
        };
        let in_person_minutes = number("in_person_minutes", &self.in_person_minutes, 240);
        let video_minutes = number("video_minutes", &self.video_minutes, 240);
        let buffer_minutes = number("buffer_minutes", &self.buffer_minutes, 120);
        let daily_cap = match self.daily_cap.trim() {
            "" => None,
            cap => Some(number("daily_cap", cap, 500)),
        };
        let mut weekly: [Vec<clinic_core::availability::Session>; 7] = Default::default();
        for (i, text) in self.weekly.iter().enumerate() {
            match parse_day(text) {
                Ok(sessions) => weekly[i] = sessions,
                Err(problem) => problems.push(FieldError::new(
                    &format!("weekly-{i}"),
                    problem.field_problem(),
                )),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(DoctorProfileForm {
            profile: DoctorProfile {
                display_name: self.display_name.trim().to_owned(),
                specialty: self.specialty.trim().to_owned(),
                qualifications: self.qualifications.trim().to_owned(),
                registration_number: self.registration_number.trim().to_owned(),
                experience_years: experience_years as u16,
                city: self.city.trim().to_owned(),
                languages: self.languages.clone(),
                fees,
                bio: self.bio.trim().to_owned(),
            },
            pattern: WorkingPattern {
                doctor,
                weekly,
                in_person_minutes,
                video_minutes,
                buffer_minutes,
                daily_cap,
                leave: self.leave.clone(),
                exceptions: self.exceptions.clone(),
            },
        })
    }
}

#[derive(Properties, PartialEq)]
pub struct DoctorProfileEditorProps {
    pub doctor: UserId,
    pub name: AttrValue,
}

#[component]
pub fn DoctorProfileEditor(props: &DoctorProfileEditorProps) -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let break_word = text(lang, "hours-break");
    let record = use_state(|| None::<DoctorRecord>);
    let draft = use_state(|| None::<Draft>);
    let open = use_state(|| false);
    let saved = use_state(|| false);
    let local = use_state(Vec::<FieldError>::new);
    let leave_from = use_state(String::new);
    let leave_to = use_state(String::new);
    let submission = use_submission();
    {
        let (record, draft, name, break_word) = (
            record.clone(),
            draft.clone(),
            props.name.to_string(),
            break_word.clone(),
        );
        use_effect_with(*open, move |&open| {
            if open {
                spawn_local(async move {
                    if let Ok(found) = backend::my_doctor_profile().await {
                        draft.set(Some(match &found {
                            Some(r) => Draft::of(r, &break_word),
                            None => Draft::new_doctor(&name),
                        }));
                        record.set(found);
                    }
                });
            }
        });
    }
    let status = match record.as_ref().map(|r| &r.verification) {
        Some(Verification::Verified) => html! {
            <span class="verified" id="my-verification">{ text(lang, "verified") }</span>
        },
        Some(Verification::Rejected { reason }) => html! {
            <span class="unverified" id="my-verification">
                { text_with(lang, "verification-rejected", &[("reason", reason.clone().into())]) }
            </span>
        },
        _ => html! {
            <span class="unverified" id="my-verification">{ text(lang, "verification-pending") }</span>
        },
    };
    let toggle = {
        let (open, saved) = (open.clone(), saved.clone());
        Callback::from(move |_| {
            saved.set(false);
            open.set(!*open);
        })
    };
    let head = html! {
        <div class="day-head">
            <h2>{ text(lang, "my-profile-title") }</h2>
            <span class="day-actions">
                <button type="button" class="secondary" id="edit-my-profile" onclick={toggle}>
                    { text(lang, if *open { "my-profile-close" } else { "my-profile-open" }) }
                </button>
            </span>
        </div>
    };
    let saved_banner = html! {
        if *saved {
            <p class="banner ok" role="status" id="my-profile-saved">{ text(lang, "my-profile-saved") }</p>
        }
    };
    let Some(current) = (*draft).clone().filter(|_| *open) else {
        return html! { <section class="card" id="my-profile">{ head }{ saved_banner }</section> };
    };
    let edit = |apply: fn(&mut Draft, String)| {
        let draft = draft.clone();
        Callback::from(move |v: String| {
            if let Some(mut next) = (*draft).clone() {
                apply(&mut next, v);
                draft.set(Some(next));
            }
        })
    };
    let onsubmit = {
        let (draft, record, saved, local, submission, doctor, break_word) = (
            draft.clone(),
            record.clone(),
            saved.clone(),
            local.clone(),
            submission.clone(),
            props.doctor,
            break_word.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            saved.set(false);
            let Some(current) = (*draft).clone() else {
                return;
            };
            match current.form(doctor) {
                Err(problems) => local.set(problems),
                Ok(form) => {
                    local.set(Vec::new());
                    let (draft, record, saved, break_word) = (
                        draft.clone(),
                        record.clone(),
                        saved.clone(),
                        break_word.clone(),
                    );
                    submission.run(backend::save_doctor_profile(form), move |done| {
                        draft.set(Some(Draft::of(&done, &break_word)));
                        record.set(Some(done));
                        saved.set(true);
                    });
                }
            }
        })
    };
    let mut errors = (*local).clone();
    errors.extend(submission.fields());
    let message = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| field_message(lang, e))
    };
    let toggle_language = |code: &'static str| {
        let draft = draft.clone();
        move |_| {
            if let Some(mut next) = (*draft).clone() {
                if next.languages.iter().any(|l| l == code) {
                    next.languages.retain(|l| l != code);
                } else {
                    next.languages.push(code.to_owned());
                }
                draft.set(Some(next));
            }
        }
    };
    let add_leave = {
        let (draft, leave_from, leave_to, local) = (
            draft.clone(),
            leave_from.clone(),
            leave_to.clone(),
            local.clone(),
        );
        move |_| {
            let parse = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            let (Some(first_day), Some(last_day)) = (parse(&leave_from), parse(&leave_to)) else {
                local.set(vec![FieldError::new("leave", FieldProblem::NotADate)]);
                return;
            };
            if last_day < first_day {
                local.set(vec![FieldError::new(
                    "leave",
                    FieldProblem::EndsBeforeItStarts,
                )]);
                return;
            }
            if let Some(mut next) = (*draft).clone() {
                next.leave.push(Leave {
                    first_day,
                    last_day,
                });
                next.leave.sort_by_key(|l| l.first_day);
                draft.set(Some(next));
                local.set(Vec::new());
                leave_from.set(String::new());
                leave_to.set(String::new());
            }
        }
    };
    let date_input = |id: &'static str, state: &UseStateHandle<String>| {
        let state = state.clone();
        html! {
            <input id={id} type="date" value={(*state).clone()}
                   onchange={move |e: Event| {
                       let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                       state.set(input.value());
                   }} />
        }
    };
    html! {
        <section class="card" id="my-profile">
            { head }
            <p class="intro">
                { text(lang, "my-profile-verification") }{ " " }{ status }
            </p>
            <ErrorBanner error={submission.error()} language={lang} />
            { saved_banner }
            <DoctorFilesSection doctor={props.doctor} editable=true />
            <form {onsubmit} novalidate=true class="doctor-profile">
                <h3>{ text(lang, "my-profile-directory") }</h3>
                <div class="columns">
                    <TextField name="display_name" label={text(lang, "doctor-display-name")} value={current.display_name.clone()}
                               oninput={edit(|d, v| d.display_name = v)} errors={errors.clone()} language={lang} autofocus=true />
                    <TextField name="specialty" label={text(lang, "column-specialty")} value={current.specialty.clone()}
                               oninput={edit(|d, v| d.specialty = v)} errors={errors.clone()} language={lang} />
                    <TextField name="qualifications" label={text(lang, "doctor-qualifications")} value={current.qualifications.clone()}
                               oninput={edit(|d, v| d.qualifications = v)} errors={errors.clone()} language={lang} />
                    <TextField name="registration_number" label={text(lang, "doctor-registration")} value={current.registration_number.clone()}
                               hint={text(lang, "doctor-registration-hint")}
                               oninput={edit(|d, v| d.registration_number = v)} errors={errors.clone()} language={lang} />
                    <TextField name="experience_years" label={text(lang, "doctor-experience")} value={current.experience_years.clone()} kind="number"
                               oninput={edit(|d, v| d.experience_years = v)} errors={errors.clone()} language={lang} />
                    <TextField name="city" label={text(lang, "doctor-city")} value={current.city.clone()}
                               oninput={edit(|d, v| d.city = v)} errors={errors.clone()} language={lang} />
                    <TextField name="fee_in_person" label={text(lang, "doctor-fee-in-person")} value={current.fee_in_person.clone()} kind="number"
                               oninput={edit(|d, v| d.fee_in_person = v)} errors={errors.clone()} language={lang} />
                    <TextField name="fee_video" label={text(lang, "doctor-fee-video")} value={current.fee_video.clone()} kind="number"
                               oninput={edit(|d, v| d.fee_video = v)} errors={errors.clone()} language={lang} />
                </div>
                <fieldset class="languages" id="languages">
                    <legend>{ text(lang, "doctor-languages") }</legend>
                    for code in LANGUAGES {
                        <label class="check">
                            <input type="checkbox" id={format!("language-{code}")}
                                   checked={current.languages.iter().any(|l| l == code)}
                                   onchange={toggle_language(code)} />
                            { text(lang, &format!("language-{code}")) }
                        </label>
                    }
                    if let Some(m) = message("languages") { <p class="field-error">{ m }</p> }
                </fieldset>
                <div class="field">
                    <label for="bio">{ text(lang, "doctor-bio") }</label>
                    <textarea id="bio" rows="3" value={current.bio.clone()}
                              oninput={{ let set = edit(|d, v| d.bio = v);
                                         move |e: InputEvent| set.emit(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()) }} />
                    if let Some(m) = message("bio") { <p class="field-error">{ m }</p> }
                </div>

                <h3>{ text(lang, "my-profile-hours") }</h3>
                <p class="hint" id="hours-hint">{ text(lang, "hours-hint") }</p>
                if let Some(m) = message("hours") { <p class="field-error" role="alert">{ m }</p> }
                <div class="weekly-hours">
                    for (i, day) in WEEKDAYS.iter().enumerate() {
                        <TextField name={format!("weekly-{i}")} label={text(lang, &format!("weekday-{day}"))}
                                   value={current.weekly[i].clone()} errors={errors.clone()} language={lang}
                                   oninput={{ let draft = draft.clone(); Callback::from(move |v: String| {
                                       if let Some(mut next) = (*draft).clone() { next.weekly[i] = v; draft.set(Some(next)); }
                                   }) }} />
                    }
                </div>
                <div class="columns">
                    <TextField name="in_person_minutes" label={text(lang, "doctor-in-person-minutes")} value={current.in_person_minutes.clone()} kind="number"
                               oninput={edit(|d, v| d.in_person_minutes = v)} errors={errors.clone()} language={lang} />
                    <TextField name="video_minutes" label={text(lang, "doctor-video-minutes")} value={current.video_minutes.clone()} kind="number"
                               oninput={edit(|d, v| d.video_minutes = v)} errors={errors.clone()} language={lang} />
                    <TextField name="buffer_minutes" label={text(lang, "doctor-buffer-minutes")} value={current.buffer_minutes.clone()} kind="number"
                               oninput={edit(|d, v| d.buffer_minutes = v)} errors={errors.clone()} language={lang} />
                    <TextField name="daily_cap" label={text(lang, "doctor-daily-cap")} value={current.daily_cap.clone()} kind="number"
                               hint={text(lang, "doctor-daily-cap-hint")}
                               oninput={edit(|d, v| d.daily_cap = v)} errors={errors.clone()} language={lang} />
                </div>

                <h3>{ text(lang, "my-profile-leave") }</h3>
                <ul class="leave" id="leave-list">
                    for (i, l) in current.leave.iter().enumerate() {
                        <li>
                            { format!("{} – {}", crate::format::date(l.first_day), crate::format::date(l.last_day)) }
                            <button type="button" class="link-button" id={format!("remove-leave-{i}")}
                                    onclick={{ let draft = draft.clone(); move |_| {
                                        if let Some(mut next) = (*draft).clone() { next.leave.remove(i); draft.set(Some(next)); }
                                    } }}>
                                { text(lang, "leave-remove") }
                            </button>
                        </li>
                    }
                    if current.leave.is_empty() { <li class="empty">{ text(lang, "leave-none") }</li> }
                </ul>
                <div class="leave-add">
                    <label for="leave-from">{ text(lang, "leave-from") }</label>
                    { date_input("leave-from", &leave_from) }
                    <label for="leave-to">{ text(lang, "leave-to") }</label>
                    { date_input("leave-to", &leave_to) }
                    <button type="button" class="secondary" id="add-leave" onclick={add_leave}>{ text(lang, "leave-add") }</button>
                </div>
                if let Some(m) = message("leave") { <p class="field-error" id="leave-error" role="alert">{ m }</p> }
                <div class="actions">
                    <button id="my-profile-save" type="submit" class="primary" disabled={submission.busy()}>
                        { text(lang, if submission.busy() { "saving" } else { "save" }) }
                    </button>
                </div>
            </form>
        </section>
    }
}
