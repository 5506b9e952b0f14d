//! The front desk's doctor directory, from this desk's copy (offline too): search by name or
//! specialty, filter by specialty, city, language and fee, sort (name, fee, experience, next free
//! slot), page through; a doctor's profile with their hours and next free slots.

use clinic_core::availability::{ConsultationType, Slot};
use clinic_core::doctor::{
    DirectoryEntry, DirectoryPage, DirectoryQuery, DirectorySort, LANGUAGES,
};
use clinic_core::ipc::FreeSlotsArgs;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::format::{clinic_zone, day_and_clock};
use crate::i18n::{text, text_with};
use crate::state::AppModel;

const PER_PAGE: u32 = 10;

#[component]
pub fn DoctorDirectory() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let tick = model.connection.as_ref().map(|c| c.checked_at);
    let query = use_state(|| DirectoryQuery {
        per_page: PER_PAGE,
        ..Default::default()
    });
    let page = use_state(|| None::<DirectoryPage>);
    let specialties = use_state(Vec::<String>::new);
    let cities = use_state(Vec::<String>::new);
    let opened = use_state(|| None::<DirectoryEntry>);
    let slots = use_state(Vec::<Slot>::new);
    {
        let (specialties, cities) = (specialties.clone(), cities.clone());
        use_effect_with(tick, move |_| {
            spawn_local(async move {
                if let Ok(doctors) = backend::clinic_doctors().await {
                    let mut s: Vec<String> = doctors
                        .iter()
                        .map(|d| d.profile.specialty.clone())
                        .collect();
                    let mut c: Vec<String> = doctors
                        .iter()
                        .map(|d| d.profile.city.clone())
                        .filter(|c| !c.is_empty())
                        .collect();
                    s.sort();
                    s.dedup();
                    c.sort();
                    c.dedup();
                    specialties.set(s);
                    cities.set(c);
                }
            });
        });
    }
    {
        let page = page.clone();
        use_effect_with(((*query).clone(), tick), move |(query, _)| {
            let query = query.clone();
            spawn_local(async move {
                if let Ok(found) = backend::search_doctors(query).await {
                    page.set(Some(found));
                }
            });
        });
    }
    {
        let slots = slots.clone();
        let kind = query.kind.unwrap_or(ConsultationType::InPerson);
        use_effect_with(
            (opened.as_ref().map(|e| e.doctor.id), kind),
            move |&(doctor, kind)| {
                spawn_local(async move {
                    let Some(doctor) = doctor else { return };
                    if let Ok(found) = backend::free_slots(FreeSlotsArgs {
                        doctor: Some(doctor),
                        specialty: None,
                        consultation: kind,
                        from: None,
                        days: 14,
                        limit: 6,
                    })
                    .await
                    {
                        slots.set(found);
                    }
                });
            },
        );
    }
    let set = |change: fn(&mut DirectoryQuery, String)| {
        let query = query.clone();
        Callback::from(move |value: String| {
            let mut next = (*query).clone();
            change(&mut next, value);
            next.page = 0;
            query.set(next);
        })
    };
    let on_text = set(|q, v| q.text = v);
    let on_specialty = set(|q, v| q.specialty = Some(v).filter(|v| !v.is_empty()));
    let on_city = set(|q, v| q.city = Some(v).filter(|v| !v.is_empty()));
    let on_language = set(|q, v| q.language = Some(v).filter(|v| !v.is_empty()));
    let on_fee = set(|q, v| q.max_fee = v.trim().parse().ok());
    let on_kind = set(|q, v| {
        q.kind = Some(if v == "video" {
            ConsultationType::Video
        } else {
            ConsultationType::InPerson
        })
    });
    let on_sort = set(|q, v| {
        q.sort = match v.as_str() {
            "fee_lowest" => DirectorySort::FeeLowest,
            "most_experienced" => DirectorySort::MostExperienced,
            "next_free_slot" => DirectorySort::NextFreeSlot,
            _ => DirectorySort::Name,
        }
    });
    let input = |cb: Callback<String>| {
        move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            cb.emit(input.value());
        }
    };
    let select = |cb: Callback<String>| {
        move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            cb.emit(select.value());
        }
    };
    let go = |delta: i64| {
        let query = query.clone();
        move |_| {
            let mut next = (*query).clone();
            next.page = (i64::from(next.page) + delta).max(0) as u32;
            query.set(next);
        }
    };
    let tz = clinic_zone(&model);
    let kind = query.kind.unwrap_or(ConsultationType::InPerson);
    let total = page.as_ref().map_or(0, |p| p.total);
    let pages = total.div_ceil(PER_PAGE).max(1);
    html! {
        <section class="card" id="doctor-directory">
            <h2>{ text(lang, "directory-title") }</h2>
            <div class="directory-filters">
                <div class="field">
                    <label for="directory-text">{ text(lang, "find-doctor-label") }</label>
                    <input id="directory-text" type="search" value={query.text.clone()}
                           placeholder={text(lang, "find-doctor-hint")} oninput={input(on_text)} />
                </div>
                <div class="field">
                    <label for="directory-specialty">{ text(lang, "column-specialty") }</label>
                    <select id="directory-specialty" onchange={select(on_specialty)}>
                        <option value="">{ text(lang, "directory-any") }</option>
                        for s in specialties.iter() { <option value={s.clone()}>{ s.clone() }</option> }
                    </select>
                </div>
                <div class="field">
                    <label for="directory-city">{ text(lang, "directory-city") }</label>
                    <select id="directory-city" onchange={select(on_city)}>
                        <option value="">{ text(lang, "directory-any") }</option>
                        for c in cities.iter() { <option value={c.clone()}>{ c.clone() }</option> }
                    </select>
                </div>
                <div class="field">
                    <label for="directory-language">{ text(lang, "directory-language") }</label>
                    <select id="directory-language" onchange={select(on_language)}>
                        <option value="">{ text(lang, "directory-any") }</option>
                        for l in LANGUAGES { <option value={l}>{ text(lang, &format!("language-{l}")) }</option> }
                    </select>
                </div>
                <div class="field">
                    <label for="directory-kind">{ text(lang, "booking-kind") }</label>
                    <select id="directory-kind" onchange={select(on_kind)}>
                        <option value="in_person">{ text(lang, "consultation-in_person") }</option>
                        <option value="video">{ text(lang, "consultation-video") }</option>
                    </select>
                </div>
                <div class="field">
                    <label for="directory-fee">{ text(lang, "directory-max-fee") }</label>
                    <input id="directory-fee" type="number" min="0" oninput={input(on_fee)} />
                </div>
                <div class="field">
                    <label for="directory-sort">{ text(lang, "directory-sort") }</label>
                    <select id="directory-sort" onchange={select(on_sort)}>
                        <option value="name">{ text(lang, "sort-name") }</option>
                        <option value="next_free_slot">{ text(lang, "sort-next_free_slot") }</option>
                        <option value="fee_lowest">{ text(lang, "sort-fee_lowest") }</option>
                        <option value="most_experienced">{ text(lang, "sort-most_experienced") }</option>
                    </select>
                </div>
            </div>
            <table id="directory">
                <thead><tr>
                    <th scope="col">{ text(lang, "column-name") }</th>
                    <th scope="col">{ text(lang, "column-specialty") }</th>
                    <th scope="col">{ text(lang, "directory-city") }</th>
                    <th scope="col">{ text(lang, "directory-fee") }</th>
                    <th scope="col">{ text(lang, "directory-next") }</th>
                </tr></thead>
                <tbody>
                    for entry in page.as_ref().map(|p| p.entries.clone()).unwrap_or_default() {
                        <tr class="directory-row" data-name={entry.doctor.profile.display_name.clone()}>
                            <td>
                                <button type="button" class="link-button open-doctor"
                                        onclick={{ let (opened, entry) = (opened.clone(), entry.clone()); move |_| opened.set(Some(entry.clone())) }}>
                                    { entry.doctor.profile.display_name.clone() }
                                </button>
                                if entry.doctor.verification.is_verified() {
                                    <span class="verified">{ text(lang, "verified") }</span>
                                } else {
                                    <span class="unverified">{ text(lang, "verification-pending") }</span>
                                }
                            </td>
                            <td>{ entry.doctor.profile.specialty.clone() }</td>
                            <td>{ entry.doctor.profile.city.clone() }</td>
                            <td>{ format!("৳{}", entry.doctor.profile.fees.of(kind)) }</td>
                            <td class="next">{ entry.next_free.map(|s| day_and_clock(lang, tz, s.start)).unwrap_or_default() }</td>
                        </tr>
                    }
                </tbody>
            </table>
            <div class="pager">
                <button type="button" class="secondary" id="directory-previous" disabled={query.page == 0} onclick={go(-1)}>
                    { text(lang, "page-previous") }
                </button>
                <span id="directory-page">{ text_with(lang, "page-of", &[("page", u64::from(query.page + 1).into()), ("pages", u64::from(pages).into()), ("total", u64::from(total).into())]) }</span>
                <button type="button" class="secondary" id="directory-next" disabled={query.page + 1 >= pages} onclick={go(1)}>
                    { text(lang, "page-next") }
                </button>
            </div>
            if let Some(entry) = &*opened {
                <div class="doctor-profile" id="doctor-profile">
                    <h3>{ entry.doctor.profile.display_name.clone() }</h3>
                    <p>{ format!("{} · {} · {}", entry.doctor.profile.specialty, entry.doctor.profile.qualifications, entry.doctor.profile.registration_number) }</p>
                    <p>{ text_with(lang, "directory-experience", &[("years", u64::from(entry.doctor.profile.experience_years).into())]) }</p>
                    if !entry.doctor.profile.bio.is_empty() { <p>{ entry.doctor.profile.bio.clone() }</p> }
                    <p class="next-slots" id="doctor-next-slots">
                        <strong>{ text(lang, "booking-slots") }{ ": " }</strong>
                        { slots.iter().map(|s| day_and_clock(lang, tz, s.start)).collect::<Vec<_>>().join(", ") }
                    </p>
                </div>
            }
        </section>
    }
}
