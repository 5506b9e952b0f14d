//! The front desk's patient registry: search as you type, register, edit, and the duplicate
//! warning. Everything here reads and writes the local encrypted store, so it works offline.

use clinic_core::account::{DemographicsForm, FieldError};
use clinic_core::ipc::{DuplicateCandidate, Language, RejectedChange};
use clinic_core::registry::PatientSummary;
use clinic_core::sync::PatientRecord;
use clinic_core::{CommandId, PatientId};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::profile::DemographicsFields;
use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::hooks::use_submission;
use crate::i18n::{text, text_with};
use crate::state::AppModel;

#[derive(Clone, PartialEq)]
enum Mode {
    Search,
    New(Option<Retry>),
    Edit(Box<PatientRecord>, Option<Retry>),
}

/// A refused change brought back to the form: corrected and saved, it leaves the refused list.
#[derive(Clone, PartialEq)]
struct Retry {
    command: CommandId,
    form: DemographicsForm,
    /// What the server said was wrong, shown under the fields until the next save.
    fields: Vec<FieldError>,
}

#[component]
pub fn Registry() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let mode = use_state(|| Mode::Search);
    let saved = use_state(|| None::<PatientRecord>);
    let bills_kept = model.account.as_ref().is_some_and(|a| {
        matches!(
            a.role,
            clinic_core::Role::FrontDesk | clinic_core::Role::Admin
        )
    });

    let open = {
        let (mode, saved) = (mode.clone(), saved.clone());
        Callback::from(move |id: PatientId| {
            let (mode, saved) = (mode.clone(), saved.clone());
            spawn_local(async move {
                if let Ok(record) = backend::patient(id).await {
                    saved.set(None);
                    mode.set(Mode::Edit(Box::new(record), None));
                }
            });
        })
    };
    let new_patient = {
        let (mode, saved) = (mode.clone(), saved.clone());
        Callback::from(move |_| {
            saved.set(None);
            mode.set(Mode::New(None));
        })
    };
    let back = {
        let mode = mode.clone();
        Callback::from(move |_| mode.set(Mode::Search))
    };
    let on_saved = {
        let (mode, saved) = (mode.clone(), saved.clone());
        Callback::from(move |record: PatientRecord| {
            let retried = match &*mode {
                Mode::New(retry) | Mode::Edit(_, retry) => retry.as_ref().map(|r| r.command),
                Mode::Search => None,
            };
            if let Some(command) = retried {
                spawn_local(async move {
                    let _ = backend::dismiss_rejected(command).await;
                });
            }
            saved.set(Some(record));
            mode.set(Mode::Search);
        })
    };
    // "Correct and save again" on a refused change.
    let on_retry = {
        let (mode, saved) = (mode.clone(), saved.clone());
        Callback::from(move |rejected: RejectedChange| {
            let (mode, saved) = (mode.clone(), saved.clone());
            let retry = Retry {
                command: rejected.command,
                form: rejected.form.clone(),
                fields: rejected.rejection.fields.clone(),
            };
            spawn_local(async move {
                saved.set(None);
                // An edit goes back onto the patient it was for, if this desk still has them;
                // a registration (or an edit of a patient the clinic no longer has) is a new form.
                let existing = match rejected.kind.as_str() {
                    "update_patient" => backend::patient(rejected.patient).await.ok(),
                    _ => None,
                };
                mode.set(match existing {
                    Some(record) => Mode::Edit(Box::new(record), Some(retry)),
                    None => Mode::New(Some(retry)),
                });
            });
        })
    };
    // Alt+N: a new patient from anywhere in the registry.
    let onkeydown = {
        let new_patient = new_patient.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.alt_key() && e.key().eq_ignore_ascii_case("n") {
                e.prevent_default();
                new_patient.emit(());
            }
        })
    };

    let body = match &*mode {
        Mode::Search => html! {
            <>
                if let Some(record) = &*saved {
                    <p class="banner ok" role="status" id="patient-saved">
                        { text_with(lang, "patient-saved", &[
                            ("name", record.demographics.full_name.clone().into()),
                            ("number", record.patient_number.clone().into()),
                        ]) }
                    </p>
                }
                <PatientSearch language={lang} on_open={open.clone()}
                               on_new={new_patient.clone()} />
            </>
        },
        Mode::New(retry) => html! {
            <PatientForm language={lang} editing={None::<PatientRecord>} {on_saved}
                         initial={retry.as_ref().map(|r| r.form.clone())}
                         initial_errors={retry.as_ref().map(|r| r.fields.clone()).unwrap_or_default()}
                         on_cancel={back} on_open={open.clone()} />
        },
        Mode::Edit(record, retry) => html! {
            <>
                <PatientForm language={lang} editing={Some((**record).clone())} {on_saved}
                             initial={retry.as_ref().map(|r| r.form.clone())}
                             initial_errors={retry.as_ref().map(|r| r.fields.clone()).unwrap_or_default()}
                             on_cancel={back} on_open={open.clone()} />
                // The desk and the admins keep the books; doctors see fees, not bills.
                if bills_kept {
                    <super::billing::Bills language={lang} patient={record.id} />
                }
            </>
        },
    };
    html! {
        <section class="card registry" id="registry" {onkeydown}>
            <h2>{ text(lang, "registry-title") }</h2>
            // Refusals come first: each is a patient the desk must look at again.
            <RejectedChanges language={lang} {on_retry} />
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PatientSearchProps {
    language: Language,
    on_open: Callback<PatientId>,
    on_new: Callback<()>,
}

#[component]
fn PatientSearch(props: &PatientSearchProps) -> Html {
    let lang = props.language;
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let query = use_state(String::new);
    let results = use_state(Vec::<PatientSummary>::new);
    // Searched again as the query changes and whenever the status bar checks in (every few
    // seconds), so patients arriving from other desks appear without a key press.
    let tick = model.connection.as_ref().map(|c| c.checked_at);
    {
        let results = results.clone();
        use_effect_with(((*query).clone(), tick), move |(query, _)| {
            let query = query.clone();
            spawn_local(async move {
                if let Ok(found) = backend::search_patients(query).await {
                    results.set(found);
                }
            });
        });
    }
    let oninput = {
        let query = query.clone();
        Callback::from(move |v: String| query.set(v))
    };
    // Enter opens the best match.
    let onkeydown = {
        let (results, on_open) = (results.clone(), props.on_open.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                if let Some(first) = results.first() {
                    e.prevent_default();
                    on_open.emit(first.id);
                }
            }
        })
    };
    let on_new = props.on_new.clone();
    html! {
        <div class="patient-search">
            <div class="search-row" {onkeydown}>
                <TextField name="patient-search" kind="search" label={text(lang, "registry-search-label")}
                           value={(*query).clone()} {oninput} autofocus=true
                           hint={text(lang, "registry-search-hint")} language={lang} />
                <button id="new-patient" type="button" class="primary" onclick={move |_| on_new.emit(())}>
                    { text(lang, "registry-new") }
                </button>
            </div>
            if results.is_empty() {
                <p class="empty" id="no-patients">
                    { text(lang, if query.trim().is_empty() { "registry-empty" } else { "registry-no-match" }) }
                </p>
            } else {
                <table id="patients">
                    <thead><tr>
                        <th scope="col">{ text(lang, "column-number") }</th>
                        <th scope="col">{ text(lang, "column-name") }</th>
                        <th scope="col">{ text(lang, "phone") }</th>
                        <th scope="col">{ text(lang, "date-of-birth") }</th>
                    </tr></thead>
                    <tbody>
                        for p in results.iter() {
                            { patient_row(p, &props.on_open) }
                        }
                    </tbody>
                </table>
            }
        </div>
    }
}

fn patient_row(p: &PatientSummary, on_open: &Callback<PatientId>) -> Html {
    let id = p.id;
    let on_open = on_open.clone();
    html! {
        <tr class="patient-row" data-number={p.patient_number.clone()}>
            <td class="number">{ p.patient_number.clone() }</td>
            <td>
                <button type="button" class="link-button patient-open" onclick={move |_| on_open.emit(id)}>
                    { p.full_name.clone() }
                </button>
            </td>
            <td>{ p.phone.clone().unwrap_or_default() }</td>
            <td>{ p.date_of_birth.map(|d| d.to_string()).unwrap_or_default() }</td>
        </tr>
    }
}

#[derive(Properties, PartialEq)]
struct PatientFormProps {
    language: Language,
    editing: Option<PatientRecord>,
    /// Details to start from instead of the record's (a refused change being corrected).
    #[prop_or_default]
    initial: Option<DemographicsForm>,
    #[prop_or_default]
    initial_errors: Vec<FieldError>,
    on_saved: Callback<PatientRecord>,
    on_cancel: Callback<()>,
    on_open: Callback<PatientId>,
}

/// Register a new patient or edit one; warns about possible duplicates as the desk types.
#[component]
fn PatientForm(props: &PatientFormProps) -> Html {
    let lang = props.language;
    let editing_id = props.editing.as_ref().map(|r| r.id);
    let form = use_state(|| {
        props
            .initial
            .clone()
            .or_else(|| {
                props
                    .editing
                    .as_ref()
                    .map(|r| DemographicsForm::from(&r.demographics))
            })
            .unwrap_or_default()
    });
    let duplicates = use_state(Vec::<DuplicateCandidate>::new);
    let submission = use_submission();
    {
        let duplicates = duplicates.clone();
        use_effect_with((*form).clone(), move |form| {
            let form = form.clone();
            spawn_local(async move {
                if let Ok(found) = backend::possible_duplicates(editing_id, form).await {
                    duplicates.set(found);
                }
            });
        });
    }
    let onchange = {
        let form = form.clone();
        Callback::from(move |d: DemographicsForm| form.set(d))
    };
    let on_email = {
        let form = form.clone();
        Callback::from(move |v: String| {
            let mut next = (*form).clone();
            next.email = Some(v).filter(|s| !s.trim().is_empty());
            form.set(next);
        })
    };
    let submitted = use_state(|| false);
    let onsubmit = {
        let (form, submission, on_saved, submitted) = (
            form.clone(),
            submission.clone(),
            props.on_saved.clone(),
            submitted.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submitted.set(true);
            let form = (*form).clone();
            let work = async move {
                match editing_id {
                    Some(id) => backend::update_patient(id, form).await,
                    None => backend::register_patient(form).await,
                }
            };
            let on_saved = on_saved.clone();
            submission.run(work, move |record| on_saved.emit(record));
        })
    };
    let onkeydown = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_cancel.emit(());
            }
        })
    };
    let cancel = props.on_cancel.clone();
    let title = match &props.editing {
        Some(r) => text_with(
            lang,
            "patient-edit-title",
            &[("number", r.patient_number.clone().into())],
        ),
        None => text(lang, "patient-new-title"),
    };
    let fields = match (submission.error(), submission.busy()) {
        (None, false) if !*submitted => props.initial_errors.clone(),
        _ => submission.fields(),
    };
    let email = AttrValue::from(form.email.clone().unwrap_or_default());
    html! {
        <div class="patient-form" {onkeydown}>
            <h3 id="patient-form-title">{ title }</h3>
            <ErrorBanner error={submission.error()} language={lang} />
            if !duplicates.is_empty() {
                <div class="banner warning" id="duplicates" role="status">
                    <p>{ text(lang, "duplicates-title") }</p>
                    <ul>
                        for d in duplicates.iter() {
                            { duplicate_item(lang, d, &props.on_open) }
                        }
                    </ul>
                </div>
            }
            <form {onsubmit} novalidate=true class="two-columns" id="patient-form">
                <DemographicsFields value={(*form).clone()} {onchange} errors={fields.clone()}
                                    language={lang} autofocus=true />
                <TextField name="email" kind="email" label={text(lang, "email")} value={email}
                           oninput={on_email} errors={fields} language={lang} />
                <div class="actions">
                    <button id="patient-save" type="submit" class="primary" disabled={submission.busy()}>
                        { text(lang, match (submission.busy(), editing_id.is_some()) {
                            (true, _) => "saving",
                            (false, true) => "save-patient",
                            (false, false) => "register",
                        }) }
                    </button>
                    <button id="patient-cancel" type="button" class="secondary" onclick={move |_| cancel.emit(())}>
                        { text(lang, "cancel") }
                    </button>
                </div>
            </form>
        </div>
    }
}

fn duplicate_item(lang: Language, d: &DuplicateCandidate, on_open: &Callback<PatientId>) -> Html {
    let id = d.patient.id;
    let on_open = on_open.clone();
    let reason = serde_json::to_value(d.reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    html! {
        <li class="duplicate">
            <strong>{ d.patient.full_name.clone() }</strong>
            { format!(" · {} · ", d.patient.patient_number) }
            { d.patient.phone.clone().unwrap_or_default() }
            <span class="duplicate-reason">{ format!(" — {}", text(lang, &format!("duplicate-{reason}"))) }</span>
            <button type="button" class="secondary duplicate-open" onclick={move |_| on_open.emit(id)}>
                { text(lang, "open-existing") }
            </button>
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct RejectedProps {
    language: Language,
    on_retry: Callback<RejectedChange>,
}

/// Changes the server refused: kept here, with the reason, until someone dismisses them.
#[component]
fn RejectedChanges(props: &RejectedProps) -> Html {
    let lang = props.language;
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let count = model.connection.as_ref().map_or(0, |c| c.rejected_changes);
    let list = use_state(Vec::<RejectedChange>::new);
    {
        let list = list.clone();
        use_effect_with(count, move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::rejected_changes().await {
                    list.set(found);
                }
            });
        });
    }
    if list.is_empty() {
        return html! {};
    }
    html! {
        <div class="rejected" id="rejected-changes">
            <h3>{ text(lang, "rejected-title") }</h3>
            <ul>
                for r in list.iter() {
                    { rejected_item(lang, r, &list, &props.on_retry) }
                }
            </ul>
        </div>
    }
}

fn rejected_item(
    lang: Language,
    r: &RejectedChange,
    list: &UseStateHandle<Vec<RejectedChange>>,
    on_retry: &Callback<RejectedChange>,
) -> Html {
    let retry = {
        let (r, on_retry) = (r.clone(), on_retry.clone());
        Callback::from(move |_| on_retry.emit(r.clone()))
    };
    let reason = serde_json::to_value(r.rejection.reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let dismiss = {
        let (command, list) = (r.command, list.clone());
        Callback::from(move |_| {
            let list = list.clone();
            spawn_local(async move {
                if backend::dismiss_rejected(command).await.is_ok() {
                    list.set(
                        list.iter()
                            .filter(|x| x.command != command)
                            .cloned()
                            .collect(),
                    );
                }
            });
        })
    };
    let what = text_with(
        lang,
        &format!("rejected-{}", r.kind),
        &[
            ("name", r.patient_name.clone().into()),
            (
                "number",
                r.patient_number.clone().unwrap_or_default().into(),
            ),
        ],
    );
    html! {
        <li class="rejected-change">
            <strong>{ what }</strong>
            <span class="reason">{ format!(" — {}", text(lang, &format!("rejected-reason-{reason}"))) }</span>
            if !r.rejection.fields.is_empty() || r.rejection.status == 409 {
                <button type="button" class="primary rejected-retry" onclick={retry}>{ text(lang, "rejected-retry") }</button>
            }
            <button type="button" class="secondary rejected-dismiss" onclick={dismiss}>{ text(lang, "dismiss") }</button>
        </li>
    }
}
