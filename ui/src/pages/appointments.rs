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
use crate::format::{clinic_zone, clock, day_and_clock, zone};
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
