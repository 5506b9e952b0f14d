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
}
