use clinic_core::ipc::{IpcError, Language};
use clinic_core::wire::{AccountView, DoctorView, ErrorCode, Me};
use clinic_core::Role;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::appointments::{DoctorDay, FrontDeskAppointments};
use super::directory::DoctorDirectory;
use super::doctor_profile::DoctorProfileEditor;
use super::new_staff::NewStaffAccount;
use super::patient_booking::PatientAppointments;
use super::profile::Profile;
use super::registry::Registry;
use super::verification::DoctorVerification;
use crate::backend;
use crate::components::ErrorBanner;
use crate::i18n::{text, text_with};
use crate::state::{AppModel, Msg};

/// What a role's home shows, loaded from the server.
#[derive(Clone, PartialEq)]
enum HomeData {
    Loading,
    Accounts(Vec<AccountView>),
    Doctors(Vec<DoctorView>),
    Me(Box<Me>),
    Failed(IpcError),
}

#[component]
pub fn Home() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let data = use_state(|| HomeData::Loading);
    let Some(account) = model.account.clone() else {
        return html! {};
    };
    let role = account.role;
    // Loaded when the screen opens and again whenever the server comes back.
    let online = model.connection.as_ref().is_none_or(|c| c.online);
    {
        let (data, model) = (data.clone(), model.clone());
        use_effect_with((role, online), move |&(role, _online)| {
            spawn_local(async move {
                let loaded = match role {
                    Role::Admin => backend::accounts().await.map(HomeData::Accounts),
                    Role::Doctor | Role::FrontDesk => {
                        backend::doctors().await.map(HomeData::Doctors)
                    }
                    Role::Patient => backend::me().await.map(|me| HomeData::Me(Box::new(me))),
                };
                match loaded {
                    Err(e)
                        if e.code == ErrorCode::SessionExpired
                            || e.code == ErrorCode::NotSignedIn =>
                    {
                        model.dispatch(Msg::SessionEnded)
                    }
                    Err(e) if e.code == ErrorCode::Locked => model.dispatch(Msg::Locked),
                    // Offline: keep what was shown rather than replace it with an error.
                    Err(e)
                        if e.code == ErrorCode::ServerUnreachable
                            && !matches!(*data, HomeData::Loading | HomeData::Failed(_)) => {}
                    Err(e) => data.set(HomeData::Failed(e)),
                    Ok(d) => data.set(d),
                }
            });
        });
    }
    let body = match &*data {
        HomeData::Loading => html! { <p class="loading">{ text(lang, "loading") }</p> },
        HomeData::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} language={lang} /> },
        HomeData::Accounts(accounts) => {
            let on_created = {
                let (data, accounts) = (data.clone(), accounts.clone());
                Callback::from(move |account: AccountView| {
                    let mut next = accounts.clone();
                    next.push(account);
                    data.set(HomeData::Accounts(next));
                })
            };
            html! {
                <>
                    <DoctorVerification />
                    <super::audit::AuditViewer />
                    <NewStaffAccount language={lang} {on_created} />
                    { accounts_table(lang, accounts) }
                </>
            }
        }
        // A doctor edits their own profile and hours below their day.
        HomeData::Doctors(_) if role == Role::Doctor => html! {},
        HomeData::Doctors(doctors) => doctors_table(lang, doctors),
        HomeData::Me(me) => match &me.patient_profile {
            Some(profile) => html! { <Profile profile={profile.clone()} language={lang} /> },
            None => html! {},
        },
    };
    html! {
        <section class="home" id="home" data-role={role.as_str()}>
            <h1 id="welcome">{ text_with(lang, "home-welcome", &[("name", account.display_name.clone().into())]) }</h1>
            <p class="intro">{ text(lang, &format!("home-{}", role.as_str())) }</p>
            // The registry lives in the local store: it stays usable whatever the server does.
            if role == Role::FrontDesk {
                <Registry />
                <FrontDeskAppointments />
                <DoctorDirectory />
            }
            if role == Role::Doctor {
                <DoctorDay doctor={account.id} />
                <crate::components::chart::ChartFinder language={lang} time_zone={crate::format::clinic_zone(&model).name().to_owned()} />
                <DoctorProfileEditor doctor={account.id} name={account.display_name.clone()} />
            }
            if role == Role::Patient { <PatientAppointments /> }
            if role == Role::Admin { <super::takings::TakingsPanel language={lang} /> }
            <div class="home-body">{ body }</div>
        </section>
    }
}

fn accounts_table(lang: Language, accounts: &[AccountView]) -> Html {
    html! {
        <section class="card">
            <h2>{ text(lang, "accounts-title") }</h2>
            <table id="accounts">
                <thead><tr>
                    <th scope="col">{ text(lang, "column-name") }</th>
                    <th scope="col">{ text(lang, "column-email") }</th>
                    <th scope="col">{ text(lang, "column-role") }</th>
                </tr></thead>
                <tbody>
                    for a in accounts.iter() {
                        <tr>
                            <td>{ a.display_name.clone() }</td>
                            <td>{ a.email.clone() }</td>
                            <td>{ text(lang, &format!("role-{}", a.role.as_str())) }</td>
                        </tr>
                    }
                </tbody>
            </table>
        </section>
    }
}

fn hours(lang: Language, d: &DoctorView) -> String {
    d.weekly_hours
        .iter()
        .map(|h| {
            format!(
                "{} {}–{}",
                text(lang, &format!("weekday-{:?}", h.weekday)),
                h.start.format("%H:%M"),
                h.end.format("%H:%M")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn doctors_table(lang: Language, doctors: &[DoctorView]) -> Html {
    html! {
        <section class="card">
            <h2>{ text(lang, "doctors-title") }</h2>
            <table id="doctors">
                <thead><tr>
                    <th scope="col">{ text(lang, "column-name") }</th>
                    <th scope="col">{ text(lang, "column-specialty") }</th>
                    <th scope="col">{ text(lang, "column-hours") }</th>
                </tr></thead>
                <tbody>
                    for d in doctors.iter() {
                        <tr>
                            <td>{ d.display_name.clone() }</td>
                            <td>{ d.specialty.clone() }</td>
                            <td class="hours">{ hours(lang, d) }</td>
                        </tr>
                    }
                </tbody>
            </table>
        </section>
    }
}
