use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::state::{AppModel, Msg};

/// A button's callback that signs out: here at once, and on the server when it can be reached.
#[hook]
pub fn use_sign_out() -> Callback<MouseEvent> {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    Callback::from(move |_| {
        let model = model.clone();
        spawn_local(async move {
            let _ = backend::sign_out().await;
            model.dispatch(Msg::SignedOut);
        });
    })
}
