//! Clinic Desk, the desktop app: the only crate that knows Tauri.
//!
//! Invariant: commands are thin — parse, call [`desk::Desk`], return `{code, message}`.
//! Invariant: each window may call only the commands its capability lists (capabilities/).

mod call_window;
mod commands;
pub use clinic_desk as desk;

use clinic_core::ipc::Edition;
use tauri::Manager;

/// The staff build: front desk, doctors and admins.
pub fn run_staff() {
    run(Edition::Staff, tauri::generate_context!());
}

/// The patient build: sign-up, and later bookings, calls and records of one patient.
pub fn run_patient() {
    run(
        Edition::Patient,
        tauri::generate_context!("patient/tauri.conf.json"),
    );
}

fn run(edition: Edition, context: tauri::Context<tauri::Wry>) {
    let launched_at = std::time::Instant::now();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLINIC_DESK_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let result = tauri::Builder::default()
        .setup(move |app| {
            let data_dir = match std::env::var_os("CLINIC_DESK_DATA") {
                Some(dir) => std::path::PathBuf::from(dir),
                None => app.path().app_data_dir()?,
            };
            let desk = desk::Desk::open(
                edition,
                &data_dir,
                desk::DeskConfig::from_env(),
                launched_at,
            );
            app.manage(desk);
            app.manage(call_window::Calls::default());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                handle.state::<desk::Desk>().run_sync_loop().await;
            });
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                handle.state::<desk::Desk>().run_event_listener().await;
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::startup,
            commands::clinic_doctors,
            commands::free_slots,
            commands::book_appointment,
            commands::step_appointment,
            commands::appointment_day,
            commands::booking_conflicts,
            commands::rebook,
            commands::join_call,
            commands::call_status,
            commands::record_consent,
            commands::conversation,
            commands::send_message,
            commands::unread_messages,
            commands::consultation_note,
            commands::save_note,
            commands::patient_history,
            commands::my_consultations,
            commands::upload_doctor_document,
            commands::send_attachment,
            commands::open_attachment,
            commands::prescription,
            commands::save_prescription,
            commands::issue_prescription,
            commands::print_prescription,
            commands::bill_patient,
            commands::take_payment,
            commands::refund_payment,
            commands::void_invoice,
            commands::patient_invoices,
            commands::print_invoice,
            commands::my_invoices,
            commands::refused_bills,
            commands::takings,
            commands::clinic_currency,
            commands::print_my_invoice,
            commands::pay_online,
            commands::clinical_summary,
            commands::my_prescriptions,
            commands::patient_chart,
            commands::upload_patient_document,
            commands::open_patient_document,
            commands::my_documents,
            commands::my_chart,
            commands::audit_log,
            commands::export_record,
            commands::doctor_files,
            commands::open_doctor_document,
            commands::my_doctor_profile,
            commands::save_doctor_profile,
            commands::reschedule_appointment,
            commands::print_day_list,
            commands::export_calendar,
            commands::verify_doctor,
            commands::book_series,
            commands::appointment_week,
            commands::search_doctors,
            commands::find_doctors,
            commands::doctor_slots,
            commands::request_appointment,
            commands::my_appointments,
            commands::cancel_my_appointment,
            commands::sign_in,
            commands::sign_up,
            commands::sign_out,
            commands::lock,
            commands::unlock,
            commands::connection_status,
            commands::set_language,
            commands::set_theme,
            commands::me,
            commands::update_my_profile,
            commands::accounts,
            commands::create_staff_account,
            commands::doctors,
            commands::register_patient,
            commands::update_patient,
            commands::patient,
            commands::search_patients,
            commands::possible_duplicates,
            commands::rejected_changes,
            commands::dismiss_rejected,
            commands::sync_now,
        ])
        .run(context);
    if let Err(e) = result {
        eprintln!("Clinic Desk could not start: {e}");
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            eprintln!("There is no display here (DISPLAY is not set). Run it on a desktop, or under Xvfb.");
        }
        std::process::exit(1);
    }
}
