//! The admins' payments dashboard: a period's takings by method, what was given back, what was
//! billed by doctor and by service, what is still owed, and online payments that did not go
//! through or wait for review. From the server (the sums are kept there as the books change).

use chrono::NaiveDate;
use clinic_core::billing::takings::Takings;
use clinic_core::ipc::{IpcError, Language, TakingsArgs};
use clinic_core::money::Money;
use clinic_core::wire::DoctorView;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::i18n::text;

#[derive(Properties, PartialEq)]
pub struct TakingsProps {
    pub language: Language,
}

fn row(label: String, amount: Money, bangla: bool) -> Html {
    html! {
        <tr><th scope="row">{ label }</th><td class="amount">{ amount.display(bangla) }</td></tr>
    }
}

#[component]
pub fn TakingsPanel(props: &TakingsProps) -> Html {
    let lang = props.language;
    let bangla = lang == Language::Bangla;
    // Counts and days in the reader's digits.
    let digits = move |text: String| {
        if bangla {
            clinic_core::money::bangla(&text)
        } else {
            text
        }
    };
    let from = use_state(String::new);
    let to = use_state(String::new);
    let shown = use_state(|| None::<Result<Takings, IpcError>>);
    let doctors = use_state(Vec::<DoctorView>::new);
    let load = {
        let (from, to, shown) = (from.clone(), to.clone(), shown.clone());
        Callback::from(move |_: ()| {
            let day = |t: &str| t.trim().parse::<NaiveDate>().ok();
            let args = TakingsArgs {
                from: day(&from),
                to: day(&to),
            };
            let shown = shown.clone();
            spawn_local(async move { shown.set(Some(backend::takings(args).await)) });
        })
    };
    {
        let (load, doctors) = (load.clone(), doctors.clone());
        use_effect_with((), move |_| {
            load.emit(());
            spawn_local(async move {
                if let Ok(list) = backend::doctors().await {
                    doctors.set(list);
                }
            });
        });
    }
    let onsubmit = {
        let load = load.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            load.emit(());
        })
    };
    let body = match &*shown {
        None => html! { <p class="loading">{ text(lang, "loading") }</p> },
        Some(Err(e)) => html! { <ErrorBanner error={Some(e.clone())} language={lang} /> },
        Some(Ok(t)) => {
            let name = |id: clinic_core::UserId| {
                doctors
                    .iter()
                    .find(|d| d.id == id)
                    .map_or_else(|| id.to_string(), |d| d.display_name.clone())
            };
            html! {
                <>
                    <p class="period">{ digits(format!("{} – {}", t.period.from, t.period.to)) }</p>
                    <table id="takings-received" class="figures">
                        <caption>{ text(lang, "takings-received") }</caption>
                        <tbody>
                            { for t.received.iter().map(|r| row(
                                format!("{} ({})", text(lang, &format!("method-{}", r.method.as_str())), digits(r.payments.to_string())),
                                r.amount, bangla)) }
                            { row(text(lang, "takings-refunded"), t.refunded, bangla) }
                            <tr class="net"><th scope="row">{ text(lang, "takings-net") }</th>
                                <td class="amount" id="takings-net">{ t.net.display(bangla) }</td></tr>
                        </tbody>
                    </table>
                    <table id="takings-billed" class="figures">
                        <caption>{ text(lang, "takings-billed") }</caption>
                        <tbody>
                            { for t.billed_by_doctor.iter().map(|d| row(name(d.doctor), d.amount, bangla)) }
                            { for t.billed_by_service.iter().map(|s| row(s.code.clone(), s.amount, bangla)) }
                            if t.billed_other.is_positive() {
                                { row(text(lang, "takings-other"), t.billed_other, bangla) }
                            }
                        </tbody>
                    </table>
                    <p id="takings-outstanding">{ format!("{}: {} — {}", text(lang, "takings-outstanding"),
                        digits(t.outstanding_invoices.to_string()), t.outstanding.display(bangla)) }</p>
                    <p id="takings-online">{ format!("{}: {} · {}: {}",
                        text(lang, "takings-online-not-paid"), digits(t.online_not_paid.to_string()),
                        text(lang, "takings-online-held"), digits(t.online_held.to_string())) }</p>
                </>
            }
        }
    };
    html! {
        <section class="card takings" id="takings" aria-labelledby="takings-title">
            <h2 id="takings-title">{ text(lang, "takings-title") }</h2>
            <form class="booking-row" {onsubmit}>
                <TextField name="takings-from" label={text(lang, "takings-from")} value={(*from).clone()}
                           language={lang} hint={Some(AttrValue::from("YYYY-MM-DD"))}
                           oninput={{ let f = from.clone(); Callback::from(move |v| f.set(v)) }} />
                <TextField name="takings-to" label={text(lang, "takings-to")} value={(*to).clone()}
                           language={lang}
                           oninput={{ let t = to.clone(); Callback::from(move |v| t.set(v)) }} />
                <button type="submit" class="primary" id="takings-show">{ text(lang, "takings-show") }</button>
            </form>
            { body }
        </section>
    }
}
