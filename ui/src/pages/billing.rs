//! A patient's bills at the front desk: issue a bill, take the payment (cash, card, mobile
//! money), print the invoice or receipt in English or Bangla. Everything reads and writes the
//! desk's own store, so it works with the server out of reach; the sync loop takes it there.

use clinic_core::billing::{InvoiceLine, LineKind, PaymentMethod, Standing};
use clinic_core::ipc::{
    BillPatientArgs, InvoiceView, IpcError, Language, PrintInvoiceArgs, TakePaymentArgs,
};
use clinic_core::money::{Currency, Money};
use clinic_core::PatientId;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::backend;
use crate::components::{ErrorBanner, TextField};
use crate::hooks::use_submission;
use crate::i18n::{text, text_with};

#[derive(Properties, PartialEq)]
pub struct BillsProps {
    pub language: Language,
    pub patient: PatientId,
}

fn standing_key(standing: Standing) -> &'static str {
    match standing {
        Standing::Draft => "standing-draft",
        Standing::Issued => "standing-issued",
        Standing::PartlyPaid => "standing-partly_paid",
        Standing::Paid => "standing-paid",
        Standing::PartlyRefunded => "standing-partly_refunded",
        Standing::Refunded => "standing-refunded",
        Standing::Void => "standing-void",
    }
}

/// Print with `command` and say where the file went (or why not) in `said`.
fn printing<F>(
    lang: Language,
    said: UseStateHandle<Option<String>>,
    command: fn(PrintInvoiceArgs) -> F,
) -> Callback<PrintInvoiceArgs>
where
    F: std::future::Future<Output = Result<clinic_core::ipc::PrintedDocument, IpcError>> + 'static,
{
    Callback::from(move |args: PrintInvoiceArgs| {
        let said = said.clone();
        spawn_local(async move {
            said.set(Some(match command(args).await {
                Ok(document) => text_with(lang, "bill-printed", &[("path", document.path.into())]),
                Err(e) => crate::i18n::error_message(lang, &e),
            }));
        });
    })
}

/// "Receipt · English" and "Receipt · বাংলা" (an invoice's, before anything is paid).
fn print_buttons(lang: Language, bill: &InvoiceView, print: &Callback<PrintInvoiceArgs>) -> Html {
    let (invoice, receipt) = (bill.record.id, !bill.record.payments.is_empty());
    let what = text(
        lang,
        if receipt {
            "bill-print-receipt"
        } else {
            "bill-print-invoice"
        },
    );
    let button = |language: Language, label: String| {
        let print = print.clone();
        let onclick = Callback::from(move |_| {
            print.emit(PrintInvoiceArgs {
                invoice,
                receipt,
                language,
            })
        });
        html! { <button type="button" class="secondary"
        data-language={language.code()} {onclick}>{ label }</button> }
    };
    html! {
        <>
            { button(Language::English, format!("{what} · English")) }
            { button(Language::Bangla, format!("{what} · বাংলা")) }
        </>
    }
}

/// An amount the person typed (Bangla digits too), or the problem named under `field`.
fn amount(field: &str, typed: &str, currency: Currency) -> Result<Money, IpcError> {
    Money::parse(typed, currency).map_err(|_| {
        IpcError::validation(vec![clinic_core::account::FieldError::new(
            field,
            clinic_core::account::FieldProblem::NotAnAmount,
        )])
    })
}

#[component]
pub fn Bills(props: &BillsProps) -> Html {
    let lang = props.language;
    let bangla = lang == Language::Bangla;
    let bills = use_state(Vec::<InvoiceView>::new);
    let refused = use_state(Vec::<clinic_core::ipc::RefusedBill>::new);
    // Prices are read in the clinic's currency (its digits after the point).
    let currency = use_state(|| Currency::BDT);
    {
        let currency = currency.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(c) = backend::clinic_currency().await {
                    currency.set(c);
                }
            });
        });
    }
    let printed = use_state(|| None::<String>);
    let reload = {
        let (bills, refused, patient) = (bills.clone(), refused.clone(), props.patient);
        Callback::from(move |_: ()| {
            let (bills, refused) = (bills.clone(), refused.clone());
            spawn_local(async move {
                if let Ok(list) = backend::patient_invoices(patient).await {
                    bills.set(list);
                }
                if let Ok(list) = backend::refused_bills().await {
                    refused.set(
                        list.into_iter()
                            .filter(|r| r.patient == Some(patient))
                            .collect(),
                    );
                }
            });
        })
    };
    // Read again after each sync: a payment taken offline shows as the server's once pushed.
    let model =
        use_context::<UseReducerHandle<crate::state::AppModel>>().expect("AppModel context");
    let synced = model.connection.as_ref().and_then(|c| c.last_synced_at);
    {
        let reload = reload.clone();
        use_effect_with((props.patient, synced), move |_| reload.emit(()));
    }

    // A new bill: one line, what and how much.
    let description = use_state(|| text(lang, "bill-description-default"));
    let price = use_state(String::new);
    let billing = use_submission();
    let on_bill = {
        let (description, price, billing, reload) = (
            description.clone(),
            price.clone(),
            billing.clone(),
            reload.clone(),
        );
        let currency = *currency;
        let patient = props.patient;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (description, typed) = ((*description).clone(), (*price).clone());
            let reload = reload.clone();
            billing.run(
                async move {
                    let unit_price = amount("bill-price", &typed, currency)?;
                    backend::bill_patient(BillPatientArgs {
                        patient,
                        appointment: None,
                        lines: vec![InvoiceLine {
                            kind: LineKind::Other,
                            description,
                            quantity: 1,
                            unit_price,
                            discount: None,
                            tax_basis_points: 0,
                        }],
                    })
                    .await
                },
                {
                    let price = price.clone();
                    move |_| {
                        price.set(String::new());
                        reload.emit(());
                    }
                },
            );
        })
    };

    // A payment against the newest bill with something due.
    let owing = bills.iter().find(|b| b.due.is_positive()).cloned();
    let paying = use_state(String::new);
    let method = use_state(|| PaymentMethod::Cash);
    let reference = use_state(String::new);
    let payment = use_submission();
    let on_pay = {
        let (paying, method, reference, payment, reload) = (
            paying.clone(),
            method.clone(),
            reference.clone(),
            payment.clone(),
            reload.clone(),
        );
        let owing = owing.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(bill) = owing.clone() else { return };
            let typed = (*paying).clone();
            let (method, reference) = (*method, (*reference).clone());
            let (reload, paying) = (reload.clone(), paying.clone());
            payment.run(
                async move {
                    // Left empty, the payment is what is due.
                    let amount = if typed.trim().is_empty() {
                        bill.due
                    } else {
                        amount("payment-amount", &typed, bill.record.currency)?
                    };
                    backend::take_payment(TakePaymentArgs {
                        invoice: bill.record.id,
                        amount,
                        method,
                        reference: Some(reference),
                    })
                    .await
                },
                move |_| {
                    paying.set(String::new());
                    reload.emit(());
                },
            );
        })
    };
    // Money back, or a bill voided: on the newest bill that has something to give back (or,
    // with nothing paid, that can be voided), with the reason.
    let refundable = bills
        .iter()
        .find(|b| b.standing != Standing::Void && b.paid.minor > b.refunded.minor)
        .cloned();
    let voidable = bills
        .iter()
        .find(|b| b.standing != Standing::Void && b.paid.minor == b.refunded.minor)
        .cloned();
    let giving = use_state(String::new);
    let why = use_state(String::new);
    let giving_back = use_submission();
    let on_refund = {
        let (giving, why, giving_back, reload) = (
            giving.clone(),
            why.clone(),
            giving_back.clone(),
            reload.clone(),
        );
        let refundable = refundable.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(bill) = refundable.clone() else {
                return;
            };
            let (typed, reason) = ((*giving).clone(), (*why).clone());
            let (reload, giving, why) = (reload.clone(), giving.clone(), why.clone());
            giving_back.run(
                async move {
                    let back = bill
                        .paid
                        .checked_sub(bill.refunded)
                        .unwrap_or(Money::zero(bill.record.currency));
                    let amount = if typed.trim().is_empty() {
                        back
                    } else {
                        amount("refund-amount", &typed, bill.record.currency)?
                    };
                    backend::refund_payment(clinic_core::ipc::RefundPaymentArgs {
                        invoice: bill.record.id,
                        amount,
                        method: PaymentMethod::Cash,
                        reason,
                    })
                    .await
                },
                move |_| {
                    giving.set(String::new());
                    why.set(String::new());
                    reload.emit(());
                },
            );
        })
    };
    let voiding = use_submission();
    let on_void = {
        let (why, voiding, reload) = (why.clone(), voiding.clone(), reload.clone());
        let voidable = voidable.clone();
        Callback::from(move |_| {
            let Some(bill) = voidable.clone() else { return };
            let reason = (*why).clone();
            let (reload, why) = (reload.clone(), why.clone());
            voiding.run(
                backend::void_invoice(clinic_core::ipc::VoidInvoiceArgs {
                    invoice: bill.record.id,
                    reason,
                }),
                move |_| {
                    why.set(String::new());
                    reload.emit(());
                },
            );
        })
    };
    let print = printing(lang, printed.clone(), backend::print_invoice);
    let methods = [
        PaymentMethod::Cash,
        PaymentMethod::Card,
        PaymentMethod::MobileMoney,
    ];
    let on_method = {
        let method = method.clone();
        Callback::from(move |e: Event| {
            let chosen = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let Some(m) = methods.iter().find(|m| m.as_str() == chosen) {
                method.set(*m);
            }
        })
    };

    html! {
        <section class="bills" id="bills" aria-labelledby="bills-title">
            <h3 id="bills-title">{ text(lang, "bills-title") }</h3>
            // A change the server refused comes first: money a person must look at again.
            { for refused.iter().map(|r| {
                let command = r.command;
                let reload = reload.clone();
                let dismiss = Callback::from(move |_| {
                    let reload = reload.clone();
                    spawn_local(async move {
                        let _ = backend::dismiss_rejected(command).await;
                        reload.emit(());
                    });
                });
                let why = match r.rejection.billing.as_deref() {
                    Some(refusal) => crate::i18n::billing_message(lang, refusal),
                    None => crate::i18n::rejection_reason(lang, r.rejection.reason),
                };
                html! {
                    <p class="banner error refused-bill" role="alert">
                        { text_with(lang, "bill-refused", &[
                            ("number", r.invoice_number.clone().unwrap_or_default().into()),
                            ("reason", why.into()),
                        ]) }
                        <button type="button" class="secondary" onclick={dismiss}>{ text(lang, "dismiss") }</button>
                    </p>
                }
            }) }
            if bills.is_empty() {
                <p class="muted">{ text(lang, "bills-none") }</p>
            }
            <ul class="bill-list">
                { for bills.iter().map(|b| {
                    html! {
                        <li class="bill" data-number={b.record.number.clone()}
                            data-standing={standing_key(b.standing)}>
                            <strong>{ b.record.number.clone() }</strong>
                            <span class="standing">{ text(lang, standing_key(b.standing)) }</span>
                            <span>{ format!("{} {}", text(lang, "bill-total"), b.totals.total.display(bangla)) }</span>
                            <span>{ format!("{} {}", text(lang, "bill-paid"), b.paid.display(bangla)) }</span>
                            if b.refunded.is_positive() {
                                <span class="refunded">{ format!("{} {}", text(lang, "bill-refunded"), b.refunded.display(bangla)) }</span>
                            }
                            if b.due.is_positive() {
                                <span class="due">{ format!("{} {}", text(lang, "bill-due"), b.due.display(bangla)) }</span>
                            }
                            if b.pending { <span class="pending">{ text(lang, "bill-pending") }</span> }
                            { print_buttons(lang, b, &print) }
                        </li>
                    }
                }) }
            </ul>
            if let Some(done) = &*printed {
                <p class="banner ok" role="status" id="bill-printed">{ done.clone() }</p>
            }
            if refundable.is_some() || voidable.is_some() {
                <form class="give-back" id="give-back" onsubmit={on_refund}>
                    <h4>{ text(lang, "bill-give-back") }</h4>
                    if refundable.is_some() {
                        <TextField name="refund-amount" label={text(lang, "refund-amount")}
                                   value={(*giving).clone()} language={lang} errors={giving_back.fields()}
                                   oninput={{ let g = giving.clone(); Callback::from(move |v| g.set(v)) }} />
                    }
                    <TextField name="give-back-reason" label={text(lang, "give-back-reason")}
                               value={(*why).clone()} language={lang}
                               oninput={{ let w = why.clone(); Callback::from(move |v| w.set(v)) }} />
                    <ErrorBanner error={giving_back.error().or(voiding.error())} language={lang} />
                    <div class="actions">
                        if let Some(bill) = &refundable {
                            <button type="submit" id="refund-save" class="secondary" disabled={giving_back.busy()}>
                                { format!("{} — {}", text(lang, "bill-refund"), bill.record.number) }
                            </button>
                        }
                        if let Some(bill) = &voidable {
                            <button type="button" id="void-save" class="secondary" disabled={voiding.busy()}
                                    onclick={on_void}>
                                { format!("{} — {}", text(lang, "bill-void"), bill.record.number) }
                            </button>
                        }
                    </div>
                </form>
            }
            if let Some(bill) = &owing {
                <form class="take-payment" id="take-payment" onsubmit={on_pay}>
                    <h4>{ format!("{} — {}", text(lang, "bill-take-payment"), bill.record.number) }</h4>
                    <TextField name="payment-amount" label={text(lang, "pay-amount")}
                               value={(*paying).clone()} language={lang} errors={payment.fields()}
                               hint={Some(AttrValue::from(bill.due.display(bangla)))}
                               oninput={{ let p = paying.clone(); Callback::from(move |v| p.set(v)) }} />
                    <div class="field">
                        <label for="payment-method">{ text(lang, "pay-method") }</label>
                        <select id="payment-method" onchange={on_method}>
                            { for methods.iter().map(|m| html! {
                                <option value={m.as_str()} selected={*m == *method}>
                                    { text(lang, &format!("method-{}", m.as_str())) }
                                </option>
                            }) }
                        </select>
                    </div>
                    if method.needs_reference() {
                        <TextField name="payment-reference" label={text(lang, "pay-reference")}
                                   value={(*reference).clone()} language={lang}
                                   oninput={{ let r = reference.clone(); Callback::from(move |v| r.set(v)) }} />
                    }
                    <ErrorBanner error={payment.error()} language={lang} />
                    <button type="submit" id="payment-save" class="primary" disabled={payment.busy()}>
                        { text(lang, "pay-save") }
                    </button>
                </form>
            }
            <form class="new-bill" id="new-bill" onsubmit={on_bill}>
                <h4>{ text(lang, "bill-new") }</h4>
                <TextField name="bill-description" label={text(lang, "bill-description")}
                           value={(*description).clone()} language={lang}
                           oninput={{ let d = description.clone(); Callback::from(move |v| d.set(v)) }} />
                <TextField name="bill-price" label={text(lang, "bill-amount")}
                           value={(*price).clone()} language={lang} errors={billing.fields()}
                           oninput={{ let p = price.clone(); Callback::from(move |v| p.set(v)) }} />
                <ErrorBanner error={billing.error()} language={lang} />
                <button type="submit" id="bill-save" class="primary" disabled={billing.busy()}>
                    { text(lang, "bill-save") }
                </button>
            </form>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct MyBillsProps {
    pub language: Language,
}

/// The patient's own bills (patient build): what each is for, paid or due; "Pay online" opens
/// the clinic's payment provider in the browser, and the bill shows paid once the provider's word
/// reaches this device by sync.
#[component]
pub fn MyBills(props: &MyBillsProps) -> Html {
    let lang = props.language;
    let bangla = lang == Language::Bangla;
    let bills = use_state(Vec::<InvoiceView>::new);
    let said = use_state(|| None::<String>);
    let model =
        use_context::<UseReducerHandle<crate::state::AppModel>>().expect("AppModel context");
    let synced = model.connection.as_ref().and_then(|c| c.last_synced_at);
    {
        let bills = bills.clone();
        use_effect_with(synced, move |_| {
            spawn_local(async move {
                if let Ok(list) = backend::my_invoices().await {
                    bills.set(list);
                }
            });
        });
    }
    if bills.is_empty() {
        return html! {};
    }
    let print = printing(lang, said.clone(), backend::print_my_invoice);
    let pay = {
        let said = said.clone();
        Callback::from(move |invoice: uuid::Uuid| {
            let said = said.clone();
            spawn_local(async move {
                said.set(Some(match backend::pay_online(invoice).await {
                    Ok(_) => text(lang, "bill-pay-opened"),
                    Err(e) => crate::i18n::error_message(lang, &e),
                }));
            });
        })
    };
    html! {
        <section class="bills" id="my-bills" aria-labelledby="my-bills-title">
            <h3 id="my-bills-title">{ text(lang, "bills-title") }</h3>
            <ul class="bill-list">
                { for bills.iter().map(|b| {
                    let id = b.record.id;
                    let pay = pay.clone();
                    html! {
                        <li class="bill" data-number={b.record.number.clone()}
                            data-standing={standing_key(b.standing)}>
                            <strong>{ b.record.number.clone() }</strong>
                            <span class="standing">{ text(lang, standing_key(b.standing)) }</span>
                            <span>{ format!("{} {}", text(lang, "bill-total"), b.totals.total.display(bangla)) }</span>
                            if b.due.is_positive() {
                                <span class="due">{ format!("{} {}", text(lang, "bill-due"), b.due.display(bangla)) }</span>
                                <button type="button" class="primary pay-online"
                                        onclick={move |_| pay.emit(id)}>{ text(lang, "bill-pay-online") }</button>
                            }
                            { print_buttons(lang, b, &print) }
                        </li>
                    }
                }) }
            </ul>
            if let Some(message) = &*said {
                <p class="banner" role="status" id="pay-online-status">{ message.clone() }</p>
            }
        </section>
    }
}
