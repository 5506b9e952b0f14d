//! Declares the app's commands so that each window gets only those its capability allows.
fn main() {
    println!("cargo:rerun-if-changed=patient/tauri.conf.json");
    println!("cargo:rerun-if-changed=capabilities");
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "startup",
            "sign_in",
            "sign_up",
            "sign_out",
            "lock",
            "unlock",
            "connection_status",
            "set_language",
            "set_theme",
            "me",
            "update_my_profile",
            "accounts",
            "create_staff_account",
            "doctors",
            "register_patient",
            "update_patient",
            "patient",
            "search_patients",
            "possible_duplicates",
            "rejected_changes",
            "dismiss_rejected",
            "sync_now",
        ]),
    ))
    .expect("tauri-build: check tauri.conf.json and capabilities/");
}
