//! The front desk's booking form: a patient by number or name, a doctor, the next free slots;
//! Enter books the first one, Alt+W queues a walk-in.

use super::*;

#[derive(Properties, PartialEq)]
pub(super) struct BookingFormProps {
    pub(super) language: Language,
    pub(super) on_booked: Callback<()>,
    /// Conflicts shown now (see [`FrontDeskAppointments`]).
    pub(super) conflicts: usize,
}

/// Patient → doctor → first free slot → Enter. A walk-in is one key (Alt+W) after the patient.
#[component]
pub(super) fn BookingForm(props: &BookingFormProps) -> Html {
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

pub(super) fn booking_key(problem: clinic_core::booking::BookingProblem) -> String {
    serde_json::to_value(problem)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(super) fn booked_message(lang: Language, tz: Tz, view: &AppointmentView) -> String {
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
pub(super) fn focus(id: &'static str) {
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
