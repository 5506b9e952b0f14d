//! A doctor's files: the photo the directory shows and the credentials an admin verifies. The
//! doctor uploads them (checked here by size before the file is read, and by content before it
//! is sent; the server checks again); the doctor and the admins open the credentials.

use clinic_core::doctor::{DoctorDocument, DocumentPurpose};
use clinic_core::ipc::{DoctorArgs, DoctorDocumentArgs, DoctorFiles, IpcError};
use clinic_core::UserId;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::format::{clinic_zone, date, local_day, size_label};
use crate::i18n::{field_message, text, text_with};
use crate::state::AppModel;

#[derive(Properties, PartialEq)]
pub struct DoctorFilesProps {
    pub doctor: UserId,
    /// The doctor's own: files can be uploaded.
    #[prop_or_default]
    pub editable: bool,
}

#[component]
pub fn DoctorFilesSection(props: &DoctorFilesProps) -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let tz = clinic_zone(&model);
    let lang = model.language();
    let files = use_state(|| None::<DoctorFiles>);
    let loaded = use_state(|| 0_u32);
    let error = use_state(|| None::<IpcError>);
    // Per purpose: the last upload's problem with the file, or what was uploaded.
    let file_error = use_state(|| None::<(DocumentPurpose, String)>);
    let uploaded = use_state(|| None::<String>);
    let opened = use_state(|| None::<String>);
    let busy = use_state(|| false);
    {
        let (files, error, doctor) = (files.clone(), error.clone(), props.doctor);
        use_effect_with(*loaded, move |_| {
            spawn_local(async move {
                match backend::doctor_files(DoctorArgs { doctor }).await {
                    Ok(found) => files.set(Some(found)),
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    let upload = |purpose: DocumentPurpose| {
        let (file_error, uploaded, error, loaded, busy) = (
            file_error.clone(),
            uploaded.clone(),
            error.clone(),
            loaded.clone(),
            busy.clone(),
        );
        move |e: Event| {
            // Too large is said before the file is even read.
            let picked = crate::components::file_pick::picked_file(&e, &purpose.rule(), lang);
            let file = match picked {
                Ok(Some(file)) => file,
                Ok(None) => return,
                Err(message) => {
                    file_error.set(Some((purpose, message)));
                    uploaded.set(None);
                    error.set(None);
                    return;
                }
            };
            file_error.set(None);
            uploaded.set(None);
            error.set(None);
            let (file_error, uploaded, error, loaded, busy) = (
                file_error.clone(),
                uploaded.clone(),
                error.clone(),
                loaded.clone(),
                busy.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let sent = match backend::file_bytes(&file).await {
                    Ok(bytes) => backend::upload_doctor_document(purpose, &bytes).await,
                    Err(e) => Err(e),
                };
                match sent {
                    Ok(document) => {
                        uploaded.set(Some(text_with(
                            lang,
                            "files-uploaded",
                            &[("name", document.file_name.into())],
                        )));
                        loaded.set(*loaded + 1);
                    }
                    Err(e) => match e.fields.iter().find(|f| f.field == "file") {
                        Some(f) => file_error.set(Some((purpose, field_message(lang, f)))),
                        None => error.set(Some(e)),
                    },
                }
                busy.set(false);
            });
        }
    };
    let open = {
        let (opened, error, doctor) = (opened.clone(), error.clone(), props.doctor);
        move |document| {
            let (opened, error) = (opened.clone(), error.clone());
            move |_| {
                let (opened, error) = (opened.clone(), error.clone());
                spawn_local(async move {
                    match backend::open_doctor_document(DoctorDocumentArgs { doctor, document })
                        .await
                    {
                        Ok(saved) => opened.set(Some(saved.path)),
                        Err(e) => error.set(Some(e)),
                    }
                });
            }
        }
    };
    let problem_for = |purpose: DocumentPurpose| {
        file_error
            .as_ref()
            .filter(|(p, _)| *p == purpose)
            .map(|(_, m)| m.clone())
    };
    let credential_row = |d: &DoctorDocument| {
        html! {
            <li class="credential" data-kind={d.kind.as_str()}>
                <span class="name">{ d.file_name.clone() }</span>
                <span class="meta">{ format!(" · {} · {}", size_label(d.size), date(local_day(tz, d.uploaded_at))) }</span>
                <button type="button" class="link-button open-credential" onclick={open(d.id)}>
                    { text(lang, "files-open") }
                </button>
            </li>
        }
    };
    let file_input = |purpose: DocumentPurpose, id: &'static str, accept: &'static str| {
        let label = format!("files-upload-{}", purpose.as_str());
        html! {
            <div class="field upload">
                <label for={id}>{ text(lang, &label) }</label>
                <input type="file" id={id} {accept} disabled={*busy} onchange={upload(purpose)} />
                if let Some(message) = problem_for(purpose) {
                    <small class="field-error" id={format!("{id}-error")} role="alert">{ message }</small>
                }
            </div>
        }
    };
    let photo = match files.as_ref().and_then(|f| f.photo.clone()) {
        Some(src) => html! { <img id="doctor-photo" {src} alt={text(lang, "files-photo")} /> },
        None => {
            html! { <span class="no-photo" id="no-photo">{ text(lang, "files-no-photo") }</span> }
        }
    };
    html! {
        <div class="doctor-files" id={format!("doctor-files-{}", props.doctor)}>
            <ErrorBanner error={(*error).clone()} language={lang} />
            if let Some(message) = &*uploaded {
                <p class="banner ok" role="status" id="file-uploaded">{ message.clone() }</p>
            }
            if let Some(path) = &*opened {
                <p class="banner ok" role="status" id="file-opened">
                    { text_with(lang, "document-saved", &[("path", path.clone().into())]) }
                </p>
            }
            <div class="files-row">
                <div class="photo">
                    { photo }
                </div>
                <div class="credentials">
                    <h4>{ text(lang, "files-credentials") }</h4>
                    <ul id="credentials-list">
                        if let Some(found) = &*files {
                            for d in found.credentials.iter() { { credential_row(d) } }
                            if found.credentials.is_empty() {
                                <li class="empty">{ text(lang, "files-no-credentials") }</li>
                            }
                        }
                    </ul>
                </div>
            </div>
            if props.editable {
                <div class="uploads">
                    { file_input(DocumentPurpose::Credential, "upload-credential", "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png") }
                    { file_input(DocumentPurpose::Photo, "upload-photo", "image/jpeg,image/png,.jpg,.jpeg,.png") }
                </div>
            }
        </div>
    }
}
