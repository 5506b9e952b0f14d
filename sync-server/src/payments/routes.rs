//! The online-payment endpoints: start a checkout for an invoice, and the provider's notice.
//!
//! A notice is believed only when its signature checks out and the provider's validation
//! service confirms the payment; a wrong signature is refused (400), logged and changes
//! nothing. Every notice is kept with its verdict.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use clinic_core::billing::online::{
    settle_attempt, transaction_id, AttemptState, CheckoutStarted, HoldReason, OnlineAttempt,
    ProviderWord, Settlement,
};
use clinic_core::money::{Currency, Money};
use clinic_core::sync::{Command, CommandEnvelope, CommandResult};
use clinic_core::{decide, Action, CommandId};

use super::{Checkout, ProviderError};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::Path;
use crate::http::state::AppState;
use crate::storage::Storage;

fn provider_down(e: ProviderError) -> ApiError {
    tracing::warn!(error = %e, "the payment provider did not start a checkout");
    ApiError::Conflict(format!(
        "Online payment could not be started just now ({e}). Try again, or pay at the desk."
    ))
}

/// `POST /api/v1/invoices/{id}/checkout`: pay what is due on an invoice online. Whoever may
/// read the invoice (the patient whose bill it is, the desk) may start paying it.
pub async fn checkout<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(invoice): Path<uuid::Uuid>,
) -> Result<Json<CheckoutStarted>, ApiError> {
    let Some(provider) = state.payments.clone() else {
        return Err(ApiError::Conflict(
            "This clinic does not take payments online; pay at the desk.".into(),
        ));
    };
    let by = caller.actor.user().ok_or(ApiError::NotSignedIn)?;
    let invoice = state
        .storage
        .invoice(invoice)
        .await?
        .ok_or(ApiError::NotFound)?;
    let patient = state
        .storage
        .patient_record(invoice.patient)
        .await?
        .ok_or(ApiError::NotFound)?;
    decide(
        caller.actor,
        Action::ReadInvoices {
            patient_account: patient.account,
        },
    )
    .map_err(|_| ApiError::NotFound)?;
    let due = invoice
        .due()
        .map_err(|e| ApiError::Internal(format!("invoice {}: {e}", invoice.id)))?;
    if invoice.state != clinic_core::billing::InvoiceState::Issued || !due.is_positive() {
        return Err(ApiError::Conflict("Nothing is due on this invoice.".into()));
    }
    let now = Utc::now();
    let attempt = OnlineAttempt {
        id: uuid::Uuid::now_v7(),
        invoice: invoice.id,
        amount: due,
        started_by: by,
        started_at: now,
        state: AttemptState::Started,
    };
    let tran_id = transaction_id(attempt.id);
    state
        .storage
        .start_attempt(&attempt, &tran_id, now.timestamp_millis())
        .await?;
    let public = state.settings.public_url();
    let d = &patient.demographics;
    let checkout = Checkout {
        tran_id: tran_id.clone(),
        amount: due,
        invoice_number: invoice.number.clone(),
        product: format!("{} {}", state.settings.clinic_name, invoice.number),
        customer_name: d.full_name.clone(),
        customer_email: d.email.clone().unwrap_or_default(),
        customer_phone: d.phone.clone().unwrap_or_default(),
        notice_url: format!("{public}/api/v1/payments/{}/notice", provider.name()),
        return_url: format!("{public}/paid"),
    };
    let session = provider.start(&checkout).await.map_err(provider_down)?;
    Ok(Json(CheckoutStarted {
        attempt: attempt.id,
        tran_id,
        gateway_url: session.gateway_url,
    }))
}

/// `POST /api/v1/payments/{provider}/notice`: the provider's server-to-server notice (a form).
pub async fn notice<S: Storage>(
    State(state): State<AppState<S>>,
    axum::extract::Form(fields): axum::extract::Form<Vec<(String, String)>>,
) -> Result<(StatusCode, &'static str), ApiError> {
    let Some(provider) = state.payments.clone() else {
        return Err(ApiError::NotFound);
    };
    let at = Utc::now().timestamp_millis();
    let claimed = fields
        .iter()
        .find(|(k, _)| k == "tran_id")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let notice = match provider.read_notice(&fields) {
        Ok(notice) => notice,
        Err(_) => {
            tracing::warn!(tran_id = %claimed, "a payment notice with a wrong signature was refused");
            state
                .storage
                .note_provider_notice(&claimed, "bad_signature", at)
                .await?;
            return Err(ApiError::BadRequest(
                "The notice's signature is wrong.".into(),
            ));
        }
    };
    let Some(attempt) = state
        .storage
        .attempt_by_transaction(&notice.tran_id)
        .await?
    else {
        state
            .storage
            .note_provider_notice(&notice.tran_id, "unknown_transaction", at)
            .await?;
        return Err(ApiError::NotFound);
    };
    // Paid is final: a repeated notice needs no second word from the provider.
    if matches!(attempt.state, AttemptState::Paid { .. }) {
        state
            .storage
            .note_provider_notice(&notice.tran_id, "nothing_new", at)
            .await?;
        return Ok((StatusCode::OK, "received"));
    }
    let word = match notice.status.as_str() {
        "VALID" | "VALIDATED" => {
            let v = provider
                .validate(&notice.val_id)
                .await
                .map_err(|e| ApiError::Conflict(format!("validation: {e}")))?;
            let currency = Currency::new(&v.currency).unwrap_or(attempt.amount.currency);
            match (v.valid, Money::parse(&v.amount, currency)) {
                (true, Ok(amount)) => ProviderWord::Paid {
                    tran_id: v.tran_id,
                    amount,
                    val_id: v.val_id,
                    bank_tran_id: v.bank_tran_id,
                    risky: v.risky,
                },
                // Validated, but not an amount this clinic can read: never taken.
                (true, Err(_)) => ProviderWord::Paid {
                    tran_id: v.tran_id,
                    amount: Money::zero(currency),
                    val_id: v.val_id,
                    bank_tran_id: v.bank_tran_id,
                    risky: true,
                },
                (false, _) => ProviderWord::NotPaid { status: v.status },
            }
        }
        other => ProviderWord::NotPaid {
            status: other.to_owned(),
        },
    };
    let verdict = match settle_attempt(&attempt, &word) {
        Settlement::Nothing => "nothing_new",
        Settlement::Mark(new) => {
            state
                .storage
                .set_attempt_state(attempt.id, &new, at)
                .await?;
            match new {
                AttemptState::Held { .. } => "held_for_review",
                _ => "not_paid",
            }
        }
        Settlement::Record {
            payment,
            state: paid,
        } => {
            // The attempt's id is the command's: a second notice pushes the same command and
            // gets the first answer.
            let envelope = CommandEnvelope::new(
                CommandId::from_uuid(attempt.id),
                Utc::now(),
                clinic_core::billing::online::ONLINE_PROVIDER,
                Command::Bill { change: payment },
            );
            let pusher = crate::sync::queue::Pusher::provider();
            let (outcomes, head, concerned) = state.pushes.push(pusher, vec![Ok(envelope)]).await?;
            state.announce_to(head, concerned);
            let already = |r: &clinic_core::sync::Rejection| {
                r.billing.as_deref()
                    == Some(&clinic_core::billing::BillingRefusal::Problem(
                        clinic_core::billing::BillingProblem::AlreadyRecorded,
                    ))
            };
            match outcomes.first().map(|o| &o.result) {
                // Applied now, or by a notice handled alongside this one (the same command's
                // answer, or the payment already on the invoice): the first to mark the attempt
                // paid says so.
                Some(CommandResult::Applied { .. }) => {
                    if state
                        .storage
                        .set_attempt_state(attempt.id, &paid, at)
                        .await?
                    {
                        "recorded"
                    } else {
                        "nothing_new"
                    }
                }
                Some(CommandResult::Rejected(r)) if already(r) => {
                    state
                        .storage
                        .set_attempt_state(attempt.id, &paid, at)
                        .await?;
                    "nothing_new"
                }
                _ => {
                    // The provider took money the books refused (the invoice was paid at the
                    // desk meanwhile, or voided): held for a person, to refund.
                    let held = AttemptState::Held {
                        reason: HoldReason::BooksRefused,
                    };
                    state
                        .storage
                        .set_attempt_state(attempt.id, &held, at)
                        .await?;
                    "held_for_review"
                }
            }
        }
    };
    state
        .storage
        .note_provider_notice(&notice.tran_id, verdict, at)
        .await?;
    Ok((StatusCode::OK, "received"))
}
