//! Asking for the patient's consent to the clinic keeping uploaded files, where a file waits for
//! it: the patient agrees themself (patient build), or staff note how the patient agreed.

use clinic_core::consent::{ConsentForm, ConsentPurpose};
use clinic_core::ipc::{IpcError, Language, RecordConsentArgs};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::i18n::{field_message, text};

#[derive(Properties, PartialEq)]
pub struct RecordsConsentProps {
    pub patient: clinic_core::PatientId,
    pub as_patient: bool,
    pub language: Language,
    /// Called once the consent is recorded (the waiting file goes).
    pub on_agreed: Callback<()>,
}

#[component]
pub fn RecordsConsent(props: &RecordsConsentProps) -> Html {
    let lang = props.language;
    let note = use_state(String::new);
    let error = use_state(|| None::<IpcError>);
    let agree = {
        let (note, error, on_agreed) = (note.clone(), error.clone(), props.on_agreed.clone());
        let (patient, as_patient) = (props.patient, props.as_patient);
        move |_| {
            let form = ConsentForm {
                purpose: ConsentPurpose::StoreUploadedRecords,
                note: (!as_patient).then(|| (*note).clone()),
            };
            let (error, on_agreed) = (error.clone(), on_agreed.clone());
            spawn_local(async move {
                match backend::record_consent(RecordConsentArgs { patient, form }).await {
                    Ok(_) => {
                        error.set(None);
                        on_agreed.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let note_error = error
        .as_ref()
        .and_then(|e| e.fields.iter().find(|f| f.field == "note"))
        .map(|f| field_message(lang, f));
    html! {
        <div class="records-consent" role="alert">
            if props.as_patient {
                <span class="consent-text">{ text(lang, "consent-records-patient") }</span>
                <button type="button" class="primary give-consent" onclick={agree}>
                    { text(lang, "consent-agree-and-send") }
                </button>
            } else {
                <span class="consent-text">{ text(lang, "consent-records-staff") }</span>
                <input type="text" class="consent-note" aria-label={text(lang, "consent-note")}
                       placeholder={text(lang, "consent-note")} value={(*note).clone()}
                       oninput={{ let note = note.clone(); move |e: InputEvent| {
                           let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                           note.set(input.value());
                       } }} />
                <button type="button" class="secondary record-consent" onclick={agree}>
                    { text(lang, "consent-record-and-send") }
                </button>
            }
            if let Some(m) = note_error { <small class="field-error">{ m }</small> }
            <ErrorBanner error={(*error).clone().filter(|e| e.fields.is_empty())} language={lang} />
        </div>
    }
}
