//! The only module that calls Tauri. Each function is one desk command, typed by clinic-core.

use clinic_core::account::{DemographicsForm, SignUpForm, StaffAccountForm};
use clinic_core::ipc::{
    CommandArgs, ConnectionStatus, DuplicateCandidate, IpcError, Language, PatientArgs,
    RejectedChange, SearchPatientsArgs, SignInArgs, Startup, Theme, UnlockArgs, UpdatePatientArgs,
};
use clinic_core::registry::PatientSummary;
use clinic_core::sync::PatientRecord;
use clinic_core::wire::{AccountView, DoctorView, ErrorCode, Me, PatientProfileView};
use clinic_core::{CommandId, PatientId};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
    /// The same, with a raw body (a file's bytes) and request headers.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn invoke_with_options(
        cmd: &str,
        payload: JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue>;
}

#[derive(Serialize)]
struct Args<'a, A: Serialize> {
    args: &'a A,
}

async fn call<A: Serialize, R: DeserializeOwned>(
    command: &str,
    args: Option<&A>,
) -> Result<R, IpcError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let js_args = match args {
        Some(args) => Args { args }.serialize(&serializer),
        None => Ok(js_sys_object()),
    }
    .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
    answer(invoke(command, js_args).await)
}

/// A command's answer, or its error as the desk sent it.
fn answer<R: DeserializeOwned>(result: Result<JsValue, JsValue>) -> Result<R, IpcError> {
    match result {
        Ok(value) => serde_wasm_bindgen::from_value(value)
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string())),
        Err(error) => Err(serde_wasm_bindgen::from_value::<IpcError>(error.clone())
            .unwrap_or_else(|_| {
                IpcError::new(
                    ErrorCode::Internal,
                    error.as_string().unwrap_or_else(|| format!("{error:?}")),
                )
            })),
    }
}

fn js_sys_object() -> JsValue {
    js_sys::Object::new().into()
}

async fn call0<R: DeserializeOwned>(command: &str) -> Result<R, IpcError> {
    call::<(), R>(command, None).await
}

pub async fn startup() -> Result<Startup, IpcError> {
    call0("startup").await
}

pub async fn sign_in(email: String, password: String) -> Result<AccountView, IpcError> {
    call("sign_in", Some(&SignInArgs { email, password })).await
}

pub async fn sign_up(form: SignUpForm) -> Result<AccountView, IpcError> {
    call("sign_up", Some(&form)).await
}

pub async fn lock() -> Result<(), IpcError> {
    call0("lock").await
}

pub async fn unlock(password: String) -> Result<(), IpcError> {
    call("unlock", Some(&UnlockArgs { password })).await
}

pub async fn sign_out() -> Result<(), IpcError> {
    call0("sign_out").await
}

pub async fn connection_status() -> Result<ConnectionStatus, IpcError> {
    call0("connection_status").await
}

pub async fn set_language(language: Language) -> Result<(), IpcError> {
    call("set_language", Some(&language)).await
}

pub async fn set_theme(theme: Theme) -> Result<(), IpcError> {
    call("set_theme", Some(&theme)).await
}

pub async fn me() -> Result<Me, IpcError> {
    call0("me").await
}

pub async fn update_my_profile(form: DemographicsForm) -> Result<PatientProfileView, IpcError> {
    call("update_my_profile", Some(&form)).await
}

pub async fn accounts() -> Result<Vec<AccountView>, IpcError> {
    call0("accounts").await
}

pub async fn create_staff_account(form: StaffAccountForm) -> Result<AccountView, IpcError> {
    call("create_staff_account", Some(&form)).await
}

pub async fn doctors() -> Result<Vec<DoctorView>, IpcError> {
    call0("doctors").await
}

pub async fn register_patient(form: DemographicsForm) -> Result<PatientRecord, IpcError> {
    call("register_patient", Some(&form)).await
}

pub async fn update_patient(
    patient: PatientId,
    form: DemographicsForm,
) -> Result<PatientRecord, IpcError> {
    call("update_patient", Some(&UpdatePatientArgs { patient, form })).await
}

pub async fn patient(patient: PatientId) -> Result<PatientRecord, IpcError> {
    call("patient", Some(&PatientArgs { patient })).await
}

pub async fn search_patients(query: String) -> Result<Vec<PatientSummary>, IpcError> {
    call("search_patients", Some(&SearchPatientsArgs { query })).await
}

#[derive(Serialize)]
struct DuplicateArgs {
    patient: Option<PatientId>,
    form: DemographicsForm,
}

pub async fn possible_duplicates(
    patient: Option<PatientId>,
    form: DemographicsForm,
) -> Result<Vec<DuplicateCandidate>, IpcError> {
    call(
        "possible_duplicates",
        Some(&DuplicateArgs { patient, form }),
    )
    .await
}

pub async fn rejected_changes() -> Result<Vec<RejectedChange>, IpcError> {
    call0("rejected_changes").await
}

pub async fn dismiss_rejected(command: CommandId) -> Result<(), IpcError> {
    call("dismiss_rejected", Some(&CommandArgs { command })).await
}

pub async fn clinic_doctors() -> Result<Vec<clinic_core::doctor::DoctorRecord>, IpcError> {
    call0("clinic_doctors").await
}

pub async fn free_slots(
    args: clinic_core::ipc::FreeSlotsArgs,
) -> Result<Vec<clinic_core::availability::Slot>, IpcError> {
    call("free_slots", Some(&args)).await
}

pub async fn book_appointment(
    args: clinic_core::ipc::BookArgs,
) -> Result<clinic_core::ipc::AppointmentView, IpcError> {
    call("book_appointment", Some(&args)).await
}

pub async fn step_appointment(
    args: clinic_core::ipc::StepArgs,
) -> Result<clinic_core::ipc::AppointmentView, IpcError> {
    call("step_appointment", Some(&args)).await
}

pub async fn appointment_day(
    args: clinic_core::ipc::DayArgs,
) -> Result<clinic_core::ipc::ScheduleDay, IpcError> {
    call("appointment_day", Some(&args)).await
}

pub async fn booking_conflicts() -> Result<Vec<clinic_core::ipc::BookingConflict>, IpcError> {
    call0("booking_conflicts").await
}

pub async fn my_doctor_profile() -> Result<Option<clinic_core::doctor::DoctorRecord>, IpcError> {
    call0("my_doctor_profile").await
}

pub async fn save_doctor_profile(
    form: clinic_core::ipc::DoctorProfileForm,
) -> Result<clinic_core::doctor::DoctorRecord, IpcError> {
    call("save_doctor_profile", Some(&form)).await
}

/// A file picked in a form, as bytes (read in the page; nothing is written anywhere).
pub async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, IpcError> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| IpcError::new(ErrorCode::BadRequest, "The file could not be read."))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Upload a file for the signed-in doctor: the bytes travel as the request body.
pub async fn upload_doctor_document(
    purpose: clinic_core::doctor::DocumentPurpose,
    content: &[u8],
) -> Result<clinic_core::doctor::DoctorDocument, IpcError> {
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&headers, &"purpose".into(), &purpose.as_str().into());
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"headers".into(), &headers);
    let payload = js_sys::Uint8Array::from(content);
    answer(invoke_with_options("upload_doctor_document", payload.into(), options.into()).await)
}

/// Send a file in an appointment's conversation: the bytes travel as the request body.
pub async fn send_attachment(
    appointment: clinic_core::AppointmentId,
    content: &[u8],
) -> Result<clinic_core::ipc::Conversation, IpcError> {
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &headers,
        &"appointment".into(),
        &appointment.to_string().into(),
    );
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"headers".into(), &headers);
    let payload = js_sys::Uint8Array::from(content);
    answer(invoke_with_options("send_attachment", payload.into(), options.into()).await)
}

pub async fn open_attachment(
    args: clinic_core::ipc::AttachmentArgs,
) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
    call("open_attachment", Some(&args)).await
}

pub async fn doctor_files(
    args: clinic_core::ipc::DoctorArgs,
) -> Result<clinic_core::ipc::DoctorFiles, IpcError> {
    call("doctor_files", Some(&args)).await
}

pub async fn open_doctor_document(
    args: clinic_core::ipc::DoctorDocumentArgs,
) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
    call("open_doctor_document", Some(&args)).await
}

pub async fn consultation_note(
    args: clinic_core::ipc::AppointmentArgs,
) -> Result<clinic_core::ipc::NoteView, IpcError> {
    call("consultation_note", Some(&args)).await
}

pub async fn save_note(
    args: clinic_core::ipc::SaveNoteArgs,
) -> Result<clinic_core::ipc::NoteView, IpcError> {
    call("save_note", Some(&args)).await
}

pub async fn patient_history(
    patient: PatientId,
) -> Result<Vec<clinic_core::ipc::ConsultationSummary>, IpcError> {
    call("patient_history", Some(&PatientArgs { patient })).await
}

pub async fn my_consultations() -> Result<Vec<clinic_core::ipc::ConsultationSummary>, IpcError> {
    call0("my_consultations").await
}

pub async fn conversation(
    args: clinic_core::ipc::AppointmentArgs,
) -> Result<clinic_core::ipc::Conversation, IpcError> {
    call("conversation", Some(&args)).await
}

pub async fn unread_messages() -> Result<Vec<(clinic_core::AppointmentId, usize)>, IpcError> {
    call0("unread_messages").await
}

pub async fn send_message(
    args: clinic_core::ipc::SendMessageArgs,
) -> Result<clinic_core::ipc::Conversation, IpcError> {
    call("send_message", Some(&args)).await
}

pub async fn record_consent(
    args: clinic_core::ipc::RecordConsentArgs,
) -> Result<clinic_core::consent::ConsentRecord, IpcError> {
    call("record_consent", Some(&args)).await
}

pub async fn join_call(
    args: clinic_core::ipc::JoinCallArgs,
) -> Result<clinic_core::ipc::CallOpened, IpcError> {
    call("join_call", Some(&args)).await
}

pub async fn call_status(
    args: clinic_core::ipc::AppointmentArgs,
) -> Result<clinic_core::ipc::CallStatus, IpcError> {
    call("call_status", Some(&args)).await
}

pub async fn rebook(
    args: clinic_core::ipc::RebookArgs,
) -> Result<clinic_core::ipc::AppointmentView, IpcError> {
    call("rebook", Some(&args)).await
}

pub async fn reschedule_appointment(
    args: clinic_core::ipc::RescheduleArgs,
) -> Result<clinic_core::ipc::AppointmentView, IpcError> {
    call("reschedule_appointment", Some(&args)).await
}

pub async fn print_day_list(
    args: clinic_core::ipc::PrintDayListArgs,
) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
    call("print_day_list", Some(&args)).await
}

pub async fn find_doctors(
    args: clinic_core::ipc::FindDoctorsArgs,
) -> Result<clinic_core::doctor::DirectoryPage, IpcError> {
    call("find_doctors", Some(&args)).await
}

pub async fn doctor_slots(
    args: clinic_core::ipc::DoctorSlotsArgs,
) -> Result<Vec<clinic_core::availability::Slot>, IpcError> {
    call("doctor_slots", Some(&args)).await
}

pub async fn request_appointment(
    args: clinic_core::ipc::RequestAppointmentArgs,
) -> Result<clinic_core::ipc::MyAppointments, IpcError> {
    call("request_appointment", Some(&args)).await
}

pub async fn my_appointments() -> Result<clinic_core::ipc::MyAppointments, IpcError> {
    call0("my_appointments").await
}

pub async fn cancel_my_appointment(
    args: clinic_core::ipc::AppointmentArgs,
) -> Result<clinic_core::ipc::MyAppointments, IpcError> {
    call("cancel_my_appointment", Some(&args)).await
}

pub async fn export_calendar(
    args: clinic_core::ipc::ExportCalendarArgs,
) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
    call("export_calendar", Some(&args)).await
}

pub async fn verify_doctor(
    args: clinic_core::ipc::VerifyDoctorArgs,
) -> Result<Vec<clinic_core::doctor::DoctorRecord>, IpcError> {
    call("verify_doctor", Some(&args)).await
}

pub async fn book_series(
    args: clinic_core::ipc::BookSeriesArgs,
) -> Result<clinic_core::ipc::SeriesBooked, IpcError> {
    call("book_series", Some(&args)).await
}

pub async fn appointment_week(
    args: clinic_core::ipc::WeekArgs,
) -> Result<clinic_core::ipc::ScheduleWeek, IpcError> {
    call("appointment_week", Some(&args)).await
}

pub async fn search_doctors(
    args: clinic_core::doctor::DirectoryQuery,
) -> Result<clinic_core::doctor::DirectoryPage, IpcError> {
    call("search_doctors", Some(&args)).await
}

pub async fn prescription(
    args: clinic_core::ipc::AppointmentArgs,
) -> Result<clinic_core::prescription::PrescriptionView, IpcError> {
    call("prescription", Some(&args)).await
}

pub async fn save_prescription(
    args: clinic_core::ipc::SavePrescriptionArgs,
) -> Result<clinic_core::prescription::PrescriptionView, IpcError> {
    call("save_prescription", Some(&args)).await
}

pub async fn issue_prescription(
    args: clinic_core::ipc::IssuePrescriptionArgs,
) -> Result<clinic_core::prescription::PrescriptionView, IpcError> {
    call("issue_prescription", Some(&args)).await
}

pub async fn print_prescription(
    args: clinic_core::ipc::PrintPrescriptionArgs,
) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
    call("print_prescription", Some(&args)).await
}

pub async fn clinical_summary(
    args: clinic_core::ipc::ClinicalSummaryArgs,
) -> Result<clinic_core::chart::ClinicalSummary, IpcError> {
    call("clinical_summary", Some(&args)).await
}

pub async fn my_prescriptions(
) -> Result<Vec<clinic_core::prescription::PrescriptionSheet>, IpcError> {
    call::<(), _>("my_prescriptions", None).await
}

pub async fn patient_chart(
    args: clinic_core::ipc::ChartArgs,
) -> Result<clinic_core::chart::ChartView, IpcError> {
    call("patient_chart", Some(&args)).await
}

pub async fn my_chart() -> Result<clinic_core::chart::ChartView, IpcError> {
    call::<(), _>("my_chart", None).await
}

pub async fn open_patient_document(
    args: clinic_core::ipc::DocumentArgs,
) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
    call("open_patient_document", Some(&args)).await
}

/// Upload a report or document: the bytes travel as the request body; the title as hex UTF-8.
pub async fn upload_patient_document(
    patient: clinic_core::PatientId,
    category: clinic_core::chart::DocumentCategory,
    title: &str,
    content: &[u8],
) -> Result<clinic_core::chart::PatientDocument, IpcError> {
    let headers = js_sys::Object::new();
    let title_hex: String = title.bytes().map(|b| format!("{b:02x}")).collect();
    for (name, value) in [
        ("patient", patient.to_string()),
        ("category", category.as_str().to_owned()),
        ("title", title_hex),
    ] {
        let _ = js_sys::Reflect::set(&headers, &name.into(), &value.into());
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"headers".into(), &headers);
    let payload = js_sys::Uint8Array::from(content);
    answer(invoke_with_options("upload_patient_document", payload.into(), options.into()).await)
}

pub async fn audit_log(
    args: clinic_core::ipc::AuditQuery,
) -> Result<clinic_core::wire::AuditPage, IpcError> {
    call("audit_log", Some(&args)).await
}

pub async fn export_record(
    args: clinic_core::ipc::ExportArgs,
) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
    call("export_record", Some(&args)).await
}

pub async fn bill_patient(
    args: clinic_core::ipc::BillPatientArgs,
) -> Result<clinic_core::ipc::InvoiceView, IpcError> {
    call("bill_patient", Some(&args)).await
}

pub async fn take_payment(
    args: clinic_core::ipc::TakePaymentArgs,
) -> Result<clinic_core::ipc::InvoiceView, IpcError> {
    call("take_payment", Some(&args)).await
}

pub async fn patient_invoices(
    patient: PatientId,
) -> Result<Vec<clinic_core::ipc::InvoiceView>, IpcError> {
    call("patient_invoices", Some(&PatientArgs { patient })).await
}

pub async fn print_invoice(
    args: clinic_core::ipc::PrintInvoiceArgs,
) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
    call("print_invoice", Some(&args)).await
}

pub async fn my_invoices() -> Result<Vec<clinic_core::ipc::InvoiceView>, IpcError> {
    call::<(), _>("my_invoices", None).await
}

pub async fn pay_online(
    invoice: uuid::Uuid,
) -> Result<clinic_core::billing::online::CheckoutStarted, IpcError> {
    call(
        "pay_online",
        Some(&clinic_core::ipc::PayOnlineArgs { invoice }),
    )
    .await
}

pub async fn refused_bills() -> Result<Vec<clinic_core::ipc::RefusedBill>, IpcError> {
    call::<(), _>("refused_bills", None).await
}

pub async fn refund_payment(
    args: clinic_core::ipc::RefundPaymentArgs,
) -> Result<clinic_core::ipc::InvoiceView, IpcError> {
    call("refund_payment", Some(&args)).await
}

pub async fn void_invoice(
    args: clinic_core::ipc::VoidInvoiceArgs,
) -> Result<clinic_core::ipc::InvoiceView, IpcError> {
    call("void_invoice", Some(&args)).await
}

pub async fn takings(
    args: clinic_core::ipc::TakingsArgs,
) -> Result<clinic_core::billing::takings::Takings, IpcError> {
    call("takings", Some(&args)).await
}

pub async fn clinic_currency() -> Result<clinic_core::money::Currency, IpcError> {
    call::<(), _>("clinic_currency", None).await
}

pub async fn print_my_invoice(
    args: clinic_core::ipc::PrintInvoiceArgs,
) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
    call("print_my_invoice", Some(&args)).await
}
