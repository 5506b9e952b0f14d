//! The admin's check of doctors' credentials: every doctor of the clinic with their registration
//! number and where their verification stands; verify, or reject with a reason the doctor reads.

use clinic_core::doctor::{DoctorRecord, Verification};
use clinic_core::ipc::{Language, VerifyDoctorArgs};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::doctor_files::DoctorFilesSection;
use crate::backend;
use crate::components::ErrorBanner;
use crate::hooks::use_submission;
use crate::i18n::{field_message, text, text_with};
use crate::state::AppModel;

#[component]
pub fn DoctorVerification() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let tick = model.connection.as_ref().map(|c| c.checked_at);
    let doctors = use_state(Vec::<DoctorRecord>::new);
    // The doctor being rejected, and the reason typed so far.
    let rejecting = use_state(|| None::<clinic_core::UserId>);
    let reason = use_state(String::new);
    // The doctor whose files are shown under their row.
    let viewing = use_state(|| None::<clinic_core::UserId>);
    let submission = use_submission();
    {
        let doctors = doctors.clone();
        use_effect_with(tick, move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::clinic_doctors().await {
                    doctors.set(found);
                }
            });
        });
    }
    let decide = {
        let (submission, doctors, rejecting, reason) = (
            submission.clone(),
            doctors.clone(),
            rejecting.clone(),
            reason.clone(),
        );
        Callback::from(
            move |(doctor, decision): (clinic_core::UserId, Verification)| {
                let (doctors, rejecting, reason) =
                    (doctors.clone(), rejecting.clone(), reason.clone());
                submission.run(
                    backend::verify_doctor(VerifyDoctorArgs { doctor, decision }),
                    move |found| {
                        doctors.set(found);
                        rejecting.set(None);
                        reason.set(String::new());
                    },
                );
            },
        )
    };
    let reason_error = submission
        .fields()
        .into_iter()
        .find(|f| f.field == "reason")
        .map(|f| field_message(lang, &f));
    html! {
        <section class="card" id="doctor-verification">
            <h2>{ text(lang, "verification-title") }</h2>
            <ErrorBanner error={submission.error().filter(|e| e.fields.is_empty())} language={lang} />
            <table id="doctors-to-verify">
                <thead><tr>
                    <th scope="col">{ text(lang, "column-name") }</th>
                    <th scope="col">{ text(lang, "column-specialty") }</th>
                    <th scope="col">{ text(lang, "column-registration") }</th>
                    <th scope="col">{ text(lang, "column-status") }</th>
                    <th scope="col"><span class="visually-hidden">{ text(lang, "column-actions") }</span></th>
                </tr></thead>
                <tbody>
                    for d in doctors.iter() {
                        <>
                        <tr class="doctor-row" data-name={d.profile.display_name.clone()}>
                            <td>{ d.profile.display_name.clone() }</td>
                            <td>{ d.profile.specialty.clone() }</td>
                            <td>{ d.profile.registration_number.clone() }</td>
                            <td class="verification">{ verification_text(lang, &d.verification) }</td>
                            <td class="actions">
                                <button type="button" class="secondary show-files"
                                        onclick={{ let (viewing, id) = (viewing.clone(), d.id);
                                                   move |_| viewing.set(if *viewing == Some(id) { None } else { Some(id) }) }}>
                                    { text(lang, "files-credentials") }
                                </button>
                                if !d.verification.is_verified() {
                                    <button type="button" class="primary verify"
                                            onclick={{ let (decide, id) = (decide.clone(), d.id); move |_| decide.emit((id, Verification::Verified)) }}>
                                        { text(lang, "verify") }
                                    </button>
                                }
                                if *rejecting == Some(d.id) {
                                    <input type="text" class="reject-reason" id="reject-reason"
                                           aria-label={text(lang, "reject-reason")}
                                           placeholder={text(lang, "reject-reason")}
                                           value={(*reason).clone()}
                                           oninput={{ let reason = reason.clone(); move |e: InputEvent| {
                                               let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                                               reason.set(input.value());
                                           } }} />
                                    <button type="button" class="secondary confirm-reject"
                                            onclick={{ let (decide, id, reason) = (decide.clone(), d.id, reason.clone());
                                                       move |_| decide.emit((id, Verification::Rejected { reason: (*reason).clone() })) }}>
                                        { text(lang, "reject-confirm") }
                                    </button>
                                    if let Some(message) = reason_error.clone() {
                                        <p class="field-error" role="alert" id="reject-reason-error">{ message }</p>
                                    }
                                } else if !matches!(d.verification, Verification::Rejected { .. }) {
                                    <button type="button" class="secondary reject"
                                            onclick={{ let (rejecting, id) = (rejecting.clone(), d.id); move |_| rejecting.set(Some(id)) }}>
                                        { text(lang, "reject") }
                                    </button>
                                }
                            </td>
                        </tr>
                        if *viewing == Some(d.id) {
                            <tr class="files-row-of"><td colspan="5">
                                <DoctorFilesSection doctor={d.id} />
                            </td></tr>
                        }
                        </>
                    }
                </tbody>
            </table>
        </section>
    }
}

fn verification_text(lang: Language, verification: &Verification) -> String {
    match verification {
        Verification::Verified => text(lang, "verified"),
        Verification::Pending => text(lang, "verification-pending"),
        Verification::Rejected { reason } => text_with(
            lang,
            "verification-rejected",
            &[("reason", reason.clone().into())],
        ),
    }
}
