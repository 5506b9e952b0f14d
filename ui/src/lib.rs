//! Clinic Desk's user interface (Yew, compiled to wasm).
//!
//! Invariant: this crate talks to nothing but the Tauri commands, and only through [`backend`].
//! Invariant: every visible string comes from `locales/*.ftl` through [`i18n`].

pub mod backend;
mod components;
mod hooks;
pub mod i18n;
mod pages;
pub mod state;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<pages::App>::new().render();
}
