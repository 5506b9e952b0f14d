//! Prescriptions on screen. In the consultation screen the doctor records the patient's
//! allergies, writes the medicines (one row each: medicine, strength, form, dose, frequency,
//! days, instructions) and advice, saves a draft, reads the warnings, issues it and prints it in
//! English or Bangla. An issued prescription is locked: saving again makes a new version. In the
//! patient build, "My prescriptions" lists the issued ones to download.

use clinic_core::chart::ClinicalSummary;
use clinic_core::ipc::{
    AppointmentArgs, ClinicalSummaryArgs, IpcError, IssuePrescriptionArgs, Language,
    PrintPrescriptionArgs, SavePrescriptionArgs,
};
use clinic_core::prescription::{
    MedicineForm, PrescriptionForm, PrescriptionItem, PrescriptionSheet, PrescriptionStatus,
    PrescriptionView, PrescriptionWarning,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::hooks::use_submission;
use crate::i18n::{field_message, text, text_with};
use crate::state::AppModel;

/// One medicine row as typed.
#[derive(Clone, PartialEq, Default)]
struct Row {
    medicine: String,
    strength: String,
    form: Option<MedicineForm>,
    dose: String,
    frequency: String,
    days: String,
    instructions: String,
}

impl Row {
    fn from_item(item: &PrescriptionItem) -> Row {
        Row {
            medicine: item.medicine.clone(),
            strength: item.strength.clone(),
            form: Some(item.form),
            dose: item.dose.clone(),
            frequency: item.frequency.clone(),
            days: item.duration_days.to_string(),
            instructions: item.instructions.clone(),
        }
    }

    fn item(&self) -> PrescriptionItem {
        PrescriptionItem {
            medicine: self.medicine.clone(),
            strength: self.strength.clone(),
            form: self.form.unwrap_or(MedicineForm::Tablet),
            dose: self.dose.clone(),
            frequency: self.frequency.clone(),
            // Not a number: 0, which the check names as out of range.
            duration_days: self.days.trim().parse().unwrap_or(0),
            instructions: self.instructions.clone(),
        }
    }
}

fn warning_text(lang: Language, warning: &PrescriptionWarning) -> String {
    match warning {
        PrescriptionWarning::Allergy {
            medicine,
            substance,
            reaction,
            ..
        } => text_with(
            lang,
            "rx-warning-allergy",
            &[
                ("medicine", medicine.clone().into()),
                ("substance", substance.clone().into()),
                ("reaction", reaction.clone().into()),
            ],
        ),
        PrescriptionWarning::Duplicate { medicine, .. } => text_with(
            lang,
            "rx-warning-duplicate",
            &[("medicine", medicine.clone().into())],
        ),
    }
}

#[derive(Properties, PartialEq)]
pub struct PrescriptionProps {
    pub appointment: clinic_core::AppointmentId,
    pub patient: clinic_core::PatientId,
    pub language: Language,
}

/// The doctor's prescription for one consultation.
#[component]
pub fn PrescriptionSection(props: &PrescriptionProps) -> Html {
    let lang = props.language;
    let view = use_state(|| None::<PrescriptionView>);
    let rows = use_state(|| vec![Row::default()]);
    let advice = use_state(String::new);
    let allergies = use_state(String::new);
    let summary = use_state(ClinicalSummary::default);
    let acknowledged = use_state(|| false);
    let printed = use_state(|| None::<String>);
    let allergies_saved = use_state(|| false);
    let submission = use_submission();
    // Loaded once: the prescription (its newest version fills the form) and the allergies.
    {
        let (view, rows, advice, allergies, summary) = (
            view.clone(),
            rows.clone(),
            advice.clone(),
            allergies.clone(),
            summary.clone(),
        );
        let (appointment, patient) = (props.appointment, props.patient);
        use_effect_with(appointment, move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::prescription(AppointmentArgs { appointment }).await {
                    if let Some(current) = &found.current {
                        rows.set(
                            current
                                .record
                                .form
                                .items
                                .iter()
                                .map(Row::from_item)
                                .collect(),
                        );
                        advice.set(current.record.form.advice.clone());
                    }
                    view.set(Some(found));
                }
                if let Ok(found) = backend::clinical_summary(ClinicalSummaryArgs {
                    patient,
                    summary: None,
                })
                .await
                {
                    allergies.set(ClinicalSummary::write_allergies(&found.allergies));
                    summary.set(found);
                }
            });
        });
    }
    let form = || PrescriptionForm {
        items: rows.iter().map(Row::item).collect(),
        advice: (*advice).clone(),
    };
    let save = {
        let (submission, view, appointment) = (submission.clone(), view.clone(), props.appointment);
        let form = form();
        let (acknowledged, printed) = (acknowledged.clone(), printed.clone());
        Callback::from(move |_: MouseEvent| {
            let (view, acknowledged, printed) =
                (view.clone(), acknowledged.clone(), printed.clone());
            submission.run(
                backend::save_prescription(SavePrescriptionArgs {
                    appointment,
                    form: form.clone(),
                }),
                move |found| {
                    view.set(Some(found));
                    acknowledged.set(false);
                    printed.set(None);
                },
            );
        })
    };
    let issue = {
        let (submission, view, appointment, acknowledged) = (
            submission.clone(),
            view.clone(),
            props.appointment,
            acknowledged.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let view = view.clone();
            submission.run(
                backend::issue_prescription(IssuePrescriptionArgs {
                    appointment,
                    acknowledged_warnings: *acknowledged,
                }),
                move |found| view.set(Some(found)),
            );
        })
    };
    let save_allergies = {
        let (submission, allergies, summary, saved, view, patient, appointment) = (
            submission.clone(),
            allergies.clone(),
            summary.clone(),
            allergies_saved.clone(),
            view.clone(),
            props.patient,
            props.appointment,
        );
        Callback::from(move |_: MouseEvent| {
            let next = ClinicalSummary {
                allergies: ClinicalSummary::read_allergies(&allergies),
                ..(*summary).clone()
            };
            let (summary, saved, view) = (summary.clone(), saved.clone(), view.clone());
            submission.run(
                async move {
                    let kept = backend::clinical_summary(ClinicalSummaryArgs {
                        patient,
                        summary: Some(next),
                    })
                    .await?;
                    // The warnings are worked out again against what was just recorded.
                    let found = backend::prescription(AppointmentArgs { appointment }).await?;
                    Ok::<_, IpcError>((kept, found))
                },
                move |(kept, found)| {
                    summary.set(kept);
                    saved.set(true);
                    view.set(Some(found));
                },
            );
        })
    };
    let print = |language: Language| {
        let (submission, printed, patient) = (submission.clone(), printed.clone(), props.patient);
        let prescription = view
            .as_ref()
            .and_then(|v| v.current.as_ref())
            .map(|c| c.record.id);
        Callback::from(move |_: MouseEvent| {
            let Some(prescription) = prescription else {
                return;
            };
            let printed = printed.clone();
            submission.run(
                backend::print_prescription(PrintPrescriptionArgs {
                    patient,
                    prescription,
                    language,
                }),
                move |document| printed.set(Some(document.path)),
            );
        })
    };
    let fields = submission.fields();
    let message = |field: String| {
        fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| field_message(lang, f))
    };
    let current = view.as_ref().and_then(|v| v.current.as_ref());
    let status_line = match current.map(|c| &c.record) {
        None => text(lang, "rx-none"),
        Some(r) if r.status == PrescriptionStatus::Draft => text_with(
            lang,
            "rx-state-draft",
            &[("version", u64::from(r.version).into())],
        ),
        Some(r) => text_with(
            lang,
            "rx-state-issued",
            &[
                ("version", u64::from(r.version).into()),
                ("code", r.code.clone().unwrap_or_default().into()),
            ],
        ),
    };
    let issued = current.is_some_and(|c| c.record.status != PrescriptionStatus::Draft);
    let is_draft = current.is_some_and(|c| c.record.status == PrescriptionStatus::Draft);
    let warnings = view
        .as_ref()
        .map(|v| v.warnings.clone())
        .unwrap_or_default();
    let edit = |i: usize, set: fn(&mut Row, String)| {
        let rows = rows.clone();
        move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let mut next = (*rows).clone();
            if let Some(row) = next.get_mut(i) {
                set(row, input.value());
            }
            rows.set(next);
        }
    };
    let cell = |i: usize, name: &'static str, value: &str, set: fn(&mut Row, String)| {
        let id = format!("rx-{i}-{name}");
        html! {
            <td>
                <input id={id} aria-label={text(lang, &format!("rx-field-{name}"))}
                       value={value.to_owned()} oninput={edit(i, set)} />
                if let Some(m) = message(format!("items.{i}.{}", if name == "days" { "duration_days" } else { name })) {
                    <small class="field-error" role="alert">{ m }</small>
                }
            </td>
        }
    };
    html! {
        <section class="prescription" id="prescription">
            <h4>{ text(lang, "rx-heading") }</h4>
            <div class="allergies">
                <label for="rx-allergies">{ text(lang, "rx-allergies") }</label>
                <textarea id="rx-allergies" rows="2" value={(*allergies).clone()}
                          placeholder={text(lang, "rx-allergies-hint")}
                          oninput={{ let allergies = allergies.clone(); move |e: InputEvent| {
                              allergies.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value());
                          } }} />
                <button type="button" class="secondary" id="save-allergies" onclick={save_allergies}
                        disabled={submission.busy()}>
                    { text(lang, "rx-allergies-save") }
                </button>
                if *allergies_saved { <span class="saved" id="allergies-saved" role="status">{ text(lang, "rx-allergies-saved") }</span> }
            </div>
            <p class="rx-state" id="rx-status">{ status_line }</p>
            <table class="rx-items" id="rx-items">
                <thead><tr>
                    <th>{ text(lang, "rx-field-medicine") }</th>
                    <th>{ text(lang, "rx-field-strength") }</th>
                    <th>{ text(lang, "rx-field-form") }</th>
                    <th>{ text(lang, "rx-field-dose") }</th>
                    <th>{ text(lang, "rx-field-frequency") }</th>
                    <th>{ text(lang, "rx-field-days") }</th>
                    <th>{ text(lang, "rx-field-instructions") }</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    for (i, row) in rows.iter().enumerate() {
                        <tr>
                            { cell(i, "medicine", &row.medicine, |r, v| r.medicine = v) }
                            { cell(i, "strength", &row.strength, |r, v| r.strength = v) }
                            <td>
                                <select id={format!("rx-{i}-form")} aria-label={text(lang, "rx-field-form")}
                                        onchange={{ let rows = rows.clone(); move |e: Event| {
                                            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                                            let mut next = (*rows).clone();
                                            if let Some(row) = next.get_mut(i) {
                                                row.form = MedicineForm::ALL.iter().copied().find(|f| f.as_str() == select.value());
                                            }
                                            rows.set(next);
                                        } }}>
                                    for f in MedicineForm::ALL {
                                        <option value={f.as_str()} selected={row.form.unwrap_or(MedicineForm::Tablet) == f}>
                                            { text(lang, &format!("rx-form-{}", f.as_str())) }
                                        </option>
                                    }
                                </select>
                            </td>
                            { cell(i, "dose", &row.dose, |r, v| r.dose = v) }
                            { cell(i, "frequency", &row.frequency, |r, v| r.frequency = v) }
                            { cell(i, "days", &row.days, |r, v| r.days = v) }
                            { cell(i, "instructions", &row.instructions, |r, v| r.instructions = v) }
                            <td>
                                <button type="button" class="link-button rx-remove" aria-label={text(lang, "rx-remove")}
                                        onclick={{ let rows = rows.clone(); move |_| {
                                            let mut next = (*rows).clone();
                                            if next.len() > 1 { next.remove(i); }
                                            rows.set(next);
                                        } }}>{ "×" }</button>
                            </td>
                        </tr>
                    }
                </tbody>
            </table>
            if let Some(m) = message("items".to_owned()) { <small class="field-error" role="alert">{ m }</small> }
            <button type="button" class="secondary" id="rx-add"
                    onclick={{ let rows = rows.clone(); move |_| {
                        let mut next = (*rows).clone();
                        next.push(Row::default());
                        rows.set(next);
                    } }}>
                { text(lang, "rx-add") }
            </button>
            <div class="field">
                <label for="rx-advice">{ text(lang, "rx-advice") }</label>
                <textarea id="rx-advice" rows="2" value={(*advice).clone()}
                          oninput={{ let advice = advice.clone(); move |e: InputEvent| {
                              advice.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value());
                          } }} />
            </div>
            if !warnings.is_empty() {
                <div class="banner warning" id="rx-warnings" role="alert">
                    <ul>
                        for w in warnings.iter() { <li>{ warning_text(lang, w) }</li> }
                    </ul>
                    <label class="acknowledge">
                        <input type="checkbox" id="rx-acknowledge" checked={*acknowledged}
                               onchange={{ let acknowledged = acknowledged.clone(); move |e: Event| {
                                   acknowledged.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked());
                               } }} />
                        { text(lang, "rx-acknowledge") }
                    </label>
                </div>
            }
            <div class="actions">
                <button type="button" class="secondary" id="rx-save" onclick={save} disabled={submission.busy()}>
                    { text(lang, if issued { "rx-save-version" } else { "rx-save" }) }
                </button>
                if is_draft {
                    <button type="button" class="primary" id="rx-issue" onclick={issue} disabled={submission.busy()}>
                        { text(lang, "rx-issue") }
                    </button>
                }
                if issued {
                    <button type="button" class="secondary" id="rx-print-en" onclick={print(Language::English)}>
                        { text(lang, "rx-print-en") }
                    </button>
                    <button type="button" class="secondary" id="rx-print-bn" onclick={print(Language::Bangla)}>
                        { text(lang, "rx-print-bn") }
                    </button>
                }
            </div>
            if let Some(path) = &*printed {
                <p class="banner ok" role="status" id="rx-printed">{ text_with(lang, "rx-printed", &[("path", path.clone().into())]) }</p>
            }
            <ErrorBanner error={submission.error().filter(|e| e.fields.is_empty())} language={lang} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct MyPrescriptionsProps {
    pub language: Language,
    pub time_zone: AttrValue,
}

/// The patient build: the patient's issued prescriptions, each to download in either language.
#[component]
pub fn MyPrescriptions(props: &MyPrescriptionsProps) -> Html {
    let lang = props.language;
    let tz = crate::format::zone(&props.time_zone);
    let list = use_state(|| None::<Result<Vec<PrescriptionSheet>, IpcError>>);
    let saved = use_state(|| None::<String>);
    let submission = use_submission();
    // Read again after each sync: on a new computer the patient's own record (and so their
    // prescriptions) arrives with the first one, moments after sign-in.
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let synced = model.connection.as_ref().and_then(|c| c.last_synced_at);
    {
        let list = list.clone();
        use_effect_with(synced, move |_| {
            spawn_local(async move {
                list.set(Some(backend::my_prescriptions().await));
            });
        });
    }
    let download = |sheet: &PrescriptionSheet, language: Language| {
        let (submission, saved) = (submission.clone(), saved.clone());
        let (patient, prescription) = (sheet.record.patient, sheet.record.id);
        Callback::from(move |_: MouseEvent| {
            let saved = saved.clone();
            submission.run(
                backend::print_prescription(PrintPrescriptionArgs {
                    patient,
                    prescription,
                    language,
                }),
                move |document| saved.set(Some(document.path)),
            );
        })
    };
    let body = match list.as_ref() {
        None => html! { <p class="empty">{ "…" }</p> },
        Some(Err(e)) => html! { <ErrorBanner error={Some(e.clone())} language={lang} /> },
        Some(Ok(sheets)) if sheets.is_empty() => {
            html! { <p class="empty" id="no-prescriptions">{ text(lang, "rx-mine-empty") }</p> }
        }
        Some(Ok(sheets)) => html! {
            <table id="my-prescriptions">
                <thead><tr>
                    <th scope="col">{ text(lang, "rx-date") }</th>
                    <th scope="col">{ text(lang, "column-doctor") }</th>
                    <th scope="col">{ text(lang, "rx-medicines") }</th>
                    <th scope="col">{ text(lang, "rx-code") }</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    for sheet in sheets.iter() {
                        <tr data-code={sheet.record.code.clone().unwrap_or_default()}
                            class={classes!((sheet.record.status == PrescriptionStatus::Superseded).then_some("superseded"))}>
                            <td>{ sheet.record.issued_at.map(|t| crate::format::day_and_clock(lang, tz, t)).unwrap_or_default() }</td>
                            <td>{ sheet.doctor_name.clone() }</td>
                            <td>{ sheet.record.form.items.iter().map(|i| i.medicine.clone()).collect::<Vec<_>>().join(", ") }</td>
                            <td class="code">
                                { sheet.record.code.clone().unwrap_or_default() }
                                if sheet.record.status == PrescriptionStatus::Superseded {
                                    <span class="replaced">{ format!(" · {}", text(lang, "rx-replaced")) }</span>
                                }
                            </td>
                            <td class="actions">
                                <button type="button" class="secondary download-en" onclick={download(sheet, Language::English)}>
                                    { text(lang, "rx-download-en") }
                                </button>
                                <button type="button" class="secondary download-bn" onclick={download(sheet, Language::Bangla)}>
                                    { text(lang, "rx-download-bn") }
                                </button>
                            </td>
                        </tr>
                    }
                </tbody>
            </table>
        },
    };
    html! {
        <section class="my-prescriptions" id="prescriptions-card">
            <h3>{ text(lang, "rx-mine-title") }</h3>
            { body }
            if let Some(path) = &*saved {
                <p class="banner ok" role="status" id="rx-downloaded">{ text_with(lang, "rx-printed", &[("path", path.clone().into())]) }</p>
            }
            <ErrorBanner error={submission.error()} language={lang} />
        </section>
    }
}
