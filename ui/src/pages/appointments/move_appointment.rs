//! Moving an appointment to another free slot of the same doctor.

use super::*;

#[derive(Properties, PartialEq)]
pub(super) struct MoveAppointmentProps {
    pub(super) language: Language,
    pub(super) view: AppointmentView,
    pub(super) time_zone: String,
    pub(super) on_moved: Callback<AppointmentView>,
    pub(super) on_close: Callback<()>,
}

/// Move an appointment to another free slot of the same doctor: pick a day, then a time.
/// Escape (or "Keep the time") leaves it where it is.
#[component]
pub(super) fn MoveAppointment(props: &MoveAppointmentProps) -> Html {
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

pub(super) fn step_key(step: Step) -> &'static str {
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
