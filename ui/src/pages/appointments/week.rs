//! A doctor's week at a glance.

use super::*;

#[derive(Properties, PartialEq)]
pub(super) struct WeekViewProps {
    pub(super) language: Language,
    pub(super) doctor: Option<UserId>,
    pub(super) from: chrono::NaiveDate,
    pub(super) changed: u32,
    /// Another week (`Some(first day)`), or back to the day (`None`).
    pub(super) on_from: Callback<Option<chrono::NaiveDate>>,
    /// Move a booked appointment (the desk); `None` where appointments are not moved here.
    pub(super) on_move: Option<Callback<AppointmentView>>,
}

/// Seven days side by side: each appointment that still stands, by time.
#[component]
pub(super) fn WeekView(props: &WeekViewProps) -> Html {
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
                <h3>{ text_with(lang, "week-title", &[("day", crate::format::date(props.from).into())]) }</h3>
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
                        <h4>{ format!("{} {}", text(lang, &format!("weekday-{:?}", chrono::Datelike::weekday(&day.day))), crate::format::day_month(day.day)) }</h4>
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
