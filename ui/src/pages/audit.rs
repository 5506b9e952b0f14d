//! The admins' audit viewer: who read or changed which patient's health data, when — newest
//! first, filtered by kind (emergency accesses in one click) — and whether the hash chain is
//! whole. Entries name records, never their content.

use chrono::{DateTime, Utc};
use clinic_core::audit::AuditAction;
use clinic_core::ipc::{AuditQuery, IpcError};
use clinic_core::wire::AuditPage;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::ErrorBanner;
use crate::i18n::{text, text_with};
use crate::state::AppModel;

/// The kinds the filter offers (the rest are still listed under "everything").
const ACTIONS: [AuditAction; 9] = [
    AuditAction::BreakGlass,
    AuditAction::ReadChart,
    AuditAction::OfflineReadChart,
    AuditAction::ReadDocument,
    AuditAction::UploadDocument,
    AuditAction::ReadNote,
    AuditAction::IssuePrescription,
    AuditAction::RefusedReadChart,
    AuditAction::RefusedReadDocument,
];

/// An entry's kind in the reader's language; a kind this version does not know, as stored.
fn action_label(lang: clinic_core::ipc::Language, stored: &str) -> String {
    match AuditAction::from_name(stored) {
        Some(action) => text(lang, &format!("audit-action-{action}")),
        None => stored.replace('_', " "),
    }
}

#[component]
pub fn AuditViewer() -> Html {
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let lang = model.language();
    let action = use_state(String::new);
    let page = use_state(|| None::<Result<AuditPage, IpcError>>);
    // The page below this entry (older ones), and whether to check the whole chain.
    let before = use_state(|| None::<i64>);
    let full = use_state(|| false);
    {
        let (page, action, before_seq, whole) = (page.clone(), (*action).clone(), *before, *full);
        use_effect_with((action.clone(), before_seq, whole), move |_| {
            spawn_local(async move {
                let query = AuditQuery {
                    action: (!action.is_empty()).then_some(action),
                    limit: Some(100),
                    before: before_seq,
                    full: whole,
                    ..AuditQuery::default()
                };
                page.set(Some(backend::audit_log(query).await));
            });
        });
    }
    let name = |names: &std::collections::BTreeMap<String, String>, id: &str| {
        names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.chars().take(8).collect())
    };
    let body = match page.as_ref() {
        None => html! { <p class="loading">{ "…" }</p> },
        Some(Err(e)) => html! { <ErrorBanner error={Some(e.clone())} language={lang} /> },
        Some(Ok(found)) => html! {
            <>
                if let Some(broken) = &found.chain_broken {
                    <p class="banner error" id="audit-chain" role="alert">{ text_with(lang, "audit-chain-broken", &[("where", broken.clone().into())]) }</p>
                } else {
                    <p class="banner ok" id="audit-chain">{ text_with(lang, "audit-chain-whole", &[("count", (found.total as u64).into())]) }</p>
                }
                if found.checked_from > 1 {
                    <p class="hint" id="audit-checked-from">
                        { text_with(lang, "audit-checked-from", &[("seq", (found.checked_from as u64).into())]) }
                        <button type="button" class="link-button" id="audit-full-check"
                                onclick={{ let full = full.clone(); move |_| full.set(true) }}>
                            { text(lang, "audit-full-check") }
                        </button>
                    </p>
                }
                if found.entries.is_empty() { <p class="empty" id="audit-empty">{ text(lang, "audit-empty") }</p> }
                <table class="audit" id="audit-entries">
                    <thead><tr>
                        <th>{ text(lang, "audit-when") }</th>
                        <th>{ text(lang, "audit-who") }</th>
                        <th>{ text(lang, "audit-what") }</th>
                        <th>{ text(lang, "audit-patient") }</th>
                        <th>{ text(lang, "audit-detail") }</th>
                    </tr></thead>
                    <tbody>
                        for e in found.entries.iter() {
                            <tr data-action={e.action.clone()} class={classes!((e.action == AuditAction::BreakGlass.as_str()).then_some("flagged"))}>
                                <td>{ DateTime::<Utc>::from_timestamp_millis(e.at_ms).map(crate::format::utc_stamp).unwrap_or_default() }</td>
                                <td>
                                    { format!("{} ({})", name(&found.names, &e.actor), e.role) }
                                    if !e.device.is_empty() { <span class="device">{ format!(" · {}", e.device) }</span> }
                                </td>
                                <td>{ action_label(lang, &e.action) }</td>
                                <td>{ name(&found.names, &e.patient) }</td>
                                <td class="detail">{ if e.action == AuditAction::BreakGlass.as_str() { e.subject.trim_start_matches("reason: ").to_owned() } else { String::new() } }</td>
                            </tr>
                        }
                    </tbody>
                </table>
                if let Some(older) = found.older_than {
                    <button type="button" class="secondary" id="audit-older"
                            onclick={{ let before = before.clone(); move |_| before.set(Some(older)) }}>
                        { text(lang, "audit-older") }
                    </button>
                }
            </>
        },
    };
    html! {
        <section class="card" id="audit-card">
            <h2>{ text(lang, "audit-title") }</h2>
            <div class="audit-filters">
                <label for="audit-action">{ text(lang, "audit-filter") }</label>
                <select id="audit-action" onchange={{ let (action, before) = (action.clone(), before.clone()); move |e: Event| {
                    before.set(None);
                    action.set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value());
                } }}>
                    <option value="" selected={action.is_empty()}>{ text(lang, "audit-everything") }</option>
                    for a in ACTIONS {
                        <option value={a.as_str()} selected={*action == a.as_str()}>{ action_label(lang, a.as_str()) }</option>
                    }
                </select>
                <button type="button" class="secondary" id="audit-break-glass"
                        onclick={{ let (action, before) = (action.clone(), before.clone()); move |_| {
                            before.set(None);
                            action.set(AuditAction::BreakGlass.as_str().to_owned());
                        } }}>
                    { text(lang, "audit-emergencies") }
                </button>
            </div>
            { body }
        </section>
    }
}
