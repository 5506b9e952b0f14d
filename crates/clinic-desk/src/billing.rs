//! The books at the desk: bill a patient, take cash, card or mobile money, give money back, void
//! an invoice, print the invoice or its receipt in English or Bangla. Every change is judged by
//! the core's billing judge in the store and queued with it, so all of it works offline; the
//! sync loop pushes it, and the server takes each payment once.

use chrono::Utc;
use clinic_core::billing::BillingCommand;
use clinic_core::desk_error::DeskError;
use clinic_core::ipc::{
    BillPatientArgs, InvoiceView, IpcError, PrintInvoiceArgs, PrintedDocument, RefundPaymentArgs,
    TakePaymentArgs, VoidInvoiceArgs,
};
use clinic_core::{CommandId, PatientId};

use super::{actor, Desk};

impl Desk {
    /// Record a change to the books made by the signed-in user; the invoice as it now stands.
    fn record_billing(&self, change: BillingCommand) -> Result<InvoiceView, IpcError> {
        let user = self.working_user()?;
        let command = CommandId::from_uuid(uuid::Uuid::now_v7());
        let (_, record) = self
            .locked_store()?
            .record_billing(command, Utc::now(), actor(&user), change)
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        InvoiceView::of(record, true)
    }

    /// Bill a patient: an invoice numbered from this desk's own series, issued at once.
    pub fn bill_patient(&self, args: &BillPatientArgs) -> Result<InvoiceView, IpcError> {
        self.working_user()?;
        let number = self
            .locked_store()?
            .next_invoice_number()
            .map_err(Self::record_error)?;
        self.record_billing(BillingCommand::SaveInvoice {
            invoice: uuid::Uuid::now_v7(),
            number,
            patient: args.patient,
            appointment: args.appointment,
            lines: args.lines.clone(),
            issue: true,
        })
    }

    pub fn take_payment(&self, args: &TakePaymentArgs) -> Result<InvoiceView, IpcError> {
        self.record_billing(BillingCommand::TakePayment {
            invoice: args.invoice,
            payment: uuid::Uuid::now_v7(),
            amount: args.amount,
            method: args.method,
            reference: args
                .reference
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
        })
    }

    pub fn refund_payment(&self, args: &RefundPaymentArgs) -> Result<InvoiceView, IpcError> {
        self.record_billing(BillingCommand::RefundPayment {
            invoice: args.invoice,
            refund: uuid::Uuid::now_v7(),
            amount: args.amount,
            method: args.method,
            reason: args.reason.clone(),
        })
    }

    pub fn void_invoice(&self, args: &VoidInvoiceArgs) -> Result<InvoiceView, IpcError> {
        self.record_billing(BillingCommand::VoidInvoice {
            invoice: args.invoice,
            reason: args.reason.clone(),
        })
    }

    /// A patient's invoices as this desk knows them, newest first.
    pub fn patient_invoices(&self, patient: PatientId) -> Result<Vec<InvoiceView>, IpcError> {
        self.working_user()?;
        let store = self.locked_store()?;
        let records = store.invoices_of(patient).map_err(super::store_error)?;
        records
            .into_iter()
            .map(|record| {
                let pending = store
                    .invoice_pending(record.id)
                    .map_err(super::store_error)?;
                InvoiceView::of(record, pending)
            })
            .collect()
    }

    /// Save the invoice, or its receipt, as a PDF in this device's documents folder (offline
    /// too: the clinic's name comes from the last sign-in).
    pub fn print_invoice(&self, args: &PrintInvoiceArgs) -> Result<PrintedDocument, IpcError> {
        self.working_user()?;
        let invoice = self.stored_invoice(args.invoice)?;
        let patient = self.patient(invoice.patient)?;
        self.print_sheet(args, &invoice, &patient)
    }

    /// The patient's own invoice or receipt (patient build), printed on their device.
    pub async fn print_my_invoice(
        &self,
        args: &PrintInvoiceArgs,
    ) -> Result<PrintedDocument, IpcError> {
        self.unlocked_user()?;
        let own = self.own_patient_id().await?;
        let invoice = self.stored_invoice(args.invoice)?;
        if invoice.patient != own {
            return Err(IpcError::from(DeskError::InvoiceNotHere));
        }
        let patient = self
            .with_store(|s| s.patient(own))?
            .ok_or_else(|| IpcError::from(DeskError::OwnRecordNotHere))?;
        self.print_sheet(args, &invoice, &patient)
    }

    fn stored_invoice(
        &self,
        id: uuid::Uuid,
    ) -> Result<clinic_core::billing::InvoiceRecord, IpcError> {
        self.with_store(|s| s.invoice(id))?
            .ok_or_else(|| IpcError::from(DeskError::InvoiceNotHere))
    }

    /// Render and save the sheet (offline too: the clinic's name comes from the last sign-in).
    fn print_sheet(
        &self,
        args: &PrintInvoiceArgs,
        invoice: &clinic_core::billing::InvoiceRecord,
        patient: &clinic_core::sync::PatientRecord,
    ) -> Result<PrintedDocument, IpcError> {
        let clinic = self
            .with_store(|s| s.clinic_header())?
            .ok_or_else(|| IpcError::from(DeskError::NoClinicBilling))?;
        let day = Utc::now().with_timezone(&self.clinic_zone()?).date_naive();
        let sheet = clinic_print::invoice::InvoiceSheet {
            clinic: &clinic,
            invoice,
            patient_name: &patient.demographics.full_name,
            patient_number: &patient.patient_number,
            date: day,
            receipt: args.receipt,
        };
        let pdf = clinic_print::invoice::render(&sheet, args.language).map_err(|e| {
            IpcError::from(DeskError::NotPrinted {
                detail: e.to_string(),
            })
        })?;
        let number: String = invoice
            .number
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let kind = if args.receipt { "receipt" } else { "invoice" };
        let language = match args.language {
            clinic_core::ipc::Language::English => "en",
            clinic_core::ipc::Language::Bangla => "bn",
        };
        self.save_document(&format!("{kind}-{number}-{language}.pdf"), &pdf)
    }
}

impl Desk {
    /// The patient's own bills (patient build), as this device holds them: they arrive by sync.
    pub async fn my_invoices(&self) -> Result<Vec<InvoiceView>, IpcError> {
        self.unlocked_user()?;
        let own = self.own_patient_id().await?;
        let store = self.locked_store()?;
        let records = store.invoices_of(own).map_err(super::store_error)?;
        records
            .into_iter()
            .map(|record| InvoiceView::of(record, false))
            .collect()
    }

    /// Start paying a bill online: the provider's page, which the app opens in the browser. Only
    /// an `https://` page is ever handed to the browser.
    pub async fn pay_online(
        &self,
        invoice: uuid::Uuid,
    ) -> Result<clinic_core::billing::online::CheckoutStarted, IpcError> {
        self.unlocked_user()?;
        let started = self
            .authed(|c, t| async move { c.checkout(&t, invoice).await })
            .await?;
        if !started.gateway_url.starts_with("https://") {
            return Err(IpcError::from(DeskError::Internal {
                detail: "the payment page the server named is not an https:// address".into(),
            }));
        }
        Ok(started)
    }
}

impl Desk {
    /// Changes to the books made here that the server refused, newest first, with the patient
    /// and the bill they were for (dismissed like any refused change).
    pub fn refused_bills(&self) -> Result<Vec<clinic_core::ipc::RefusedBill>, IpcError> {
        self.working_user()?;
        let store = self.locked_store()?;
        let refused = store.rejected_commands().map_err(super::store_error)?;
        let mut out = Vec::new();
        for r in refused {
            let clinic_core::sync::Command::Bill { change } = r.envelope.command else {
                continue;
            };
            let stored = store
                .invoice(change.invoice())
                .map_err(super::store_error)?;
            let (patient, number) = match (&change, &stored) {
                (_, Some(invoice)) => (Some(invoice.patient), Some(invoice.number.clone())),
                (
                    BillingCommand::SaveInvoice {
                        patient, number, ..
                    },
                    None,
                ) => (Some(*patient), Some(number.clone())),
                _ => (None, None),
            };
            out.push(clinic_core::ipc::RefusedBill {
                command: r.envelope.id,
                patient,
                invoice_number: number,
                change,
                rejection: r.rejection,
                rejected_at: r.rejected_at,
            });
        }
        Ok(out)
    }
}

impl Desk {
    /// The clinic's takings (admins; from the server).
    pub async fn takings(
        &self,
        args: &clinic_core::ipc::TakingsArgs,
    ) -> Result<clinic_core::billing::takings::Takings, IpcError> {
        self.unlocked_user()?;
        let (from, to) = (args.from, args.to);
        self.authed(|c, t| async move { c.takings(&t, from, to).await })
            .await
    }
}

impl Desk {
    /// What the clinic bills in, as the server said at the last sign-in here.
    pub fn clinic_currency(&self) -> Result<clinic_core::money::Currency, IpcError> {
        self.unlocked_user()?;
        self.with_store(|s| s.clinic_currency())?
            .ok_or_else(|| IpcError::from(DeskError::NoClinicBilling))
    }
}
