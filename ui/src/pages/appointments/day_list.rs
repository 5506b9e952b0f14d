//! A clinic day's list: the waiting room first, then the rest, with the steps the role may take.

use super::*;
use crate::i18n::status_label;

#[derive(Properties, PartialEq)]
pub(super) struct DayListProps {
    pub(super) language: Language,
    pub(super) doctor: Option<UserId>,
    pub(super) role: Role,
    pub(super) changed: u32,
    pub(super) on_changed: Callback<()>,
}

/// Today's appointments: the waiting room (in consultation, then by token), then bookings to
/// come, then the ones that are over; with the steps the role may take.
#[component]
pub(super) fn DayList(props: &DayListProps) -> Html {
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
                <crate::pages::consultation::ConsultationScreen view={view.clone()} time_zone={today.time_zone.clone()}
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
                <h3>{ text_with(lang, "waiting-room-title", &[("day", crate::format::date(today.day).into())]) }</h3>
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
                <crate::components::chat::ChatPanel {appointment} language={lang} time_zone={today.time_zone.clone()}
                    on_close={{ let chatting = chatting.clone(); Callback::from(move |_| chatting.set(None)) }} />
            }
        </div>
    }
}

/// What every row of a day's list shares.
pub(super) struct RowContext<'a> {
    pub(super) lang: Language,
    pub(super) tz: Tz,
    pub(super) now: DateTime<Utc>,
    pub(super) show_doctor: bool,
    pub(super) on_step: &'a Callback<(clinic_core::AppointmentId, Step)>,
    pub(super) on_move: Option<&'a Callback<AppointmentView>>,
    /// The doctor's own list: video appointments have "Join call".
    pub(super) calls: bool,
    /// The doctor opens a consultation's screen.
    pub(super) on_consult: Option<&'a Callback<clinic_core::AppointmentId>>,
    /// The doctor opens a conversation.
    pub(super) on_chat: Option<&'a Callback<clinic_core::AppointmentId>>,
    /// Unread messages per appointment.
    pub(super) unread: &'a [(clinic_core::AppointmentId, usize)],
    pub(super) time_zone: &'a str,
}

pub(super) fn appointment_row(
    row: &RowContext<'_>,
    view: &AppointmentView,
    steps: Vec<Step>,
) -> Html {
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
                if calls && crate::components::join_call::has_call(a) {
                    <crate::components::join_call::JoinCall appointment={a.id} patient={a.patient} language={lang} time_zone={time_zone.to_owned()} />
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
pub(super) fn movable(view: &AppointmentView) -> bool {
    view.appointment.slot.is_some() && view.appointment.status.movable()
}
