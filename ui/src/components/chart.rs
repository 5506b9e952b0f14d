//! A patient's chart on screen: who they are, allergies, conditions and current medicines at a
//! glance, their reports and documents (open; upload a new one), and one timeline of everything.
//! Read from the server when it can be reached, else from this computer's encrypted copy (said
//! plainly). A doctor refused a patient they do not treat can open it in an emergency with a
//! reason (break-glass). In the patient build it is the patient's own record, where a report
//! from the clinic shows as "ready" until opened.

use clinic_core::chart::{ChartView, DocumentCategory, PatientDocument, TimelineKind};
use clinic_core::ipc::{ChartArgs, DocumentArgs, ExportArgs, ExportFormat, IpcError, Language};
use clinic_core::wire::ErrorCode;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::format::size_label;
use crate::format::{day_and_clock, zone};
use crate::i18n::{field_message, text, text_with};

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// The patient; `None` in the patient build (their own).
    #[prop_or_default]
    pub patient: Option<clinic_core::PatientId>,
    pub language: Language,
    pub time_zone: AttrValue,
}

#[component]
pub fn ChartPanel(props: &ChartProps) -> Html {
    let lang = props.language;
    let tz = zone(&props.time_zone);
    let chart = use_state(|| None::<Result<ChartView, IpcError>>);
    let reloads = use_state(|| 0_u32);
    let reason = use_state(String::new);
    let saved = use_state(|| None::<String>);
    let action_error = use_state(|| None::<IpcError>);
    let title = use_state(String::new);
    let category = use_state(|| DocumentCategory::Report);
    let file_error = use_state(|| None::<String>);
    let waiting_file = use_state(|| None::<Vec<u8>>);
    let busy = use_state(|| false);
    let as_patient = props.patient.is_none();
    let load = {
        let (chart, patient) = (chart.clone(), props.patient);
        Callback::from(move |break_glass: Option<String>| {
            let chart = chart.clone();
            spawn_local(async move {
                let found = match patient {
                    Some(patient) => {
                        backend::patient_chart(ChartArgs {
                            patient,
                            break_glass,
                        })
                        .await
                    }
                    None => backend::my_chart().await,
                };
                chart.set(Some(found));
            });
        })
    };
    {
        let load = load.clone();
        use_effect_with((props.patient, *reloads), move |_| load.emit(None));
    }
    let patient_id = chart
        .as_ref()
        .and_then(|c| c.as_ref().ok())
        .map(|c| c.patient.id);
    let send_file = {
        let (file_error, waiting, reloads, title, category, busy, saved) = (
            file_error.clone(),
            waiting_file.clone(),
            reloads.clone(),
            title.clone(),
            category.clone(),
            busy.clone(),
            saved.clone(),
        );
        Callback::from(move |bytes: Vec<u8>| {
            let Some(patient) = patient_id else { return };
            let (file_error, waiting, reloads, title_state, busy, saved) = (
                file_error.clone(),
                waiting.clone(),
                reloads.clone(),
                title.clone(),
                busy.clone(),
                saved.clone(),
            );
            let (title, category) = ((*title).clone(), *category);
            busy.set(true);
            spawn_local(async move {
                match backend::upload_patient_document(patient, category, &title, &bytes).await {
                    Ok(document) => {
                        waiting.set(None);
                        file_error.set(None);
                        title_state.set(String::new());
                        saved.set(Some(text_with(
                            lang,
                            "chart-uploaded",
                            &[("title", document.title.into())],
                        )));
                        reloads.set(*reloads + 1);
                    }
                    Err(e) if e.code == ErrorCode::ConsentRequired => waiting.set(Some(bytes)),
                    Err(e) => {
                        let message = e
                            .fields
                            .first()
                            .map(|f| field_message(lang, f))
                            .unwrap_or_else(|| crate::i18n::error_message(lang, &e));
                        file_error.set(Some(message));
                    }
                }
                busy.set(false);
            });
        })
    };
    let pick = super::file_pick::on_pick(
        clinic_core::chart::upload_rule(clinic_core::chart::DEFAULT_UPLOAD_MAX_BYTES),
        lang,
        send_file.clone(),
        file_error.clone(),
    );
    let agreed = {
        let (waiting, send_file) = (waiting_file.clone(), send_file.clone());
        Callback::from(move |()| {
            if let Some(bytes) = (*waiting).clone() {
                send_file.emit(bytes);
            }
        })
    };
    let open = |document: &PatientDocument| {
        let (saved, action_error, reloads, id) = (
            saved.clone(),
            action_error.clone(),
            reloads.clone(),
            document.id,
        );
        Callback::from(move |_: MouseEvent| {
            let (saved, action_error, reloads) =
                (saved.clone(), action_error.clone(), reloads.clone());
            spawn_local(async move {
                match backend::open_patient_document(DocumentArgs { document: id }).await {
                    Ok(done) => {
                        saved.set(Some(text_with(
                            lang,
                            "chart-saved",
                            &[("path", done.path.into())],
                        )));
                        action_error.set(None);
                        if as_patient {
                            reloads.set(*reloads + 1);
                        }
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        })
    };
    let export = |format: ExportFormat| {
        let (saved, action_error, patient) = (saved.clone(), action_error.clone(), props.patient);
        Callback::from(move |_: MouseEvent| {
            let (saved, action_error) = (saved.clone(), action_error.clone());
            spawn_local(async move {
                match backend::export_record(ExportArgs {
                    patient,
                    format,
                    language: lang,
                })
                .await
                {
                    Ok(done) => {
                        saved.set(Some(text_with(
                            lang,
                            "chart-saved",
                            &[("path", done.path.into())],
                        )));
                        action_error.set(None);
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        })
    };
    let body = match chart.as_ref() {
        None => html! { <p class="empty">{ "…" }</p> },
        // Refused, or a reason too short: the emergency form, with what was wrong.
        Some(Err(e))
            if matches!(e.code, ErrorCode::Forbidden | ErrorCode::BadRequest) && !as_patient =>
        {
            html! {
                <div class="break-glass" id="break-glass">
                    <p>{ text(lang, "chart-forbidden") }</p>
                    if e.code == ErrorCode::BadRequest {
                        <p class="field-error" id="break-glass-error" role="alert">{ e.message.clone() }</p>
                    }
                    <label for="break-glass-reason">{ text(lang, "chart-break-glass-reason") }</label>
                    <input id="break-glass-reason" value={(*reason).clone()}
                           oninput={{ let reason = reason.clone(); move |e: InputEvent| {
                               reason.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                           } }} />
                    <button type="button" class="primary" id="break-glass-open"
                            onclick={{ let (load, reason) = (load.clone(), reason.clone());
                                       move |_| load.emit(Some((*reason).clone())) }}>
                        { text(lang, "chart-break-glass-open") }
                    </button>
                </div>
            }
        }
        Some(Err(e)) => html! { <ErrorBanner error={Some(e.clone())} language={lang} /> },
        Some(Ok(view)) => {
            let p = &view.patient;
            let mut who = vec![p.demographics.full_name.clone(), p.patient_number.clone()];
            if let Some(born) = p.demographics.date_of_birth {
                who.push(crate::format::date(born));
            }
            html! {
                <>
                    if view.from_this_device {
                        <p class="banner warning" id="chart-offline" role="status">
                            { text_with(lang, "chart-offline", &[("at", day_and_clock(lang, tz, view.as_of).into())]) }
                        </p>
                    }
                    <p class="chart-who" id="chart-who">{ who.join(" · ") }</p>
                    <div class="chart-glance">
                        <div id="chart-allergies">
                            <h5>{ text(lang, "chart-allergies") }</h5>
                            if view.summary.allergies.is_empty() { <p class="empty">{ text(lang, "chart-none-recorded") }</p> }
                            <ul>
                                for a in view.summary.allergies.iter() {
                                    <li class="allergy">{ if a.reaction.is_empty() { a.substance.clone() } else { format!("{} — {}", a.substance, a.reaction) } }</li>
                                }
                            </ul>
                        </div>
                        <div id="chart-conditions">
                            <h5>{ text(lang, "chart-conditions") }</h5>
                            if view.summary.conditions.is_empty() { <p class="empty">{ text(lang, "chart-none-recorded") }</p> }
                            <ul>
                                for c in view.summary.conditions.iter() { <li>{ c.name.clone() }</li> }
                            </ul>
                        </div>
                        <div id="chart-medications">
                            <h5>{ text(lang, "chart-medications") }</h5>
                            if view.medications.is_empty() { <p class="empty">{ text(lang, "chart-none-recorded") }</p> }
                            <ul>
                                for m in view.medications.iter() {
                                    <li>{ text_with(lang, "chart-medication", &[("medicine", m.medicine.clone().into()), ("until", crate::format::day_month(crate::format::local_day(tz, m.until)).into())]) }</li>
                                }
                            </ul>
                        </div>
                    </div>
                    <h5>{ text(lang, "chart-documents") }</h5>
                    if view.documents.is_empty() { <p class="empty" id="no-documents">{ text(lang, "chart-no-documents") }</p> }
                    <table class="chart-documents" id="chart-documents">
                        <tbody>
                            for d in view.documents.iter() {
                                <tr data-title={d.title.clone()}>
                                    <td class="title">
                                        { d.title.clone() }
                                        if as_patient && d.ready_for_patient() {
                                            <span class="report-ready">{ text(lang, "chart-report-ready") }</span>
                                        }
                                    </td>
                                    <td>{ text(lang, &format!("chart-category-{}", d.category.as_str())) }</td>
                                    <td>{ day_and_clock(lang, tz, d.uploaded_at) }</td>
                                    <td>{ text(lang, &format!("chart-by-{}", d.uploaded_by_role.as_str())) }</td>
                                    <td>{ format!("{} · {}", d.kind.as_str().to_uppercase(), size_label(d.size)) }</td>
                                    <td><button type="button" class="link-button open-document" onclick={open(d)}>{ text(lang, "chart-open") }</button></td>
                                </tr>
                            }
                        </tbody>
                    </table>
                    <div class="chart-upload">
                        <input id="upload-title" aria-label={text(lang, "chart-upload-title")}
                               placeholder={text(lang, "chart-upload-title")} value={(*title).clone()}
                               oninput={{ let title = title.clone(); move |e: InputEvent| {
                                   title.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                               } }} />
                        <select id="upload-category" aria-label={text(lang, "chart-upload-category")}
                                onchange={{ let category = category.clone(); move |e: Event| {
                                    let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                                    if let Some(c) = DocumentCategory::ALL.iter().find(|c| c.as_str() == select.value()) {
                                        category.set(*c);
                                    }
                                } }}>
                            for c in DocumentCategory::ALL {
                                <option value={c.as_str()} selected={*category == c}>{ text(lang, &format!("chart-category-{}", c.as_str())) }</option>
                            }
                        </select>
                        <label class="file-pick">
                            <span>{ text(lang, "chart-upload-file") }</span>
                            <input type="file" id="upload-file" accept="application/pdf,image/jpeg,image/png"
                                   disabled={*busy} onchange={pick} />
                        </label>
                    </div>
                    if let Some(m) = &*file_error { <small class="field-error" id="upload-error" role="alert">{ m.clone() }</small> }
                    if waiting_file.is_some() {
                        <super::consent::RecordsConsent patient={view.patient.id} {as_patient} language={lang} on_agreed={agreed.clone()} />
                    }
                    <h5>{ text(lang, "chart-timeline") }</h5>
                    <ol class="chart-timeline" id="chart-timeline">
                        for e in view.timeline.iter() {
                            <li data-kind={e.kind.as_str()}>
                                <span class="when">{ day_and_clock(lang, tz, e.at) }</span>
                                <span class="kind">{ text(lang, &format!("chart-kind-{}", e.kind.as_str())) }</span>
                                <span class="what">{ e.title.clone() }</span>
                                if !e.detail.is_empty() && e.kind != TimelineKind::Visit {
                                    <span class="detail">{ e.detail.clone() }</span>
                                }
                            </li>
                        }
                    </ol>
                </>
            }
        }
    };
    html! {
        <section class="chart" id="chart">
            <div class="chart-head">
                <h4>{ text(lang, if as_patient { "chart-mine-title" } else { "chart-title" }) }</h4>
                <span class="chart-actions">
                    <button type="button" class="link-button" id="chart-export-pdf" onclick={export(ExportFormat::SummaryPdf)}>
                        { text(lang, "chart-export-pdf") }
                    </button>
                    <button type="button" class="link-button" id="chart-export-fhir" onclick={export(ExportFormat::Fhir)}>
                        { text(lang, "chart-export-fhir") }
                    </button>
                </span>
                <button type="button" class="link-button" id="chart-refresh"
                        onclick={{ let reloads = reloads.clone(); move |_| reloads.set(*reloads + 1) }}>
                    { text(lang, "chart-refresh") }
                </button>
            </div>
            if let Some(m) = &*saved { <p class="banner ok" role="status" id="chart-saved">{ m.clone() }</p> }
            <ErrorBanner error={(*action_error).clone()} language={lang} />
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartFinderProps {
    pub language: Language,
    pub time_zone: AttrValue,
}

/// A doctor looks up any patient of the registry (this computer's copy) and opens their chart:
/// their own patients' at once, anyone else's only in an emergency, with a reason.
#[component]
pub fn ChartFinder(props: &ChartFinderProps) -> Html {
    let lang = props.language;
    let query = use_state(String::new);
    let found = use_state(Vec::<clinic_core::registry::PatientSummary>::new);
    let open = use_state(|| None::<clinic_core::PatientId>);
    {
        let (found, query) = (found.clone(), (*query).clone());
        use_effect_with(query.clone(), move |_| {
            spawn_local(async move {
                if query.trim().is_empty() {
                    found.set(Vec::new());
                } else if let Ok(list) = backend::search_patients(query).await {
                    found.set(list.into_iter().take(5).collect());
                }
            });
        });
    }
    html! {
        <section class="card chart-finder" id="chart-finder">
            <h2>{ text(lang, "chart-finder-title") }</h2>
            <input id="chart-search" aria-label={text(lang, "chart-finder-search")}
                   placeholder={text(lang, "chart-finder-search")} value={(*query).clone()}
                   oninput={{ let query = query.clone(); move |e: InputEvent| {
                       query.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                   } }} />
            <ul class="found">
                for p in found.iter() {
                    <li data-number={p.patient_number.clone()}>
                        { format!("{} · {}", p.full_name, p.patient_number) }
                        <button type="button" class="link-button open-patient-chart"
                                onclick={{ let (open, id) = (open.clone(), p.id); move |_| open.set(Some(id)) }}>
                            { text(lang, "chart-title") }
                        </button>
                    </li>
                }
            </ul>
            if let Some(patient) = *open {
                <ChartPanel patient={Some(patient)} language={lang} time_zone={props.time_zone.clone()} />
            }
        </section>
    }
}
