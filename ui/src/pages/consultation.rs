//! The doctor's consultation screen: who the patient is and their earlier consultations on the
//! left; SOAP notes and vitals on the right, saved as a draft while the consultation runs and,
//! once it is completed, changed only by amendments with a reason; join the call; complete.
//! Keyboard: Tab through the form, Alt+S saves, Esc goes back to the day.

use clinic_core::account::{FieldError, FieldProblem};
use clinic_core::appointment::{Status, Step};
use clinic_core::availability::ConsultationType;
use clinic_core::consultation::{show_tenths, tenths, ConsultationNote, Vitals};
use clinic_core::ipc::{
    AppointmentArgs, AppointmentView, ConsultationSummary, IpcError, NoteForm, NoteView,
    SaveNoteArgs, StepArgs,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::format::{day_and_clock, zone};
use crate::hooks::use_submission;
use crate::i18n::status_label;
use crate::i18n::{field_message, text, text_with};
use crate::state::AppModel;

/// The form as typed.
#[derive(Clone, Default, PartialEq)]
struct Draft {
    subjective: String,
    objective: String,
    assessment: String,
    plan: String,
    systolic: String,
    diastolic: String,
    pulse: String,
    temperature: String,
    weight: String,
    spo2: String,
}

impl Draft {
    fn of(note: &ConsultationNote) -> Self {
        let v = note.vitals;
        let n = |x: Option<u16>| x.map(|x| x.to_string()).unwrap_or_default();
        Self {
            subjective: note.subjective.clone(),
            objective: note.objective.clone(),
            assessment: note.assessment.clone(),
            plan: note.plan.clone(),
            systolic: n(v.systolic_mmhg),
            diastolic: n(v.diastolic_mmhg),
            pulse: n(v.pulse_bpm),
            temperature: v
                .temperature_decidegrees_c
                .map(|t| show_tenths(t.into()))
                .unwrap_or_default(),
            weight: v.weight_decikilograms.map(show_tenths).unwrap_or_default(),
            spo2: v.spo2_percent.map(|s| s.to_string()).unwrap_or_default(),
        }
    }

    /// The note, or the vitals that cannot be read as numbers.
    fn note(&self) -> Result<ConsultationNote, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut whole = |field: &str, text: &str| -> Option<u32> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            match text.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push(FieldError::new(field, FieldProblem::InvalidCharacters));
                    None
                }
            }
        };
        let systolic = whole("systolic_mmhg", &self.systolic);
        let diastolic = whole("diastolic_mmhg", &self.diastolic);
        let pulse = whole("pulse_bpm", &self.pulse);
        let spo2 = whole("spo2_percent", &self.spo2);
        let mut decimal = |field: &str, text: &str| -> Option<u32> {
            if text.trim().is_empty() {
                return None;
            }
            let read = tenths(text);
            if read.is_none() {
                problems.push(FieldError::new(field, FieldProblem::InvalidCharacters));
            }
            read
        };
        let temperature = decimal("temperature_decidegrees_c", &self.temperature);
        let weight = decimal("weight_decikilograms", &self.weight);
        if !problems.is_empty() {
            return Err(problems);
        }
        let small = |x: Option<u32>| x.map(|x| u16::try_from(x).unwrap_or(u16::MAX));
        Ok(ConsultationNote {
            subjective: self.subjective.trim().to_owned(),
            objective: self.objective.trim().to_owned(),
            assessment: self.assessment.trim().to_owned(),
            plan: self.plan.trim().to_owned(),
            vitals: Vitals {
                systolic_mmhg: small(systolic),
                diastolic_mmhg: small(diastolic),
                pulse_bpm: small(pulse),
                temperature_decidegrees_c: small(temperature),
                weight_decikilograms: weight,
                spo2_percent: spo2.map(|s| u8::try_from(s).unwrap_or(u8::MAX)),
            },
        })
    }
}

#[derive(Properties, PartialEq)]
pub struct ConsultationProps {
    pub view: AppointmentView,
    pub time_zone: AttrValue,
    pub on_close: Callback<()>,
    pub on_changed: Callback<()>,
}

#[component]
pub fn ConsultationScreen(props: &ConsultationProps) -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let tz = zone(&props.time_zone);
    let a = props.view.appointment.clone();
    let note = use_state(|| None::<NoteView>);
    let draft = use_state(Draft::default);
    let reason = use_state(String::new);
    let local = use_state(Vec::<FieldError>::new);
    let saved = use_state(|| false);
    let history = use_state(|| None::<Result<Vec<ConsultationSummary>, IpcError>>);
    let reloads = use_state(|| 0_u32);
    let showing_chart = use_state(|| false);
    let submission = use_submission();
    {
        let (note, draft, id) = (note.clone(), draft.clone(), a.id);
        use_effect_with(*reloads, move |_| {
            spawn_local(async move {
                if let Ok(found) =
                    backend::consultation_note(AppointmentArgs { appointment: id }).await
                {
                    if let Some(record) = &found.record {
                        draft.set(Draft::of(record.current()));
                    }
                    note.set(Some(found));
                }
            });
        });
    }
    {
        let (history, patient) = (history.clone(), a.patient);
        use_effect_with(*reloads, move |_| {
            spawn_local(async move {
                history.set(Some(backend::patient_history(patient).await));
            });
        });
    }
    let locked = note.as_ref().is_some_and(|n| n.locked);
    let save = {
        let (draft, reason, local, saved, submission, note, id) = (
            draft.clone(),
            reason.clone(),
            local.clone(),
            saved.clone(),
            submission.clone(),
            note.clone(),
            a.id,
        );
        Callback::from(move |_: ()| {
            saved.set(false);
            match draft.note() {
                Err(problems) => local.set(problems),
                Ok(written) => {
                    local.set(Vec::new());
                    let form = NoteForm {
                        note: written,
                        reason: locked.then(|| (*reason).clone()),
                    };
                    let (note, saved, reason) = (note.clone(), saved.clone(), reason.clone());
                    submission.run(
                        backend::save_note(SaveNoteArgs {
                            appointment: id,
                            form,
                        }),
                        move |view| {
                            note.set(Some(view));
                            saved.set(true);
                            reason.set(String::new());
                        },
                    );
                }
            }
        })
    };
    let complete = {
        let (submission, reloads, on_changed, id) = (
            submission.clone(),
            reloads.clone(),
            props.on_changed.clone(),
            a.id,
        );
        move |_| {
            let (reloads, on_changed) = (reloads.clone(), on_changed.clone());
            submission.run(
                backend::step_appointment(StepArgs {
                    appointment: id,
                    step: Step::Complete,
                    reason: None,
                }),
                move |_| {
                    // Wait for the step to reach the server before the note is read again (a
                    // busy desk or server may take longer than a moment: ask until it has).
                    spawn_local(async move {
                        for _ in 0..15 {
                            gloo_timers::future::TimeoutFuture::new(1000).await;
                            let note =
                                backend::consultation_note(AppointmentArgs { appointment: id })
                                    .await;
                            if note.is_ok_and(|n| n.status == Status::Completed) {
                                break;
                            }
                        }
                        reloads.set(*reloads + 1);
                        on_changed.emit(());
                    });
                },
            );
        }
    };
    let onkeydown = {
        let (save, on_close) = (save.clone(), props.on_close.clone());
        move |e: KeyboardEvent| {
            if e.alt_key() && e.key().eq_ignore_ascii_case("s") {
                e.prevent_default();
                save.emit(());
            } else if e.key() == "Escape" {
                on_close.emit(());
            }
        }
    };
    let mut errors = (*local).clone();
    errors.extend(submission.fields());
    let message = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| field_message(lang, e))
    };
    let area = |id: &'static str, value: &str, set: fn(&mut Draft, String)| {
        let draft = draft.clone();
        html! {
            <div class="field">
                <label for={id}>{ text(lang, &format!("note-{id}")) }</label>
                <textarea id={id} rows="3" value={value.to_owned()}
                          oninput={move |e: InputEvent| {
                              let mut next = (*draft).clone();
                              set(&mut next, e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value());
                              draft.set(next);
                          }} />
                if let Some(m) = message(id) { <small class="field-error" role="alert">{ m }</small> }
            </div>
        }
    };
    let vital = |id: &'static str,
                 field: &'static str,
                 value: &str,
                 set: fn(&mut Draft, String)| {
        let draft = draft.clone();
        html! {
            <div class={classes!("field", "vital", message(field).is_some().then_some("has-error"))}>
                <label for={id}>{ text(lang, &format!("vital-{id}")) }</label>
                <input id={id} inputmode="decimal" value={value.to_owned()}
                       oninput={move |e: InputEvent| {
                           let mut next = (*draft).clone();
                           set(&mut next, e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                           draft.set(next);
                       }} />
                if let Some(m) = message(field) { <small class="field-error" id={format!("{field}-error")} role="alert">{ m }</small> }
            </div>
        }
    };
    let d = (*draft).clone();
    let kind = match a.consultation {
        ConsultationType::InPerson => "consultation-in_person",
        ConsultationType::Video => "consultation-video",
    };
    html! {
        <section class="consultation" id="consultation" {onkeydown}>
            <div class="day-head">
                <h3>
                    { text_with(lang, "consultation-title", &[("patient", props.view.patient_name.clone().into())]) }
                    <span class="number">{ format!(" · {}", props.view.patient_number) }</span>
                </h3>
                <span class="day-actions">
                    if crate::components::join_call::has_call(&a) {
                        <crate::components::join_call::JoinCall appointment={a.id} patient={a.patient} language={lang}
                                               time_zone={props.time_zone.clone()} />
                    }
                    if a.status == Status::InConsultation {
                        <button type="button" class="primary" id="complete-consultation" onclick={complete}>
                            { text(lang, "step-complete") }
                        </button>
                    }
                    <button type="button" class="secondary" id="open-chart" aria-pressed={showing_chart.to_string()}
                            onclick={{ let showing_chart = showing_chart.clone(); move |_| showing_chart.set(!*showing_chart) }}>
                        { text(lang, "chart-title") }
                    </button>
                    <button type="button" class="secondary" id="close-consultation"
                            onclick={{ let on_close = props.on_close.clone(); move |_| on_close.emit(()) }}>
                        { text(lang, "consultation-back") }
                    </button>
                </span>
            </div>
            <p class="intro">
                { format!("{} · {} · {}", a.slot.map(|s| day_and_clock(lang, tz, s.start)).unwrap_or_else(|| text(lang, "walk-in")),
                          text(lang, kind), status_label(lang, note.as_ref().map_or(a.status, |n| n.status))) }
            </p>
            if *showing_chart {
                <crate::components::chart::ChartPanel patient={Some(a.patient)} language={lang} time_zone={props.time_zone.clone()} />
            }
            <ErrorBanner error={submission.error().filter(|e| e.fields.is_empty())} language={lang} />
            if *saved {
                <p class="banner ok" role="status" id="note-saved">{ text(lang, if locked { "note-amended" } else { "note-saved" }) }</p>
            }
            <div class="consultation-columns">
                <aside class="history" id="history">
                    <crate::components::chat::ChatPanel appointment={a.id} language={lang} time_zone={props.time_zone.clone()} />
                    <h4>{ text(lang, "history-title") }</h4>
                    { history_list(lang, tz, history.as_ref(), a.id) }
                </aside>
                <form class="note" id="note-form" novalidate=true
                      onsubmit={{ let save = save.clone(); move |e: SubmitEvent| { e.prevent_default(); save.emit(()); } }}>
                    if locked {
                        <p class="banner warning" id="note-locked">{ text(lang, "note-locked") }</p>
                    }
                    <div class="vitals">
                        { vital("systolic", "systolic_mmhg", &d.systolic, |d, v| d.systolic = v) }
                        { vital("diastolic", "diastolic_mmhg", &d.diastolic, |d, v| d.diastolic = v) }
                        { vital("pulse", "pulse_bpm", &d.pulse, |d, v| d.pulse = v) }
                        { vital("temperature", "temperature_decidegrees_c", &d.temperature, |d, v| d.temperature = v) }
                        { vital("weight", "weight_decikilograms", &d.weight, |d, v| d.weight = v) }
                        { vital("spo2", "spo2_percent", &d.spo2, |d, v| d.spo2 = v) }
                    </div>
                    { area("subjective", &d.subjective, |d, v| d.subjective = v) }
                    { area("objective", &d.objective, |d, v| d.objective = v) }
                    { area("assessment", &d.assessment, |d, v| d.assessment = v) }
                    { area("plan", &d.plan, |d, v| d.plan = v) }
                    if locked {
                        <div class="field">
                            <label for="amend-reason">{ text(lang, "note-reason") }</label>
                            <input id="amend-reason" value={(*reason).clone()}
                                   oninput={{ let reason = reason.clone(); move |e: InputEvent| {
                                       reason.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                                   } }} />
                            if let Some(m) = message("reason") { <small class="field-error" id="reason-error" role="alert">{ m }</small> }
                        </div>
                    }
                    <div class="actions">
                        <button type="submit" class="primary" id="save-note" disabled={submission.busy()}>
                            { text(lang, if locked { "note-amend" } else { "note-save" }) }
                        </button>
                        <span class="hint">{ text(lang, "note-keys") }</span>
                    </div>
                    if let Some(record) = note.as_ref().and_then(|n| n.record.as_ref()) {
                        if !record.amendments.is_empty() {
                            <ul class="amendments" id="amendments">
                                for am in record.amendments.iter() {
                                    <li>{ text_with(lang, "note-amendment", &[
                                        ("time", day_and_clock(lang, tz, am.at).into()),
                                        ("changed", am.changed.iter().map(|c| text(lang, &format!("note-{c}"))).collect::<Vec<_>>().join(", ").into()),
                                        ("reason", am.reason.clone().into()),
                                    ]) }</li>
                                }
                            </ul>
                        }
                    }
                </form>
            </div>
            if matches!(note.as_ref().map_or(a.status, |n| n.status), Status::InConsultation | Status::Completed) {
                <super::prescription::PrescriptionSection appointment={a.id} patient={a.patient} language={lang} />
            }
        </section>
    }
}

fn history_list(
    lang: clinic_core::ipc::Language,
    tz: chrono_tz::Tz,
    history: Option<&Result<Vec<ConsultationSummary>, IpcError>>,
    current: clinic_core::AppointmentId,
) -> Html {
    match history {
        None => html! { <p class="empty">{ "…" }</p> },
        Some(Err(e)) => html! { <ErrorBanner error={Some(e.clone())} language={lang} /> },
        Some(Ok(list)) => {
            let earlier: Vec<&ConsultationSummary> = list
                .iter()
                .filter(|c| c.appointment.id != current)
                .collect();
            if earlier.is_empty() {
                return html! { <p class="empty" id="no-history">{ text(lang, "history-empty") }</p> };
            }
            html! {
                <ul>
                    for c in earlier { { past_consultation(lang, tz, c) } }
                </ul>
            }
        }
    }
}

/// One past consultation: when, with whom, the assessment and plan as they read now.
pub(crate) fn past_consultation(
    lang: clinic_core::ipc::Language,
    tz: chrono_tz::Tz,
    c: &ConsultationSummary,
) -> Html {
    html! {
        <li class="past-consultation">
            <strong>{ c.appointment.slot.map(|s| day_and_clock(lang, tz, s.start)).unwrap_or_else(|| crate::format::date(c.appointment.day)) }</strong>
            { format!(" · {}", c.doctor_name) }
            if let Some(n) = &c.note {
                <p>{ n.assessment.clone() }</p>
                <p class="plan">{ n.plan.clone() }</p>
            }
            if c.amendments > 0 { <span class="amended">{ text(lang, "history-amended") }</span> }
        </li>
    }
}
