//! The Tauri commands: each parses its arguments, calls [`Desk`], and maps errors to `IpcError`.

use clinic_core::account::{DemographicsForm, SignUpForm, StaffAccountForm};
use clinic_core::ipc::{
    AppointmentView, BookArgs, BookingConflict, DayArgs, FreeSlotsArgs, RebookArgs, RescheduleArgs,
    ScheduleDay, StepArgs,
};
use clinic_core::ipc::{
    CommandArgs, ConnectionStatus, DuplicateCandidate, IpcError, Language, PatientArgs,
    RejectedChange, SearchPatientsArgs, SignInArgs, Startup, Theme, UnlockArgs, UpdatePatientArgs,
};
use clinic_core::registry::PatientSummary;
use clinic_core::sync::PatientRecord;
use clinic_core::wire::{AccountView, DoctorView, ErrorCode, Me, PatientProfileView};
use tauri::State;

use crate::desk::Desk;

type Answer<T> = Result<T, IpcError>;

#[tauri::command]
pub fn startup(desk: State<'_, Desk>) -> Startup {
    desk.startup()
}

#[tauri::command]
pub async fn sign_in(desk: State<'_, Desk>, args: SignInArgs) -> Answer<AccountView> {
    desk.sign_in(&args.email, &args.password).await
}

#[tauri::command]
pub async fn sign_up(desk: State<'_, Desk>, args: SignUpForm) -> Answer<AccountView> {
    desk.sign_up(&args).await
}

#[tauri::command]
pub fn lock(desk: State<'_, Desk>) -> Answer<()> {
    desk.lock()
}

#[tauri::command]
pub async fn unlock(desk: State<'_, Desk>, args: UnlockArgs) -> Answer<()> {
    desk.unlock(&args.password).await
}

#[tauri::command]
pub async fn sign_out(desk: State<'_, Desk>) -> Answer<()> {
    desk.sign_out().await
}

#[tauri::command]
pub async fn connection_status(desk: State<'_, Desk>) -> Answer<ConnectionStatus> {
    Ok(desk.connection_status().await)
}

#[tauri::command]
pub fn set_language(desk: State<'_, Desk>, args: Language) -> Answer<()> {
    desk.set_language(args)
}

#[tauri::command]
pub fn set_theme(desk: State<'_, Desk>, args: Theme) -> Answer<()> {
    desk.set_theme(args)
}

#[tauri::command]
pub async fn me(desk: State<'_, Desk>) -> Answer<Me> {
    desk.me().await
}

#[tauri::command]
pub async fn update_my_profile(
    desk: State<'_, Desk>,
    args: DemographicsForm,
) -> Answer<PatientProfileView> {
    desk.update_my_profile(&args).await
}

#[tauri::command]
pub async fn accounts(desk: State<'_, Desk>) -> Answer<Vec<AccountView>> {
    desk.accounts().await
}

#[tauri::command]
pub async fn create_staff_account(
    desk: State<'_, Desk>,
    args: StaffAccountForm,
) -> Answer<AccountView> {
    desk.create_staff_account(&args).await
}

#[tauri::command]
pub async fn doctors(desk: State<'_, Desk>) -> Answer<Vec<DoctorView>> {
    desk.doctors().await
}

#[tauri::command]
pub fn register_patient(desk: State<'_, Desk>, args: DemographicsForm) -> Answer<PatientRecord> {
    desk.register_patient(&args)
}

#[tauri::command]
pub fn update_patient(desk: State<'_, Desk>, args: UpdatePatientArgs) -> Answer<PatientRecord> {
    desk.update_patient(args.patient, &args.form)
}

#[tauri::command]
pub fn patient(desk: State<'_, Desk>, args: PatientArgs) -> Answer<PatientRecord> {
    desk.patient(args.patient)
}

#[tauri::command]
pub fn search_patients(
    desk: State<'_, Desk>,
    args: SearchPatientsArgs,
) -> Answer<Vec<PatientSummary>> {
    desk.search_patients(&args.query)
}

#[tauri::command]
pub fn possible_duplicates(
    desk: State<'_, Desk>,
    args: UpdatePatientArgsOrNew,
) -> Answer<Vec<DuplicateCandidate>> {
    desk.possible_duplicates(&args.form, args.patient)
}

/// A form, and the patient it edits (none for a new registration).
#[derive(serde::Deserialize)]
pub struct UpdatePatientArgsOrNew {
    pub patient: Option<clinic_core::PatientId>,
    pub form: DemographicsForm,
}

#[tauri::command]
pub fn rejected_changes(desk: State<'_, Desk>) -> Answer<Vec<RejectedChange>> {
    desk.rejected_changes()
}

#[tauri::command]
pub fn dismiss_rejected(desk: State<'_, Desk>, args: CommandArgs) -> Answer<()> {
    desk.dismiss_rejected(args.command)
}

#[tauri::command]
pub async fn sync_now(desk: State<'_, Desk>) -> Answer<()> {
    desk.sync_now().await.map(|_| ())
}

#[tauri::command]
pub fn clinic_doctors(desk: State<'_, Desk>) -> Answer<Vec<clinic_core::doctor::DoctorRecord>> {
    desk.clinic_doctors()
}

#[tauri::command]
pub fn free_slots(
    desk: State<'_, Desk>,
    args: FreeSlotsArgs,
) -> Answer<Vec<clinic_core::availability::Slot>> {
    desk.free_slots(&args)
}

#[tauri::command]
pub fn book_appointment(desk: State<'_, Desk>, args: BookArgs) -> Answer<AppointmentView> {
    desk.book_appointment(&args)
}

#[tauri::command]
pub fn step_appointment(desk: State<'_, Desk>, args: StepArgs) -> Answer<AppointmentView> {
    desk.step_appointment(&args)
}

#[tauri::command]
pub fn appointment_day(desk: State<'_, Desk>, args: DayArgs) -> Answer<ScheduleDay> {
    desk.appointment_day(&args)
}

#[tauri::command]
pub fn booking_conflicts(desk: State<'_, Desk>) -> Answer<Vec<BookingConflict>> {
    desk.booking_conflicts()
}

#[tauri::command]
pub fn rebook(desk: State<'_, Desk>, args: RebookArgs) -> Answer<AppointmentView> {
    desk.rebook(&args)
}

#[tauri::command]
pub fn my_doctor_profile(
    desk: State<'_, Desk>,
) -> Answer<Option<clinic_core::doctor::DoctorRecord>> {
    desk.my_doctor_profile()
}

#[tauri::command]
pub async fn save_doctor_profile(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::DoctorProfileForm,
) -> Answer<clinic_core::doctor::DoctorRecord> {
    desk.save_doctor_profile(&args).await
}

/// Open an appointment's video call in its own window (or the system's browser).
#[tauri::command]
pub async fn join_call(
    app: tauri::AppHandle,
    desk: State<'_, Desk>,
    args: clinic_core::ipc::JoinCallArgs,
) -> Answer<clinic_core::ipc::CallOpened> {
    let (access, server) = desk
        .call_access(args.appointment, !args.in_browser, args.allow_media)
        .await?;
    let opened_in = if args.in_browser {
        crate::call_window::open_in_browser(&access, &server)?;
        "browser"
    } else {
        crate::call_window::open(
            &app,
            args.appointment,
            &access,
            &server,
            "Video consultation · Clinic Desk",
        )?;
        "window"
    };
    Ok(clinic_core::ipc::CallOpened {
        opened_in: opened_in.to_owned(),
        open_until: access.open_until,
    })
}

#[tauri::command]
pub fn conversation(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::AppointmentArgs,
) -> Answer<clinic_core::ipc::Conversation> {
    desk.conversation(args.appointment)
}

#[tauri::command]
pub fn send_message(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::SendMessageArgs,
) -> Answer<clinic_core::ipc::Conversation> {
    desk.send_message(&args)
}

#[tauri::command]
pub fn unread_messages(desk: State<'_, Desk>) -> Answer<Vec<(clinic_core::AppointmentId, usize)>> {
    desk.unread_messages()
}

#[tauri::command]
pub async fn consultation_note(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::AppointmentArgs,
) -> Answer<clinic_core::ipc::NoteView> {
    desk.consultation_note(args.appointment).await
}

#[tauri::command]
pub async fn save_note(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::SaveNoteArgs,
) -> Answer<clinic_core::ipc::NoteView> {
    desk.save_note(&args).await
}

#[tauri::command]
pub async fn patient_history(
    desk: State<'_, Desk>,
    args: PatientArgs,
) -> Answer<Vec<clinic_core::ipc::ConsultationSummary>> {
    desk.patient_history(args.patient).await
}

#[tauri::command]
pub async fn my_consultations(
    desk: State<'_, Desk>,
) -> Answer<Vec<clinic_core::ipc::ConsultationSummary>> {
    desk.my_consultations().await
}

#[tauri::command]
pub async fn record_consent(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::RecordConsentArgs,
) -> Answer<clinic_core::consent::ConsentRecord> {
    desk.record_consent(&args).await
}

#[tauri::command]
pub fn call_status(
    calls: State<'_, crate::call_window::Calls>,
    args: clinic_core::ipc::AppointmentArgs,
) -> Answer<clinic_core::ipc::CallStatus> {
    Ok(clinic_core::ipc::CallStatus {
        without_video: calls.without_video(args.appointment),
    })
}

/// The file is the request's raw body (no JSON on the way); what it is for, a header.
#[tauri::command]
pub async fn upload_doctor_document(
    desk: State<'_, Desk>,
    request: tauri::ipc::Request<'_>,
) -> Answer<clinic_core::doctor::DoctorDocument> {
    let purpose = request
        .headers()
        .get("purpose")
        .and_then(|v| v.to_str().ok())
        .and_then(|p| serde_json::from_value(serde_json::Value::String(p.to_owned())).ok())
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::BadRequest,
                "Say what the file is for: a credential or a photo.",
            )
        })?;
    let tauri::ipc::InvokeBody::Raw(content) = request.body() else {
        return Err(IpcError::new(
            ErrorCode::BadRequest,
            "The file did not arrive as a file.",
        ));
    };
    let content = content.clone();
    desk.upload_doctor_document(purpose, content).await
}

/// A file sent in a conversation: the raw body is the file, the `appointment` header says
/// which conversation.
#[tauri::command]
pub async fn send_attachment(
    desk: State<'_, Desk>,
    request: tauri::ipc::Request<'_>,
) -> Answer<clinic_core::ipc::Conversation> {
    let appointment = request
        .headers()
        .get("appointment")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::BadRequest,
                "Say which appointment's conversation the file is for.",
            )
        })?;
    let tauri::ipc::InvokeBody::Raw(content) = request.body() else {
        return Err(IpcError::new(
            ErrorCode::BadRequest,
            "The file did not arrive as a file.",
        ));
    };
    let content = content.clone();
    desk.send_attachment(appointment, content).await
}

#[tauri::command]
pub async fn open_attachment(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::AttachmentArgs,
) -> Answer<clinic_core::ipc::PrintedDocument> {
    desk.open_attachment(args.attachment).await
}

#[tauri::command]
pub async fn doctor_files(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::DoctorArgs,
) -> Answer<clinic_core::ipc::DoctorFiles> {
    desk.doctor_files(&args).await
}

#[tauri::command]
pub async fn open_doctor_document(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::DoctorDocumentArgs,
) -> Answer<clinic_core::ipc::PrintedDocument> {
    desk.open_doctor_document(&args).await
}

#[tauri::command]
pub fn reschedule_appointment(
    desk: State<'_, Desk>,
    args: RescheduleArgs,
) -> Answer<AppointmentView> {
    desk.reschedule_appointment(&args)
}

#[tauri::command]
pub fn print_day_list(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::PrintDayListArgs,
) -> Answer<clinic_core::ipc::PrintedDocument> {
    desk.print_day_list(&args)
}

#[tauri::command]
pub async fn find_doctors(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::FindDoctorsArgs,
) -> Answer<clinic_core::doctor::DirectoryPage> {
    desk.find_doctors(&args).await
}

#[tauri::command]
pub async fn doctor_slots(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::DoctorSlotsArgs,
) -> Answer<Vec<clinic_core::availability::Slot>> {
    desk.doctor_slots(&args).await
}

#[tauri::command]
pub async fn request_appointment(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::RequestAppointmentArgs,
) -> Answer<clinic_core::ipc::MyAppointments> {
    desk.request_appointment(&args).await
}

#[tauri::command]
pub async fn my_appointments(desk: State<'_, Desk>) -> Answer<clinic_core::ipc::MyAppointments> {
    desk.my_appointments().await
}

#[tauri::command]
pub async fn cancel_my_appointment(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::AppointmentArgs,
) -> Answer<clinic_core::ipc::MyAppointments> {
    desk.cancel_my_appointment(&args).await
}

#[tauri::command]
pub fn export_calendar(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::ExportCalendarArgs,
) -> Answer<clinic_core::ipc::PrintedDocument> {
    desk.export_calendar(&args)
}

#[tauri::command]
pub async fn verify_doctor(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::VerifyDoctorArgs,
) -> Answer<Vec<clinic_core::doctor::DoctorRecord>> {
    desk.verify_doctor(&args).await
}

#[tauri::command]
pub fn book_series(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::BookSeriesArgs,
) -> Answer<clinic_core::ipc::SeriesBooked> {
    desk.book_series(&args)
}

#[tauri::command]
pub fn appointment_week(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::WeekArgs,
) -> Answer<clinic_core::ipc::ScheduleWeek> {
    desk.appointment_week(&args)
}

#[tauri::command]
pub fn search_doctors(
    desk: State<'_, Desk>,
    args: clinic_core::doctor::DirectoryQuery,
) -> Answer<clinic_core::doctor::DirectoryPage> {
    desk.search_doctors(&args)
}

#[tauri::command]
pub async fn prescription(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::AppointmentArgs,
) -> Answer<clinic_core::prescription::PrescriptionView> {
    desk.prescription(args.appointment).await
}

#[tauri::command]
pub async fn save_prescription(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::SavePrescriptionArgs,
) -> Answer<clinic_core::prescription::PrescriptionView> {
    desk.save_prescription(&args).await
}

#[tauri::command]
pub async fn issue_prescription(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::IssuePrescriptionArgs,
) -> Answer<clinic_core::prescription::PrescriptionView> {
    desk.issue_prescription(&args).await
}

#[tauri::command]
pub async fn print_prescription(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::PrintPrescriptionArgs,
) -> Answer<clinic_core::ipc::PrintedDocument> {
    desk.print_prescription(&args).await
}

#[tauri::command]
pub async fn clinical_summary(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::ClinicalSummaryArgs,
) -> Answer<clinic_core::chart::ClinicalSummary> {
    desk.clinical_summary(&args).await
}

#[tauri::command]
pub async fn my_prescriptions(
    desk: State<'_, Desk>,
) -> Answer<Vec<clinic_core::prescription::PrescriptionSheet>> {
    desk.my_prescriptions().await
}

#[tauri::command]
pub async fn patient_chart(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::ChartArgs,
) -> Answer<clinic_core::chart::ChartView> {
    desk.patient_chart(args.patient, args.break_glass).await
}

/// A report or document for a patient's record: the raw body is the file; headers say whose
/// (`patient`), what it is (`category`) and its title (`title`, UTF-8 as hex: headers carry
/// ASCII only).
#[tauri::command]
pub async fn upload_patient_document(
    desk: State<'_, Desk>,
    request: tauri::ipc::Request<'_>,
) -> Answer<clinic_core::chart::PatientDocument> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let patient = header("patient")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| IpcError::new(ErrorCode::BadRequest, "Say whose record the file is for."))?;
    let category = header("category")
        .and_then(|c| serde_json::from_value(serde_json::Value::String(c)).ok())
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::BadRequest,
                "Say what the file is: a report, a document or an image.",
            )
        })?;
    let title = header("title")
        .and_then(|t| hex::decode(t).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let tauri::ipc::InvokeBody::Raw(content) = request.body() else {
        return Err(IpcError::new(
            ErrorCode::BadRequest,
            "The file did not arrive as a file.",
        ));
    };
    let content = content.clone();
    desk.upload_patient_document(patient, title, category, content)
        .await
}

#[tauri::command]
pub async fn open_patient_document(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::DocumentArgs,
) -> Answer<clinic_core::ipc::PrintedDocument> {
    desk.open_patient_document(args.document).await
}

#[tauri::command]
pub async fn my_documents(
    desk: State<'_, Desk>,
) -> Answer<Vec<clinic_core::chart::PatientDocument>> {
    desk.my_documents().await
}

#[tauri::command]
pub async fn my_chart(desk: State<'_, Desk>) -> Answer<clinic_core::chart::ChartView> {
    desk.my_chart().await
}

#[tauri::command]
pub async fn audit_log(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::AuditQuery,
) -> Answer<clinic_core::wire::AuditPage> {
    desk.audit_log(args).await
}

#[tauri::command]
pub async fn export_record(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::ExportArgs,
) -> Answer<clinic_core::ipc::PrintedDocument> {
    desk.export_record(&args).await
}

#[tauri::command]
pub fn bill_patient(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::BillPatientArgs,
) -> Answer<clinic_core::ipc::InvoiceView> {
    desk.bill_patient(&args)
}

#[tauri::command]
pub fn take_payment(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::TakePaymentArgs,
) -> Answer<clinic_core::ipc::InvoiceView> {
    desk.take_payment(&args)
}

#[tauri::command]
pub fn refund_payment(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::RefundPaymentArgs,
) -> Answer<clinic_core::ipc::InvoiceView> {
    desk.refund_payment(&args)
}

#[tauri::command]
pub fn void_invoice(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::VoidInvoiceArgs,
) -> Answer<clinic_core::ipc::InvoiceView> {
    desk.void_invoice(&args)
}

#[tauri::command]
pub fn patient_invoices(
    desk: State<'_, Desk>,
    args: PatientArgs,
) -> Answer<Vec<clinic_core::ipc::InvoiceView>> {
    desk.patient_invoices(args.patient)
}

#[tauri::command]
pub fn print_invoice(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::PrintInvoiceArgs,
) -> Answer<clinic_core::ipc::PrintedDocument> {
    desk.print_invoice(&args)
}

#[tauri::command]
pub async fn my_invoices(desk: State<'_, Desk>) -> Answer<Vec<clinic_core::ipc::InvoiceView>> {
    desk.my_invoices().await
}

/// Start paying a bill online and open the provider's page in the system's browser (only an
/// `https://` page: the desk service refuses anything else).
#[tauri::command]
pub async fn pay_online(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::PayOnlineArgs,
) -> Answer<clinic_core::billing::online::CheckoutStarted> {
    let started = desk.pay_online(args.invoice).await?;
    open::that_detached(&started.gateway_url).map_err(|e| {
        IpcError::new(
            clinic_core::wire::ErrorCode::Internal,
            format!("The browser could not be started: {e}"),
        )
    })?;
    Ok(started)
}

#[tauri::command]
pub fn refused_bills(desk: State<'_, Desk>) -> Answer<Vec<clinic_core::ipc::RefusedBill>> {
    desk.refused_bills()
}

#[tauri::command]
pub async fn takings(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::TakingsArgs,
) -> Answer<clinic_core::billing::takings::Takings> {
    desk.takings(&args).await
}

#[tauri::command]
pub fn clinic_currency(desk: State<'_, Desk>) -> Answer<clinic_core::money::Currency> {
    desk.clinic_currency()
}

#[tauri::command]
pub async fn print_my_invoice(
    desk: State<'_, Desk>,
    args: clinic_core::ipc::PrintInvoiceArgs,
) -> Answer<clinic_core::ipc::PrintedDocument> {
    desk.print_my_invoice(&args).await
}
