//! The patient build's appointments: one's own (with cancel), and booking a new one — find a
//! verified doctor, see their free times, request one. Searching and requesting ask the server;
//! the list of one's appointments comes from this device's store.

use clinic_core::appointment::Status;
use clinic_core::availability::{ConsultationType, Slot};
use clinic_core::doctor::{DirectoryEntry, DirectoryPage};
use clinic_core::ipc::{
    AppointmentArgs, DoctorSlotsArgs, FindDoctorsArgs, Language, MyAppointments,
    RequestAppointmentArgs,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::format::{clinic_zone, day_and_clock};
use crate::hooks::use_submission;
use crate::i18n::status_label;
use crate::i18n::{field_message, text, text_with};
use crate::state::AppModel;

#[component]
pub fn PatientAppointments() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let tick = model.connection.as_ref().map(|c| c.checked_at);
    let mine = use_state(|| None::<MyAppointments>);
    let query = use_state(String::new);
    let consultation = use_state(|| ConsultationType::InPerson);
    let found = use_state(|| None::<DirectoryPage>);
    let chosen = use_state(|| None::<DirectoryEntry>);
    let slots = use_state(Vec::<Slot>::new);
    let reason = use_state(String::new);
    let submission = use_submission();

    {
        let mine = mine.clone();
        use_effect_with(tick, move |_| {
            spawn_local(async move {
                if let Ok(list) = backend::my_appointments().await {
                    mine.set(Some(list));
                }
            });
        });
    }
    {
        let found = found.clone();
        // Searched again as the connection is checked, so next free times stay current.
        use_effect_with(
            ((*query).clone(), *consultation, tick),
            move |(query, consultation, _)| {
                let args = FindDoctorsArgs {
                    text: query.clone(),
                    consultation: *consultation,
                };
                spawn_local(async move {
                    if let Ok(page) = backend::find_doctors(args).await {
                        found.set(Some(page));
                    }
                });
            },
        );
    }
    {
        let slots = slots.clone();
        use_effect_with(
            (chosen.as_ref().map(|c| c.doctor.id), *consultation),
            move |&(doctor, consultation)| {
                spawn_local(async move {
                    let Some(doctor) = doctor else {
                        slots.set(Vec::new());
                        return;
                    };
                    if let Ok(found) = backend::doctor_slots(DoctorSlotsArgs {
                        doctor,
                        consultation,
                    })
                    .await
                    {
                        slots.set(found);
                    }
                });
            },
        );
    }

    let tz = clinic_zone(&model);
    let request = {
        let (chosen, consultation, reason, submission, mine) = (
            chosen.clone(),
            consultation.clone(),
            reason.clone(),
            submission.clone(),
            mine.clone(),
        );
        Callback::from(move |start| {
            let Some(doctor) = chosen.as_ref().map(|c| c.doctor.id) else {
                return;
            };
            let args = RequestAppointmentArgs {
                doctor,
                consultation: *consultation,
                start,
                reason: Some((*reason).clone()),
            };
            let (mine, chosen) = (mine.clone(), chosen.clone());
            submission.run(backend::request_appointment(args), move |list| {
                mine.set(Some(list));
                chosen.set(None);
            });
        })
    };
    // The appointment whose conversation is open.
    let chatting = use_state(|| None::<clinic_core::AppointmentId>);
    // Unread messages per appointment, read again with the list and when a conversation closes.
    let unread = use_state(Vec::<(clinic_core::AppointmentId, usize)>::new);
    {
        let unread = unread.clone();
        use_effect_with((tick, *chatting), move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::unread_messages().await {
                    unread.set(found);
                }
            });
        });
    }
    let cancel = {
        let (submission, mine) = (submission.clone(), mine.clone());
        Callback::from(move |appointment| {
            let mine = mine.clone();
            submission.run(
                backend::cancel_my_appointment(AppointmentArgs { appointment }),
                move |list| mine.set(Some(list)),
            );
        })
    };
    let slot_error = submission
        .fields()
        .into_iter()
        .find(|f| f.field == "start")
        .map(|f| field_message(lang, &f));

    html! {
        <section class="card appointments" id="patient-appointments">
            <h2>{ text(lang, "my-appointments-title") }</h2>
            <ErrorBanner error={submission.error().filter(|e| e.fields.is_empty())} language={lang} />
            { my_list(lang, tz, mine.as_ref(), &cancel, &chatting, &unread) }
            if let Some(appointment) = *chatting {
                <crate::components::chat::ChatPanel {appointment} language={lang} time_zone={tz.name().to_owned()}
                    on_close={{ let chatting = chatting.clone(); Callback::from(move |_| chatting.set(None)) }} />
            }

            <MyConsultations language={lang} time_zone={tz.name().to_owned()} />
            <super::prescription::MyPrescriptions language={lang} time_zone={tz.name().to_owned()} />
            <super::billing::MyBills language={lang} />
            <crate::components::chart::ChartPanel language={lang} time_zone={tz.name().to_owned()} />
            <h3>{ text(lang, "find-doctor-title") }</h3>
            <div class="booking-row">
                <div class="field">
                    <label for="doctor-search">{ text(lang, "find-doctor-label") }</label>
                    <input id="doctor-search" type="search" value={(*query).clone()}
                           placeholder={text(lang, "find-doctor-hint")}
                           oninput={{ let query = query.clone(); move |e: InputEvent| {
                               let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                               query.set(input.value());
                           } }} />
                </div>
                <div class="field">
                    <label for="patient-kind">{ text(lang, "booking-kind") }</label>
                    <select id="patient-kind" onchange={{ let consultation = consultation.clone(); move |e: Event| {
                        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                        consultation.set(if select.value() == "video" { ConsultationType::Video } else { ConsultationType::InPerson });
                    } }}>
                        <option value="in_person">{ text(lang, "consultation-in_person") }</option>
                        <option value="video">{ text(lang, "consultation-video") }</option>
                    </select>
                </div>
            </div>
            <ul class="doctor-results" id="doctor-results">
                for (i, entry) in found.as_ref().map(|p| p.entries.clone()).unwrap_or_default().into_iter().enumerate() {
                    { doctor_item(lang, tz, i, &entry, *consultation, &chosen) }
                }
            </ul>
            if let Some(entry) = &*chosen {
                <div class="doctor-times" id="doctor-times">
                    <h4>{ text_with(lang, "times-with", &[("doctor", entry.doctor.profile.display_name.clone().into())]) }</h4>
                    <div class="field">
                        <label for="request-reason">{ text(lang, "request-reason") }</label>
                        <input id="request-reason" type="text" value={(*reason).clone()}
                               oninput={{ let reason = reason.clone(); move |e: InputEvent| {
                                   let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                                   reason.set(input.value());
                               } }} />
                    </div>
                    <div class="slots">
                        if slots.is_empty() {
                            <span class="empty">{ text(lang, "booking-no-slots") }</span>
                        }
                        for (i, slot) in slots.iter().take(12).enumerate() {
                            <button type="button" class="slot" id={format!("patient-slot-{i}")}
                                    disabled={submission.busy()}
                                    onclick={{ let (request, start) = (request.clone(), slot.start); move |_| request.emit(start) }}>
                                { day_and_clock(lang, tz, slot.start) }
                            </button>
                        }
                    </div>
                    if let Some(message) = slot_error {
                        <p class="field-error" role="alert">{ message }</p>
                    }
                </div>
            }
        </section>
    }
}

fn my_list(
    lang: Language,
    tz: chrono_tz::Tz,
    mine: Option<&MyAppointments>,
    cancel: &Callback<clinic_core::AppointmentId>,
    chatting: &UseStateHandle<Option<clinic_core::AppointmentId>>,
    unread: &[(clinic_core::AppointmentId, usize)],
) -> Html {
    let Some(mine) = mine else {
        return html! {};
    };
    if mine.appointments.is_empty() {
        return html! { <p class="empty" id="no-appointments">{ text(lang, "my-appointments-empty") }</p> };
    }
    html! {
        <table id="my-appointments">
            <thead><tr>
                <th scope="col">{ text(lang, "column-doctor") }</th>
                <th scope="col">{ text(lang, "column-time") }</th>
                <th scope="col">{ text(lang, "booking-kind") }</th>
                <th scope="col">{ text(lang, "column-status") }</th>
                <th scope="col"><span class="visually-hidden">{ text(lang, "column-actions") }</span></th>
            </tr></thead>
            <tbody>
                for item in mine.appointments.iter() {
                    <tr class={classes!("my-appointment", item.appointment.status.as_str())}
                        data-status={item.appointment.status.as_str()}>
                        <td>{ item.doctor_name.clone() }</td>
                        <td>{ item.appointment.slot.map(|s| day_and_clock(lang, tz, s.start)).unwrap_or_else(|| text(lang, "walk-in")) }</td>
                        <td>{ text(lang, match item.appointment.consultation {
                            ConsultationType::InPerson => "consultation-in_person",
                            ConsultationType::Video => "consultation-video",
                        }) }</td>
                        <td class="status">
                            { status_label(lang, item.appointment.status) }
                            if item.pending { <span class="pending-mark" title={text(lang, "appointment-pending")}>{ " ⟳" }</span> }
                        </td>
                        <td class="actions">
                            if clinic_core::chat::conversation_open(item.appointment.status) && !item.pending {
                                <button type="button" class={classes!("secondary", "open-chat", super::appointments::unread_of(unread, item.appointment.id).map(|_| "has-unread"))}
                                        onclick={{ let (chatting, id) = (chatting.clone(), item.appointment.id); move |_| chatting.set(Some(id)) }}>
                                    { text(lang, "chat-open") }
                                    if let Some(n) = super::appointments::unread_of(unread, item.appointment.id) { <span class="unread">{ format!(" ({n})") }</span> }
                                </button>
                            }
                            if crate::components::join_call::has_call(&item.appointment) && !item.pending {
                                <crate::components::join_call::JoinCall appointment={item.appointment.id} patient={item.appointment.patient}
                                                       language={lang} time_zone={tz.name().to_owned()}
                                                       as_patient=true />
                            }
                            if matches!(item.appointment.status, Status::Requested | Status::Confirmed) && !item.pending {
                                <button type="button" class="secondary cancel"
                                        onclick={{ let (cancel, id) = (cancel.clone(), item.appointment.id); move |_| cancel.emit(id) }}>
                                    { text(lang, "step-cancel") }
                                </button>
                            }
                        </td>
                    </tr>
                }
            </tbody>
        </table>
    }
}

fn doctor_item(
    lang: Language,
    tz: chrono_tz::Tz,
    i: usize,
    entry: &DirectoryEntry,
    consultation: ConsultationType,
    chosen: &UseStateHandle<Option<DirectoryEntry>>,
) -> Html {
    let p = &entry.doctor.profile;
    let next = entry
        .next_free
        .map(|s| {
            text_with(
                lang,
                "next-free",
                &[("time", day_and_clock(lang, tz, s.start).into())],
            )
        })
        .unwrap_or_else(|| text(lang, "booking-no-slots"));
    let choose = {
        let (chosen, entry) = (chosen.clone(), entry.clone());
        move |_| chosen.set(Some(entry.clone()))
    };
    html! {
        <li class="doctor-result" id={format!("doctor-{i}")} data-name={p.display_name.clone()}>
            <div class="who">
                <strong>{ p.display_name.clone() }</strong>
                if entry.doctor.verification.is_verified() {
                    <span class="verified" title={text(lang, "verified-title")}>{ text(lang, "verified") }</span>
                }
                <div class="about">
                    { format!("{} · {} · ৳{}", p.specialty, p.qualifications, p.fees.of(consultation)) }
                </div>
                <div class="next">{ next }</div>
            </div>
            <button type="button" class="primary choose" onclick={choose}>{ text(lang, "see-times") }</button>
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct MyConsultationsProps {
    language: Language,
    time_zone: AttrValue,
}

/// The patient's own consultations: when, with whom, what the doctor found and advised.
#[component]
fn MyConsultations(props: &MyConsultationsProps) -> Html {
    let lang = props.language;
    let list = use_state(|| None::<Vec<clinic_core::ipc::ConsultationSummary>>);
    {
        let list = list.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::my_consultations().await {
                    list.set(Some(found));
                }
            });
        });
    }
    let Some(found) = &*list else {
        return html! {};
    };
    let tz = crate::format::zone(&props.time_zone);
    html! {
        <div class="my-consultations" id="my-consultations">
            <h3>{ text(lang, "my-consultations-title") }</h3>
            if found.is_empty() {
                <p class="empty">{ text(lang, "history-empty") }</p>
            }
            <ul>
                for c in found.iter() { { super::consultation::past_consultation(lang, tz, c) } }
            </ul>
        </div>
    }
}
