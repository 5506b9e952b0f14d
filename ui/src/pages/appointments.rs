//! The appointment book at the desk: book in a few keystrokes (patient → doctor → first free
//! slot), queue walk-ins, the day's waiting room, and conflicts with one-click rebooking. The
//! doctor's home shows their own day with the steps that are theirs. All of it reads and writes
//! the local encrypted store through the desk, so it works offline.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clinic_core::appointment::{Status, Step};
use clinic_core::availability::{ConsultationType, Slot};
use clinic_core::ipc::{
    AppointmentView, BookingConflict, DayArgs, ExportCalendarArgs, FreeSlotsArgs, Language,
    PrintDayListArgs, RebookArgs, RescheduleArgs, ScheduleDay, StepArgs,
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

mod booking_form;
mod booking_state;
mod conflicts;
mod day_list;
mod move_appointment;
mod week;

use booking_form::*;
use booking_state::{Booking, BookingAction, BookingFormState};
use conflicts::*;
pub(crate) use day_list::unread_of;
use day_list::*;
use move_appointment::*;
use week::*;

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
