//! The admins' payments dashboard: `GET /api/v1/takings?from=YYYY-MM-DD&to=YYYY-MM-DD` (clinic
//! days, both included; today when left out), summed in the database.

use axum::extract::State;
use axum::Json;
use chrono::{NaiveDate, Utc};
use clinic_core::billing::takings::{takings_period, Takings};
use clinic_core::{decide, Action};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::http::state::AppState;
use crate::storage::Storage;

#[derive(Debug, serde::Deserialize)]
pub struct TakingsQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

pub async fn takings<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    crate::extract::Query(query): crate::extract::Query<TakingsQuery>,
) -> Result<Json<Takings>, ApiError> {
    decide(caller.actor, Action::ReadTakings)?;
    let tz = state.settings.time_zone();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let from = query.from.unwrap_or(today);
    let period = takings_period(from, query.to.unwrap_or(from.max(today)), &tz)
        .map_err(|field| ApiError::Validation(vec![field]))?;
    let takings = state
        .storage
        .takings(period, state.settings.clinic_currency())
        .await?;
    Ok(Json(takings))
}
