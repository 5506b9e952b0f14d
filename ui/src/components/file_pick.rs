//! Choosing a file to upload, the same in the chart, a conversation and a doctor's documents: the
//! file a person picked, refused at once when too large for where it goes (before it is read),
//! then read.

use clinic_core::ipc::Language;
use clinic_core::upload::UploadRule;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::i18n::field_message;

/// The file picked in the `<input type="file">` that fired `e` (the input is cleared, so the same
/// file may be picked again): `Ok(None)` when nothing was picked, `Err` with the message in the
/// desk's language when it is too large for `rule`.
pub fn picked_file(
    e: &Event,
    rule: &UploadRule,
    lang: Language,
) -> Result<Option<web_sys::File>, String> {
    let input: web_sys::HtmlInputElement = e.target_unchecked_into();
    let Some(file) = input.files().and_then(|list| list.get(0)) else {
        return Ok(None);
    };
    input.set_value("");
    rule.check_size(file.size() as u64)
        .map_err(|problem| field_message(lang, &problem.field_error("file")))?;
    Ok(Some(file))
}

/// Read a picked file, then hand on its bytes, or the reason it could not be read.
pub fn read_picked(file: web_sys::File, on_bytes: Callback<Vec<u8>>, on_error: Callback<String>) {
    spawn_local(async move {
        match backend::file_bytes(&file).await {
            Ok(bytes) => on_bytes.emit(bytes),
            Err(e) => on_error.emit(e.message),
        }
    });
}

/// What a file input does when a file is picked: one too large for `rule` is refused at once in
/// `problem`; otherwise `problem` is cleared, the file read, and its bytes handed to `send`.
pub fn on_pick(
    rule: UploadRule,
    lang: Language,
    send: Callback<Vec<u8>>,
    problem: UseStateHandle<Option<String>>,
) -> impl Fn(Event) {
    move |e: Event| match picked_file(&e, &rule, lang) {
        Ok(Some(file)) => {
            problem.set(None);
            let problem = problem.clone();
            read_picked(
                file,
                send.clone(),
                Callback::from(move |m| problem.set(Some(m))),
            );
        }
        Ok(None) => {}
        Err(message) => problem.set(Some(message)),
    }
}
