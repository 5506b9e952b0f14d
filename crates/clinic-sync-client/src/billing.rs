//! The books through the server: start paying an invoice online.

use clinic_core::billing::online::CheckoutStarted;

use crate::{ClientError, SyncClient};

impl SyncClient {
    /// Start paying what is due on `invoice` through the clinic's payment provider: the page to
    /// send the patient to.
    pub async fn checkout(
        &self,
        token: &str,
        invoice: uuid::Uuid,
    ) -> Result<CheckoutStarted, ClientError> {
        self.answer(
            self.http()
                .post(self.url(&format!("/api/v1/invoices/{invoice}/checkout")))
                .bearer_auth(token)
                .json(&serde_json::json!({})),
        )
        .await
    }

    /// The clinic's takings for clinic days `from..=to` (admins).
    pub async fn takings(
        &self,
        token: &str,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> Result<clinic_core::billing::takings::Takings, ClientError> {
        // Dates are digits and dashes: nothing to escape.
        let mut query: Vec<String> = Vec::new();
        query.extend(from.map(|d| format!("from={d}")));
        query.extend(to.map(|d| format!("to={d}")));
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/takings?{}", query.join("&"))))
                .bearer_auth(token),
        )
        .await
    }
}
