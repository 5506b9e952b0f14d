//! The appointment book at the desk: book in a few keystrokes (patient → doctor → first free
//! slot), queue walk-ins, the day's waiting room, and conflicts with one-click rebooking. The
//! doctor's home shows their own day with the steps that are theirs. All of it reads and writes
//! the local encrypted store through the desk, so it works offline.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clinic_core::appointment::{Status, Step};
use clinic_core::availability::{ConsultationType, Slot};
use clinic_core::doctor::DoctorRecord;
use clinic_core::ipc::{
    AppointmentView, BookArgs, BookSeriesArgs, BookingConflict, DayArgs, ExportCalendarArgs,
    FreeSlotsArgs, Language, PrintDayListArgs, RebookArgs, RescheduleArgs, ScheduleDay,
    SeriesBooked, StepArgs,
};
use clinic_core::registry::PatientSummary;
use clinic_core::sync::RejectionReason;
use clinic_core::{Role, UserId};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::hooks::use_submission;
use crate::i18n::{field_message, text, text_with};
use crate::state::AppModel;

/// How many free slots the booking form offers at once.
const SLOTS_OFFERED: u32 = 8;

pub(crate) fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// The clinic's clock, as the desk last heard it (UTC until the first sign-in brings it).
pub(crate) fn clinic_zone(model: &AppModel) -> Tz {
    zone(
        model
            .connection
            .as_ref()
            .and_then(|c| c.clinic_time_zone.as_deref())
            .unwrap_or("UTC"),
    )
}

/// `10:30`, on the clinic's clock.
pub(crate) fn clock(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// `Tue 1 Dec 10:30`, on the clinic's clock, with the weekday in the desk's language.
pub(crate) fn day_and_clock(lang: Language, tz: Tz, t: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let local = t.with_timezone(&tz);
    format!(
        "{} {} {}",
        text(lang, &format!("weekday-{:?}", local.weekday())),
        local.format("%d.%m."),
        local.format("%H:%M")
    )
}

pub(crate) fn status_label(lang: Language, status: Status) -> String {
    text(lang, &format!("appointment-status-{}", status.as_str()))
}

/// The front desk's appointments card.
#[component]
pub fn FrontDeskAppointments() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    // Bumped after every booking or step, so the lists read the book again.
    let changed = use_state(|| 0_u32);
    let on_changed = {
        let changed = changed.clone();
        Callback::from(move |_| changed.set(*changed + 1))
    };
    // How many conflicts are shown: a new one makes the last "Booked" message stale.
    let conflicts = use_state(|| 0_usize);
    let on_conflicts = {
        let conflicts = conflicts.clone();
        Callback::from(move |n: usize| conflicts.set(n))
    };
    html! {
        <section class="card appointments" id="appointments">
            <h2>{ text(lang, "appointments-title") }</h2>
            <BookingConflicts language={lang} changed={*changed} on_changed={on_changed.clone()}
                              {on_conflicts} />
            <BookingForm language={lang} on_booked={on_changed.clone()} conflicts={*conflicts} />
            <DayList language={lang} doctor={None::<UserId>} role={Role::FrontDesk}
                     changed={*changed} {on_changed} />
        </section>
    }
}

/// The doctor's own day: their waiting room and requests, with the steps that are theirs.
#[derive(Properties, PartialEq)]
pub struct DoctorDayProps {
    pub doctor: UserId,
}

#[component]
pub fn DoctorDay(props: &DoctorDayProps) -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let changed = use_state(|| 0_u32);
    let on_changed = {
        let changed = changed.clone();
        Callback::from(move |_| changed.set(*changed + 1))
    };
    html! {
        <section class="card appointments" id="doctor-day">
            <h2>{ text(lang, "doctor-day-title") }</h2>
            <DayList language={lang} doctor={Some(props.doctor)} role={Role::Doctor}
                     changed={*changed} {on_changed} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct BookingFormProps {
    language: Language,
    on_booked: Callback<()>,
    /// Conflicts shown now (see [`FrontDeskAppointments`]).
    conflicts: usize,
}

/// Patient → doctor → first free slot → Enter. A walk-in is one key (Alt+W) after the patient.
#[component]
fn BookingForm(props: &BookingFormProps) -> Html {
    let lang = props.language;
    let query = use_state(String::new);
    let matches = use_state(Vec::<PatientSummary>::new);
    let patient = use_state(|| None::<PatientSummary>);
    let doctors = use_state(Vec::<DoctorRecord>::new);
    let doctor = use_state(|| None::<UserId>);
    let consultation = use_state(|| ConsultationType::InPerson);
    let slots = use_state(Vec::<Slot>::new);
    let booked = use_state(|| None::<AppointmentView>);
    // Follow-ups: weeks apart (0: none) and how many visits in all.
    let repeat = use_state(|| 0_u32);
    let visits = use_state(|| 4_u32);
    let series = use_state(|| None::<SeriesBooked>);
    let submission = use_submission();
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let tick = model.connection.as_ref().map(|c| c.checked_at);
    {
        let booked = booked.clone();
        use_effect_with(props.conflicts, move |&n| {
            if n > 0 {
                booked.set(None);
            }
        });
    }

    // The clinic's doctors (from the local copy), verified ones only; the first is chosen.
    {
        let (doctors, doctor) = (doctors.clone(), doctor.clone());
        use_effect_with(tick, move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::clinic_doctors().await {
                    let verified: Vec<DoctorRecord> = found
                        .into_iter()
                        .filter(|d| d.verification.is_verified())
                        .collect();
                    if doctor.is_none() {
                        doctor.set(verified.first().map(|d| d.id));
                    }
                    doctors.set(verified);
                }
            });
        });
    }
    // Patients matching what is typed.
    {
        let matches = matches.clone();
        use_effect_with((*query).clone(), move |query| {
            let query = query.clone();
            spawn_local(async move {
                if query.trim().is_empty() {
                    matches.set(Vec::new());
                } else if let Ok(found) = backend::search_patients(query).await {
                    matches.set(found.into_iter().take(5).collect());
                }
            });
        });
    }
    // The next free slots of the chosen doctor.
    {
        let slots = slots.clone();
        use_effect_with(
            (
                *doctor,
                *consultation,
                tick,
                booked.as_ref().map(|b| b.appointment.id),
                series
                    .as_ref()
                    .and_then(|s| s.booked.first().map(|v| v.appointment.id)),
            ),
            move |&(doctor, consultation, _, _, _)| {
                spawn_local(async move {
                    let Some(doctor) = doctor else { return };
                    if let Ok(found) = backend::free_slots(FreeSlotsArgs {
                        doctor: Some(doctor),
                        specialty: None,
                        consultation,
                        from: None,
                        days: 14,
                        limit: SLOTS_OFFERED,
                    })
                    .await
                    {
                        slots.set(found);
                    }
                });
            },
        );
    }

    let book = {
        let (patient, doctor, consultation, booked, submission, on_booked, query) = (
            patient.clone(),
            doctor.clone(),
            consultation.clone(),
            booked.clone(),
            submission.clone(),
            props.on_booked.clone(),
            query.clone(),
        );
        let (repeat, visits, series) = (repeat.clone(), visits.clone(), series.clone());
        Callback::from(move |start: Option<DateTime<Utc>>| {
            let (Some(p), Some(d)) = ((*patient).clone(), *doctor) else {
                return;
            };
            let args = BookArgs {
                patient: p.id,
                doctor: d,
                consultation: *consultation,
                start,
                reason: None,
            };
            let (booked, on_booked, patient, query, series) = (
                booked.clone(),
                on_booked.clone(),
                patient.clone(),
                query.clone(),
                series.clone(),
            );
            if start.is_some() && *repeat > 0 {
                let args = BookSeriesArgs {
                    booking: args,
                    every_weeks: *repeat,
                    count: *visits,
                };
                submission.run(backend::book_series(args), move |result| {
                    booked.set(None);
                    series.set(Some(result));
                    patient.set(None);
                    query.set(String::new());
                    on_booked.emit(());
                    focus("booking-patient");
                });
                return;
            }
            submission.run(backend::book_appointment(args), move |view| {
                series.set(None);
                booked.set(Some(view));
                patient.set(None);
                query.set(String::new());
                on_booked.emit(());
                focus("booking-patient");
            });
        })
    };
    let pick = {
        let (patient, booked) = (patient.clone(), booked.clone());
        Callback::from(move |p: PatientSummary| {
            booked.set(None);
            patient.set(Some(p));
            focus("slot-0");
        })
    };
    let on_query_key = {
        let (matches, pick) = (matches.clone(), pick.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                if let Some(first) = matches.first() {
                    e.prevent_default();
                    pick.emit(first.clone());
                }
            }
        })
    };
    // Alt+W: the chosen patient joins the chosen doctor's queue as a walk-in.
    let on_form_key = {
        let book = book.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.alt_key() && e.key().eq_ignore_ascii_case("w") {
                e.prevent_default();
                book.emit(None);
            }
        })
    };
    let tz = clinic_zone(&model);
    let slot_error = submission
        .fields()
        .into_iter()
        .find(|f| f.field == "start")
        .map(|f| field_message(lang, &f));
    let other_error = submission
        .error()
        .filter(|e| e.fields.iter().all(|f| f.field != "start"));
    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            query.set(input.value());
        })
    };
    let on_doctor = {
        let doctor = doctor.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            doctor.set(select.value().parse().ok());
        })
    };
    let on_kind = {
        let consultation = consultation.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            consultation.set(if select.value() == "video" {
                ConsultationType::Video
            } else {
                ConsultationType::InPerson
            });
        })
    };
    let chosen = (*patient).clone();
    html! {
        <div class="booking" id="booking" onkeydown={on_form_key}>
            <h3>{ text(lang, "booking-title") }</h3>
            if let Some(view) = &*booked {
                <p class="banner ok" role="status" id="booking-saved">
                    { booked_message(lang, tz, view) }
                </p>
            }
            if let Some(result) = &*series {
                <p class="banner ok" role="status" id="series-saved">
                    { text_with(lang, "series-saved", &[
                        ("count", (result.booked.len() as u64).into()),
                        ("times", result.booked.iter()
                            .filter_map(|v| v.appointment.slot)
                            .map(|s| day_and_clock(lang, tz, s.start))
                            .collect::<Vec<_>>().join(", ").into()),
                    ]) }
                </p>
                if !result.not_booked.is_empty() {
                    <ul class="banner warning" id="series-not-booked">
                        for (start, problem) in result.not_booked.iter() {
                            <li>{ format!("{} — {}", day_and_clock(lang, tz, *start),
                                  text(lang, &format!("slot-{}", booking_key(*problem)))) }</li>
                        }
                    </ul>
                }
            }
            <ErrorBanner error={other_error} language={lang} />
            <div class="booking-row">
                <div class="field">
                    <label for="booking-patient">{ text(lang, "booking-patient") }</label>
                    if let Some(p) = &chosen {
                        <p class="chosen" id="booking-chosen">
                            { format!("{} · {}", p.full_name, p.patient_number) }
                            <button type="button" class="link-button" id="booking-change-patient"
                                    onclick={{ let patient = patient.clone(); move |_| { patient.set(None); focus("booking-patient"); } }}>
                                { text(lang, "booking-change") }
                            </button>
                        </p>
                    } else {
                        <input id="booking-patient" type="search" value={(*query).clone()}
                               {oninput} onkeydown={on_query_key}
                               placeholder={text(lang, "booking-patient-hint")}
                               aria-describedby="booking-patient-hint" autocomplete="off" />
                        <p class="hint" id="booking-patient-hint">{ text(lang, "booking-keys") }</p>
                        if !matches.is_empty() {
                            <ul class="matches" id="booking-matches">
                                for p in matches.iter() {
                                    <li>
                                        <button type="button" class="link-button booking-match"
                                                onclick={{ let (pick, p) = (pick.clone(), p.clone()); move |_| pick.emit(p.clone()) }}>
                                            { format!("{} · {}", p.full_name, p.patient_number) }
                                        </button>
                                    </li>
                                }
                            </ul>
                        }
                    }
                </div>
                <div class="field">
                    <label for="booking-doctor">{ text(lang, "booking-doctor") }</label>
                    <select id="booking-doctor" onchange={on_doctor}>
                        for d in doctors.iter() {
                            <option value={d.id.to_string()} selected={Some(d.id) == *doctor}>
                                { format!("{} · {}", d.profile.display_name, d.profile.specialty) }
                            </option>
                        }
                    </select>
                </div>
                <div class="field">
                    <label for="booking-kind">{ text(lang, "booking-kind") }</label>
                    <select id="booking-kind" onchange={on_kind}>
                        <option value="in_person" selected={*consultation == ConsultationType::InPerson}>
                            { text(lang, "consultation-in_person") }
                        </option>
                        <option value="video" selected={*consultation == ConsultationType::Video}>
                            { text(lang, "consultation-video") }
                        </option>
                    </select>
                </div>
                <div class="field">
                    <label for="booking-repeat">{ text(lang, "booking-repeat") }</label>
                    <select id="booking-repeat" onchange={{ let repeat = repeat.clone(); move |e: Event| {
                        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                        repeat.set(select.value().parse().unwrap_or(0));
                    } }}>
                        <option value="0" selected={*repeat == 0}>{ text(lang, "repeat-none") }</option>
                        for weeks in [1_u32, 2, 4] {
                            <option value={weeks.to_string()} selected={*repeat == weeks}>
                                { text_with(lang, "repeat-every", &[("weeks", u64::from(weeks).into())]) }
                            </option>
                        }
                    </select>
                </div>
                if *repeat > 0 {
                    <div class="field">
                        <label for="booking-visits">{ text(lang, "booking-visits") }</label>
                        <input id="booking-visits" type="number" min="2" max="12" value={visits.to_string()}
                               oninput={{ let visits = visits.clone(); move |e: InputEvent| {
                                   let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                                   visits.set(input.value().parse().unwrap_or(0));
                               } }} />
                    </div>
                }
            </div>
            <div class="slots" role="group" aria-label={text(lang, "booking-slots")}>
                <span class="label">{ text(lang, "booking-slots") }</span>
                if slots.is_empty() {
                    <span class="empty" id="no-slots">{ text(lang, "booking-no-slots") }</span>
                }
                for (i, slot) in slots.iter().enumerate() {
                    <button type="button" id={format!("slot-{i}")} class="slot"
                            disabled={chosen.is_none() || submission.busy()}
                            data-start={slot.start.to_rfc3339()}
                            onclick={{ let (book, start) = (book.clone(), slot.start); move |_| book.emit(Some(start)) }}>
                        { day_and_clock(lang, tz, slot.start) }
                    </button>
                }
                <button type="button" id="book-walk-in" class="secondary"
                        disabled={chosen.is_none() || submission.busy()}
                        onclick={{ let book = book.clone(); move |_| book.emit(None) }}>
                    { text(lang, "booking-walk-in") }
                </button>
            </div>
            if let Some(message) = slot_error {
                <p class="field-error" id="booking-slot-error" role="alert">{ message }</p>
            }
        </div>
    }
}

fn booking_key(problem: clinic_core::booking::BookingProblem) -> String {
    serde_json::to_value(problem)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn booked_message(lang: Language, tz: Tz, view: &AppointmentView) -> String {
    match view.appointment.slot {
        Some(slot) => text_with(
            lang,
            "booking-saved",
            &[
                ("patient", view.patient_name.clone().into()),
                ("doctor", view.doctor_name.clone().into()),
                ("time", day_and_clock(lang, tz, slot.start).into()),
            ],
        ),
        None => text_with(
            lang,
            "walk-in-saved",
            &[
                ("patient", view.patient_name.clone().into()),
                ("doctor", view.doctor_name.clone().into()),
            ],
        ),
    }
}

/// Move the keyboard focus (after a step that changes what is on screen).
fn focus(id: &'static str) {
    spawn_local(async move {
        // After the next render.
        gloo_timers::future::TimeoutFuture::new(0).await;
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
        {
            use wasm_bindgen::JsCast;
            if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
                let _ = element.focus();
            }
        }
    });
}

#[derive(Properties, PartialEq)]
struct ConflictsProps {
    language: Language,
    changed: u32,
    on_changed: Callback<()>,
    on_conflicts: Callback<usize>,
}

/// Bookings the server gave to someone else: first in the card, each with a one-click rebook.
#[component]
fn BookingConflicts(props: &ConflictsProps) -> Html {
    let lang = props.language;
    let conflicts = use_state(Vec::<BookingConflict>::new);
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let tick = model.connection.as_ref().map(|c| c.checked_at);
    let submission = use_submission();
    {
        let (conflicts, on_conflicts) = (conflicts.clone(), props.on_conflicts.clone());
        use_effect_with((props.changed, tick), move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::booking_conflicts().await {
                    on_conflicts.emit(found.len());
                    conflicts.set(found);
                }
            });
        });
    }
    if conflicts.is_empty() {
        return html! {};
    }
    html! {
        <div class="conflicts" id="booking-conflicts" role="alert">
            <h3>{ text(lang, "conflicts-title") }</h3>
            <ErrorBanner error={submission.error()} language={lang} />
            <ul>
                for (i, c) in conflicts.iter().enumerate() {
                    { conflict_item(lang, i, c, &submission, &props.on_changed) }
                }
            </ul>
        </div>
    }
}

fn conflict_item(
    lang: Language,
    i: usize,
    c: &BookingConflict,
    submission: &crate::hooks::Submission,
    on_changed: &Callback<()>,
) -> Html {
    let tz = zone(&c.time_zone);
    let when = c
        .start
        .map(|s| day_and_clock(lang, tz, s))
        .unwrap_or_default();
    let why = match (c.rejection.reason, c.rejection.taken_at) {
        (RejectionReason::SlotTaken, Some(taken)) => text_with(
            lang,
            "conflict-taken",
            &[
                ("time", when.clone().into()),
                ("doctor", c.doctor_name.clone().into()),
                ("taken", clock(tz, taken).into()),
            ],
        ),
        (reason, _) => text_with(
            lang,
            "conflict-refused",
            &[
                ("time", when.clone().into()),
                ("doctor", c.doctor_name.clone().into()),
                (
                    "reason",
                    text(lang, &format!("rejected-reason-{}", reason_key(reason))).into(),
                ),
            ],
        ),
    };
    let rebook = c.next_free.map(|slot| {
        let (submission, on_changed, command) = (submission.clone(), on_changed.clone(), c.command);
        let onclick = move |_| {
            let on_changed = on_changed.clone();
            submission.run(
                backend::rebook(RebookArgs {
                    command,
                    start: slot.start,
                }),
                move |_| on_changed.emit(()),
            );
        };
        html! {
            <button type="button" class="primary rebook" id={format!("rebook-{i}")} {onclick}>
                { text_with(lang, "conflict-rebook", &[("time", day_and_clock(lang, tz, slot.start).into())]) }
            </button>
        }
    });
    let dismiss = {
        let (on_changed, command) = (on_changed.clone(), c.command);
        move |_| {
            let on_changed = on_changed.clone();
            spawn_local(async move {
                let _ = backend::dismiss_rejected(command).await;
                on_changed.emit(());
            });
        }
    };
    html! {
        <li class="conflict" data-patient={c.patient_name.clone()}>
            <p><strong>{ c.patient_name.clone() }</strong>{ " — " }{ why }</p>
            { for rebook }
            <button type="button" class="secondary" id={format!("dismiss-conflict-{i}")} onclick={dismiss}>
                { text(lang, "conflict-dismiss") }
            </button>
        </li>
    }
}

fn reason_key(reason: RejectionReason) -> String {
    serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "malformed".to_owned())
}

#[derive(Properties, PartialEq)]
struct DayListProps {
    language: Language,
    doctor: Option<UserId>,
    role: Role,
    changed: u32,
    on_changed: Callback<()>,
}

/// Today's appointments: the waiting room (in consultation, then by token), then bookings to
/// come, then the ones that are over; with the steps the role may take.
#[component]
fn DayList(props: &DayListProps) -> Html {
    let lang = props.language;
    let day = use_state(|| None::<ScheduleDay>);
    // The week view: `Some(first day)` when shown.
    let week_from = use_state(|| None::<chrono::NaiveDate>);
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let tick = model.connection.as_ref().map(|c| c.checked_at);
    let submission = use_submission();
    {
        let (day, doctor) = (day.clone(), props.doctor);
        use_effect_with((props.changed, tick), move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::appointment_day(DayArgs { day: None, doctor }).await {
                    day.set(Some(found));
                }
            });
        });
    }
    let printed = use_state(|| None::<String>);
    // The appointment being moved to another time, and what the last move did.
    let moving = use_state(|| None::<AppointmentView>);
    // The doctor's consultation screen, when open.
    let consulting = use_state(|| None::<clinic_core::AppointmentId>);
    // The doctor's conversation with a patient, when open (under the list).
    let chatting = use_state(|| None::<clinic_core::AppointmentId>);
    // Unread messages per appointment, read again with the day.
    let unread = use_state(Vec::<(clinic_core::AppointmentId, usize)>::new);
    {
        let unread = unread.clone();
        use_effect_with((props.changed, tick, *chatting), move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::unread_messages().await {
                    unread.set(found);
                }
            });
        });
    }
    let moved = use_state(|| None::<String>);
    let print = {
        let (submission, printed, doctor) = (submission.clone(), printed.clone(), props.doctor);
        Callback::from(move |_| {
            let printed = printed.clone();
            submission.run(
                backend::print_day_list(PrintDayListArgs {
                    day: None,
                    doctor,
                    language: lang,
                }),
                move |document| printed.set(Some(document.path)),
            );
        })
    };
    let Some(today) = &*day else {
        return html! {};
    };
    let tz = zone(&today.time_zone);
    // The desk moves appointments; a doctor's screen does not.
    let on_move = (props.role != Role::Doctor).then(|| {
        let (moving, moved) = (moving.clone(), moved.clone());
        Callback::from(move |view: AppointmentView| {
            moved.set(None);
            moving.set(Some(view));
            focus("move-day");
        })
    });
    let mover = html! {
        <>
            if let Some(view) = &*moving {
                <MoveAppointment language={lang} view={view.clone()} time_zone={today.time_zone.clone()}
                    on_close={{ let moving = moving.clone(); Callback::from(move |_| moving.set(None)) }}
                    on_moved={{ let (moving, moved, on_changed) = (moving.clone(), moved.clone(), props.on_changed.clone());
                                Callback::from(move |done: AppointmentView| {
                                    moved.set(Some(text_with(lang, "move-saved", &[
                                        ("patient", done.patient_name.clone().into()),
                                        ("doctor", done.doctor_name.clone().into()),
                                        ("time", done.appointment.slot.map(|s| day_and_clock(lang, tz, s.start)).unwrap_or_default().into()),
                                    ])));
                                    moving.set(None);
                                    on_changed.emit(());
                                }) }} />
            }
            if let Some(message) = &*moved {
                <p class="banner ok" role="status" id="moved-message">{ message.clone() }</p>
            }
        </>
    };
    if let Some(id) = *consulting {
        if let Some(view) = today.appointments.iter().find(|v| v.appointment.id == id) {
            return html! {
                <super::consultation::ConsultationScreen view={view.clone()} time_zone={today.time_zone.clone()}
                    on_close={{ let consulting = consulting.clone(); Callback::from(move |_| consulting.set(None)) }}
                    on_changed={props.on_changed.clone()} />
            };
        }
    }
    // The front desk joins conversations where the clinic allows it.
    let desk_chats = props.role == Role::FrontDesk
        && model
            .connection
            .as_ref()
            .is_some_and(|c| c.desk_in_conversations);
    let on_chat = (props.role == Role::Doctor || desk_chats).then(|| {
        let chatting = chatting.clone();
        Callback::from(move |id: clinic_core::AppointmentId| chatting.set(Some(id)))
    });
    let on_consult = (props.role == Role::Doctor).then(|| {
        let consulting = consulting.clone();
        Callback::from(move |id: clinic_core::AppointmentId| consulting.set(Some(id)))
    });
    if let Some(from) = *week_from {
        return html! {
            <>
                { mover }
                <WeekView language={lang} doctor={props.doctor} {from} changed={props.changed} on_move={on_move}
                          on_from={{ let week_from = week_from.clone(); Callback::from(move |f| week_from.set(f)) }} />
            </>
        };
    }
    let step = {
        let (submission, on_changed) = (submission.clone(), props.on_changed.clone());
        Callback::from(
            move |(appointment, step): (clinic_core::AppointmentId, Step)| {
                let on_changed = on_changed.clone();
                submission.run(
                    backend::step_appointment(StepArgs {
                        appointment,
                        step,
                        reason: None,
                    }),
                    move |_| on_changed.emit(()),
                );
            },
        )
    };
    let steps_for =
        |status: Status| clinic_core::appointment::Appointment { status }.steps_for(props.role);
    let row = RowContext {
        lang,
        tz,
        now: today.now,
        show_doctor: props.doctor.is_none(),
        on_step: &step,
        on_move: on_move.as_ref(),
        calls: props.role == Role::Doctor,
        time_zone: &today.time_zone,
        on_consult: on_consult.as_ref(),
        on_chat: on_chat.as_ref(),
        unread: &unread,
    };
    html! {
        <div class="day-list">
            <div class="day-head">
                <h3>{ text_with(lang, "waiting-room-title", &[("day", today.day.format("%d.%m.%Y").to_string().into())]) }</h3>
                <span class="day-actions">
                    <button type="button" class="secondary" id="view-week"
                            onclick={{ let (week_from, first) = (week_from.clone(), today.day); move |_| week_from.set(Some(first)) }}>
                        { text(lang, "view-week") }
                    </button>
                    if let Some(doctor) = props.doctor {
                        <button type="button" class="secondary" id="export-calendar"
                                onclick={{ let (submission, printed) = (submission.clone(), printed.clone());
                                           move |_| { let printed = printed.clone();
                                               submission.run(backend::export_calendar(ExportCalendarArgs { doctor }),
                                                   move |document| printed.set(Some(document.path))); } }}>
                            { text(lang, "export-calendar") }
                        </button>
                    }
                    <button type="button" class="secondary" id="print-day-list" onclick={print}>
                        { text(lang, "print-day-list") }
                    </button>
                </span>
            </div>
            if let Some(path) = &*printed {
                <p class="banner ok" role="status" id="printed-path">
                    { text_with(lang, "document-saved", &[("path", path.clone().into())]) }
                </p>
            }
            <ErrorBanner error={submission.error()} language={lang} />
            { mover }
            if today.appointments.is_empty() {
                <p class="empty" id="no-appointments">{ text(lang, "waiting-room-empty") }</p>
            } else {
                <table id="waiting-room">
                    <thead><tr>
                        <th scope="col">{ text(lang, "column-token") }</th>
                        <th scope="col">{ text(lang, "column-name") }</th>
                        if props.doctor.is_none() { <th scope="col">{ text(lang, "column-doctor") }</th> }
                        <th scope="col">{ text(lang, "column-time") }</th>
                        <th scope="col">{ text(lang, "column-status") }</th>
                        <th scope="col">{ text(lang, "column-waiting") }</th>
                        <th scope="col"><span class="visually-hidden">{ text(lang, "column-actions") }</span></th>
                    </tr></thead>
                    <tbody>
                        for view in today.appointments.iter() {
                            { appointment_row(&row, view, steps_for(view.appointment.status)) }
                        }
                    </tbody>
                </table>
            }
            if let Some(appointment) = *chatting {
                <super::chat::ChatPanel {appointment} language={lang} time_zone={today.time_zone.clone()}
                    on_close={{ let chatting = chatting.clone(); Callback::from(move |_| chatting.set(None)) }} />
            }
        </div>
    }
}

/// What every row of a day's list shares.
struct RowContext<'a> {
    lang: Language,
    tz: Tz,
    now: DateTime<Utc>,
    show_doctor: bool,
    on_step: &'a Callback<(clinic_core::AppointmentId, Step)>,
    on_move: Option<&'a Callback<AppointmentView>>,
    /// The doctor's own list: video appointments have "Join call".
    calls: bool,
    /// The doctor opens a consultation's screen.
    on_consult: Option<&'a Callback<clinic_core::AppointmentId>>,
    /// The doctor opens a conversation.
    on_chat: Option<&'a Callback<clinic_core::AppointmentId>>,
    /// Unread messages per appointment.
    unread: &'a [(clinic_core::AppointmentId, usize)],
    time_zone: &'a str,
}

fn appointment_row(row: &RowContext<'_>, view: &AppointmentView, steps: Vec<Step>) -> Html {
    let RowContext {
        lang,
        tz,
        now,
        show_doctor,
        on_step,
        on_move,
        calls,
        time_zone,
        on_consult,
        on_chat,
        unread,
    } = *row;
    let a = &view.appointment;
    let token = match (a.token, a.status, view.pending) {
        (Some(t), _, _) => t.to_string(),
        (None, Status::CheckedIn, true) => "…".to_owned(),
        _ => String::new(),
    };
    let time = match a.slot {
        Some(slot) => clock(tz, slot.start),
        None => text(lang, "walk-in"),
    };
    let waiting = match (a.status, a.checked_in_at()) {
        (Status::CheckedIn, Some(since)) => text_with(
            lang,
            "waiting-minutes",
            &[(
                "minutes",
                ((now - since).num_minutes().max(0) as u64).into(),
            )],
        ),
        _ => String::new(),
    };
    html! {
        <tr class={classes!("appointment-row", a.status.as_str(), view.pending.then_some("pending"))}
            data-patient={view.patient_name.clone()} data-status={a.status.as_str()}>
            <td class="token">{ token }</td>
            <td>{ view.patient_name.clone() }<span class="number">{ format!(" · {}", view.patient_number) }</span></td>
            if show_doctor { <td>{ view.doctor_name.clone() }</td> }
            <td class="time">{ time }</td>
            <td class="status">
                { status_label(lang, a.status) }
                if view.pending { <span class="pending-mark" title={text(lang, "appointment-pending")}>{ " ⟳" }</span> }
            </td>
            <td class="waiting">{ waiting }</td>
            <td class="actions">
                for step in steps {
                    <button type="button" class={classes!("step", step_key(step))}
                            onclick={{ let (on_step, id) = (on_step.clone(), a.id); move |_| on_step.emit((id, step)) }}>
                        { text(lang, &format!("step-{}", step_key(step))) }
                    </button>
                }
                if let Some(on_consult) = on_consult.filter(|_| matches!(a.status, Status::InConsultation | Status::Completed)) {
                    <button type="button" class="step open-consultation"
                            onclick={{ let (on_consult, id) = (on_consult.clone(), a.id); move |_| on_consult.emit(id) }}>
                        { text(lang, "consultation-open") }
                    </button>
                }
                if let Some(on_chat) = on_chat.filter(|_| clinic_core::chat::conversation_open(a.status)) {
                    <button type="button" class={classes!("step", "open-chat", unread_of(unread, a.id).map(|_| "has-unread"))}
                            onclick={{ let (on_chat, id) = (on_chat.clone(), a.id); move |_| on_chat.emit(id) }}>
                        { text(lang, "chat-open") }
                        if let Some(n) = unread_of(unread, a.id) { <span class="unread">{ format!(" ({n})") }</span> }
                    </button>
                }
                if calls && super::call::has_call(a) {
                    <super::call::JoinCall appointment={a.id} patient={a.patient} language={lang} time_zone={time_zone.to_owned()} />
                }
                if let Some(on_move) = on_move.filter(|_| movable(view)) {
                    <button type="button" class="step reschedule"
                            onclick={{ let (on_move, view) = (on_move.clone(), view.clone()); move |_| on_move.emit(view.clone()) }}>
                        { text(lang, "step-reschedule") }
                    </button>
                }
            </td>
        </tr>
    }
}

/// How many messages of `appointment` are unread, if any.
pub(crate) fn unread_of(
    unread: &[(clinic_core::AppointmentId, usize)],
    appointment: clinic_core::AppointmentId,
) -> Option<usize> {
    unread
        .iter()
        .find(|(id, n)| *id == appointment && *n > 0)
        .map(|(_, n)| *n)
}

/// A booked time that can still be moved (not a walk-in, not yet checked in).
fn movable(view: &AppointmentView) -> bool {
    view.appointment.slot.is_some() && view.appointment.status.movable()
}

#[derive(Properties, PartialEq)]
struct MoveAppointmentProps {
    language: Language,
    view: AppointmentView,
    time_zone: String,
    on_moved: Callback<AppointmentView>,
    on_close: Callback<()>,
}

/// Move an appointment to another free slot of the same doctor: pick a day, then a time.
/// Escape (or "Keep the time") leaves it where it is.
#[component]
fn MoveAppointment(props: &MoveAppointmentProps) -> Html {
    let lang = props.language;
    let tz = zone(&props.time_zone);
    let a = &props.view.appointment;
    let from = a.slot.map(|s| s.start.with_timezone(&tz).date_naive());
    let day = use_state(|| from.unwrap_or(a.day));
    let slots = use_state(|| None::<Vec<Slot>>);
    let submission = use_submission();
    {
        let (slots, doctor, consultation) = (slots.clone(), a.doctor, a.consultation);
        use_effect_with(*day, move |&day| {
            slots.set(None);
            spawn_local(async move {
                let found = backend::free_slots(FreeSlotsArgs {
                    doctor: Some(doctor),
                    specialty: None,
                    consultation,
                    from: Some(day),
                    days: 1,
                    limit: 24,
                })
                .await
                .unwrap_or_default();
                slots.set(Some(found));
            });
        });
    }
    let go = |days: i64| {
        let day = day.clone();
        move |_| day.set(*day + chrono::Duration::days(days))
    };
    let on_day = {
        let day = day.clone();
        move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(picked) = chrono::NaiveDate::parse_from_str(&input.value(), "%Y-%m-%d") {
                day.set(picked);
            }
        }
    };
    let pick = {
        let (submission, on_moved, appointment) =
            (submission.clone(), props.on_moved.clone(), a.id);
        Callback::from(move |start: DateTime<Utc>| {
            let on_moved = on_moved.clone();
            submission.run(
                backend::reschedule_appointment(RescheduleArgs { appointment, start }),
                move |view| on_moved.emit(view),
            );
        })
    };
    let onkeydown = {
        let on_close = props.on_close.clone();
        move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_close.emit(());
            }
        }
    };
    let offered = match &*slots {
        None => html! { <span class="empty">{ "…" }</span> },
        Some(found) if found.is_empty() => html! {
            <span class="empty" id="move-no-slots">{ text(lang, "move-no-slots") }</span>
        },
        Some(found) => found
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                html! {
                    <button type="button" id={format!("move-slot-{i}")} class="slot"
                            disabled={submission.busy()} data-start={slot.start.to_rfc3339()}
                            onclick={{ let (pick, start) = (pick.clone(), slot.start); move |_| pick.emit(start) }}>
                        { clock(tz, slot.start) }
                    </button>
                }
            })
            .collect::<Html>(),
    };
    let time = a
        .slot
        .map(|s| day_and_clock(lang, tz, s.start))
        .unwrap_or_default();
    html! {
        <div class="move-appointment" id="move-appointment" role="dialog" aria-labelledby="move-title" {onkeydown}>
            <h3 id="move-title">{ text_with(lang, "move-title", &[
                ("patient", props.view.patient_name.clone().into()),
                ("time", time.into()),
                ("doctor", props.view.doctor_name.clone().into()),
            ]) }</h3>
            <div class="move-day">
                <button type="button" class="secondary" id="move-earlier" onclick={go(-1)}>{ "←" }</button>
                <label for="move-day" class="visually-hidden">{ text(lang, "move-day") }</label>
                <input id="move-day" type="date" value={day.format("%Y-%m-%d").to_string()} onchange={on_day} />
                <button type="button" class="secondary" id="move-later" onclick={go(1)}>{ "→" }</button>
            </div>
            <div class="slots" role="group" aria-label={text(lang, "booking-slots")}>
                { offered }
            </div>
            <ErrorBanner error={submission.error()} language={lang} />
            <button type="button" class="secondary" id="move-keep"
                    onclick={{ let on_close = props.on_close.clone(); move |_| on_close.emit(()) }}>
                { text(lang, "move-keep") }
            </button>
        </div>
    }
}

fn step_key(step: Step) -> &'static str {
    match step {
        Step::Confirm => "confirm",
        Step::Reject => "reject",
        Step::CheckIn => "check_in",
        Step::Start => "start",
        Step::Complete => "complete",
        Step::Cancel => "cancel",
        Step::MarkNoShow => "mark_no_show",
        Step::Reschedule => "reschedule",
    }
}

#[derive(Properties, PartialEq)]
struct WeekViewProps {
    language: Language,
    doctor: Option<UserId>,
    from: chrono::NaiveDate,
    changed: u32,
    /// Another week (`Some(first day)`), or back to the day (`None`).
    on_from: Callback<Option<chrono::NaiveDate>>,
    /// Move a booked appointment (the desk); `None` where appointments are not moved here.
    on_move: Option<Callback<AppointmentView>>,
}

/// Seven days side by side: each appointment that still stands, by time.
#[component]
fn WeekView(props: &WeekViewProps) -> Html {
    let lang = props.language;
    let week = use_state(|| None::<clinic_core::ipc::ScheduleWeek>);
    {
        let (week, doctor) = (week.clone(), props.doctor);
        use_effect_with((props.from, props.changed), move |&(from, _)| {
            spawn_local(async move {
                if let Ok(found) = backend::appointment_week(clinic_core::ipc::WeekArgs {
                    from: Some(from),
                    doctor,
                })
                .await
                {
                    week.set(Some(found));
                }
            });
        });
    }
    let go = |days: i64| {
        let (on_from, from) = (props.on_from.clone(), props.from);
        move |_| on_from.emit(Some(from + chrono::Duration::days(days)))
    };
    let Some(week) = &*week else {
        return html! {};
    };
    html! {
        <div class="week" id="week-view">
            <div class="day-head">
                <h3>{ text_with(lang, "week-title", &[("day", props.from.format("%d.%m.%Y").to_string().into())]) }</h3>
                <span class="day-actions">
                    <button type="button" class="secondary" id="week-previous" onclick={go(-7)}>{ text(lang, "week-previous") }</button>
                    <button type="button" class="secondary" id="week-next" onclick={go(7)}>{ text(lang, "week-next") }</button>
                    <button type="button" class="secondary" id="view-day"
                            onclick={{ let on_from = props.on_from.clone(); move |_| on_from.emit(None) }}>
                        { text(lang, "view-day") }
                    </button>
                </span>
            </div>
            <div class="week-grid">
                for day in week.days.iter() {
                    <section class="week-day" data-day={day.day.to_string()}>
                        <h4>{ format!("{} {}", text(lang, &format!("weekday-{:?}", chrono::Datelike::weekday(&day.day))), day.day.format("%d.%m.")) }</h4>
                        <ul>
                            for v in day.appointments.iter().filter(|v| !matches!(v.appointment.status,
                                    Status::Cancelled | Status::Rescheduled | Status::Rejected)) {
                                <li class={classes!("week-entry", v.appointment.status.as_str())}>
                                    <span class="time">{ v.appointment.slot.map(|s| clock(zone(&day.time_zone), s.start)).unwrap_or_else(|| text(lang, "walk-in")) }</span>
                                    { format!(" {}", v.patient_name) }
                                    if props.doctor.is_none() {
                                        <span class="who">{ format!(" · {}", v.doctor_name) }</span>
                                    }
                                    if let Some(on_move) = props.on_move.as_ref().filter(|_| movable(v)) {
                                        <button type="button" class="link-button move" title={text(lang, "step-reschedule")}
                                                onclick={{ let (on_move, v) = (on_move.clone(), v.clone()); move |_| on_move.emit(v.clone()) }}>
                                            { text(lang, "step-reschedule") }
                                        </button>
                                    }
                                </li>
                            }
                        </ul>
                    </section>
                }
            </div>
        </div>
    }
}
