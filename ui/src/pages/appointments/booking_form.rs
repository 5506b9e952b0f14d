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
    let state = use_reducer(BookingFormState::default);
    let submission = use_submission();
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let tick = model.connection.as_ref().map(|c| c.checked_at);
    {
        let state = state.clone();
        use_effect_with(props.conflicts, move |&n| {
            if n > 0 {
                state.dispatch(BookingAction::ConflictsShown);
            }
        });
    }

    // The clinic's doctors (from the local copy), verified ones only; the first is chosen.
    {
        let state = state.clone();
        use_effect_with(tick, move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::clinic_doctors().await {
                    state.dispatch(BookingAction::DoctorsLoaded(found));
                }
            });
        });
    }
    // Patients matching what is typed.
    {
        let state = state.clone();
        use_effect_with(state.query.clone(), move |query| {
            let query = query.clone();
            spawn_local(async move {
                if query.trim().is_empty() {
                    return;
                }
                if let Ok(patients) = backend::search_patients(query.clone()).await {
                    state.dispatch(BookingAction::Found { query, patients });
                }
            });
        });
    }
    // The next free slots of the chosen doctor.
    {
        let handle = state.clone();
        use_effect_with(
            (
                state.doctor,
                state.consultation,
                tick,
                state.booked.as_ref().map(|b| b.appointment.id),
                state
                    .series
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
                        handle.dispatch(BookingAction::SlotsLoaded(found));
                    }
                });
            },
        );
    }

    let book = {
        let (state, submission, on_booked) =
            (state.clone(), submission.clone(), props.on_booked.clone());
        Callback::from(move |start: Option<DateTime<Utc>>| {
            let (handle, on_booked) = (state.clone(), on_booked.clone());
            match state.booking(start) {
                None => {}
                Some(Booking::Series(args)) => {
                    submission.run(backend::book_series(args), move |result| {
                        handle.dispatch(BookingAction::SeriesBooked(result));
                        on_booked.emit(());
                        focus("booking-patient");
                    });
                }
                Some(Booking::One(args)) => {
                    submission.run(backend::book_appointment(args), move |view| {
                        handle.dispatch(BookingAction::Booked(view));
                        on_booked.emit(());
                        focus("booking-patient");
                    });
                }
            }
        })
    };
    let pick = {
        let state = state.clone();
        Callback::from(move |p: PatientSummary| {
            state.dispatch(BookingAction::Picked(p));
            focus("slot-0");
        })
    };
    let on_query_key = {
        let (state, pick) = (state.clone(), pick.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                if let Some(first) = state.matches.first() {
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
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            state.dispatch(BookingAction::Typed(input.value()));
        })
    };
    let on_doctor = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            state.dispatch(BookingAction::ChoseDoctor(select.value().parse().ok()));
        })
    };
    let on_kind = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            state.dispatch(BookingAction::ChoseConsultation(
                if select.value() == "video" {
                    ConsultationType::Video
                } else {
                    ConsultationType::InPerson
                },
            ));
        })
    };
    let chosen = state.patient.clone();
    html! {
        <div class="booking" id="booking" onkeydown={on_form_key}>
            <h3>{ text(lang, "booking-title") }</h3>
            if let Some(view) = &state.booked {
                <p class="banner ok" role="status" id="booking-saved">
                    { booked_message(lang, tz, view) }
                </p>
            }
            if let Some(result) = &state.series {
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
                                    onclick={{ let state = state.clone(); move |_| { state.dispatch(BookingAction::ChangePatient); focus("booking-patient"); } }}>
                                { text(lang, "booking-change") }
                            </button>
                        </p>
                    } else {
                        <input id="booking-patient" type="search" value={state.query.clone()}
                               {oninput} onkeydown={on_query_key}
                               placeholder={text(lang, "booking-patient-hint")}
                               aria-describedby="booking-patient-hint" autocomplete="off" />
                        <p class="hint" id="booking-patient-hint">{ text(lang, "booking-keys") }</p>
                        if !state.matches.is_empty() {
                            <ul class="matches" id="booking-matches">
                                for p in state.matches.iter() {
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
                        for d in state.doctors.iter() {
                            <option value={d.id.to_string()} selected={Some(d.id) == state.doctor}>
                                { format!("{} · {}", d.profile.display_name, d.profile.specialty) }
                            </option>
                        }
                    </select>
                </div>
                <div class="field">
                    <label for="booking-kind">{ text(lang, "booking-kind") }</label>
                    <select id="booking-kind" onchange={on_kind}>
                        <option value="in_person" selected={state.consultation == ConsultationType::InPerson}>
                            { text(lang, "consultation-in_person") }
                        </option>
                        <option value="video" selected={state.consultation == ConsultationType::Video}>
                            { text(lang, "consultation-video") }
                        </option>
                    </select>
                </div>
                <div class="field">
                    <label for="booking-repeat">{ text(lang, "booking-repeat") }</label>
                    <select id="booking-repeat" onchange={{ let state = state.clone(); move |e: Event| {
                        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                        state.dispatch(BookingAction::Repeat(select.value().parse().unwrap_or(0)));
                    } }}>
                        <option value="0" selected={state.repeat == 0}>{ text(lang, "repeat-none") }</option>
                        for weeks in [1_u32, 2, 4] {
                            <option value={weeks.to_string()} selected={state.repeat == weeks}>
                                { text_with(lang, "repeat-every", &[("weeks", u64::from(weeks).into())]) }
                            </option>
                        }
                    </select>
                </div>
                if state.repeat > 0 {
                    <div class="field">
                        <label for="booking-visits">{ text(lang, "booking-visits") }</label>
                        <input id="booking-visits" type="number" min="2" max="12" value={state.visits.to_string()}
                               oninput={{ let state = state.clone(); move |e: InputEvent| {
                                   let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                                   state.dispatch(BookingAction::Visits(input.value().parse().unwrap_or(0)));
                               } }} />
                    </div>
                }
            </div>
            <div class="slots" role="group" aria-label={text(lang, "booking-slots")}>
                <span class="label">{ text(lang, "booking-slots") }</span>
                if state.slots.is_empty() {
                    <span class="empty" id="no-slots">{ text(lang, "booking-no-slots") }</span>
                }
                for (i, slot) in state.slots.iter().enumerate() {
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
