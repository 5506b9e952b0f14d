//! Clinic Desk's user interface (Yew, compiled to wasm).
//!
//! Invariant: this crate talks to nothing but the Tauri commands, and only through [`backend`].
//! Invariant: every visible string comes from `locales/*.ftl` through [`i18n`].

pub mod backend;
mod components;
mod format;
mod hooks;
pub mod i18n;
mod pages;
pub mod state;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    // A panic would otherwise leave the last screen frozen with no trace: log it where the
    // webview's console (and the end-to-end tests) can see it.
    std::panic::set_hook(Box::new(|info| {
        let message = format!("Clinic Desk UI panicked: {info}");
        web_sys::console::error_1(&message.clone().into());
        if let Some(window) = web_sys::window() {
            let _ = js_sys::Reflect::set(&window, &"__consoleErrors".into(), &message.into());
        }
    }));
    yew::Renderer::<pages::App>::new().render();
}
