//! Making accounts outside of sign-up: staff accounts by an admin, the first admin from the
//! command line, and the demo clinic.

use std::path::{Path, PathBuf};

use chrono::Utc;
use clinic_core::account::{FieldError, StaffAccountForm, ValidStaffAccount};
use clinic_core::demo;
use clinic_core::wire::AccountView;
use clinic_core::{Role, UserId};

use crate::error::ApiError;
use crate::password;
use crate::storage::{NewAccount, Storage};

pub async fn create_staff<S: Storage>(
    storage: &S,
    valid: ValidStaffAccount,
    doctor: Option<clinic_core::doctor::DoctorRecord>,
) -> Result<AccountView, ApiError> {
    let pw = valid.password.clone();
    let password_hash = password::off_runtime(move || password::hash_password(&pw))
        .await
        .map_err(ApiError::Internal)?
        .map_err(ApiError::Internal)?;
    let account = NewAccount {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        email: valid.email,
        display_name: valid.display_name,
        role: valid.role,
        password_hash,
        created_at_ms: Utc::now().timestamp_millis(),
    };
    storage
        .create_account(&account, None, doctor.as_ref())
        .await?;
    Ok(AccountView {
        id: account.id,
        email: account.email,
        display_name: account.display_name,
        role: account.role,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AdminCreateError {
    #[error("{}", .0.iter().map(FieldError::english).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Failed(String),
}

/// `clinic-sync admin create`: the clinic's first (or another) admin.
pub async fn create_admin<S: Storage>(
    storage: &S,
    email: &str,
    display_name: &str,
    password: &str,
) -> Result<AccountView, AdminCreateError> {
    let form = StaffAccountForm {
        email: email.to_owned(),
        display_name: display_name.to_owned(),
        role: Role::Admin.as_str().to_owned(),
        password: password.to_owned(),
    };
    let valid = form.validate().map_err(AdminCreateError::Invalid)?;
    create_staff(storage, valid, None)
        .await
        .map_err(|e| match e {
            ApiError::Validation(fields) => AdminCreateError::Invalid(fields),
            other => AdminCreateError::Failed(other.to_string()),
        })
}

/// One seeded person's sign-in, as written to the credentials file.
pub struct Credential {
    pub role: Role,
    pub name: String,
    pub email: String,
    pub password: String,
}

pub const DEMO_CREDENTIALS_FILE: &str = "demo-credentials.txt";

/// Seed the demo clinic when the database has no accounts yet. Returns the credentials (to print
/// once) and the file they were written to; `None` when the clinic already has accounts.
pub async fn seed_demo_clinic<S: Storage>(
    storage: &S,
    data_dir: &Path,
) -> anyhow::Result<Option<(Vec<Credential>, PathBuf)>> {
    if storage.count_accounts().await? > 0 {
        return Ok(None);
    }
    let mut people: Vec<(
        NewAccount,
        Option<clinic_core::account::PatientDemographics>,
        Option<clinic_core::doctor::DoctorRecord>,
        String,
    )> = Vec::new();
    let add = |email: &str, name: &str, role: Role| {
        let pw = password::generate_password();
        let account = NewAccount {
            id: UserId::from_uuid(uuid::Uuid::now_v7()),
            email: email.to_owned(),
            display_name: name.to_owned(),
            role,
            password_hash: String::new(),
            created_at_ms: Utc::now().timestamp_millis(),
        };
        (account, pw)
    };
    for s in &demo::STAFF {
        let (a, pw) = add(s.email, s.display_name, s.role);
        people.push((a, None, None, pw));
    }
    for d in &demo::DOCTORS {
        let (a, pw) = add(d.email, d.display_name, Role::Doctor);
        let record = d.record(a.id);
        people.push((a, None, Some(record), pw));
    }
    for p in demo::patients() {
        let (a, pw) = add(&p.email, &p.full_name, Role::Patient);
        let demographics = clinic_core::account::PatientDemographics {
            full_name: p.full_name.clone(),
            sex: Some(p.sex),
            date_of_birth: Some(p.date_of_birth),
            phone: Some(p.phone.clone()),
            email: Some(p.email.clone()),
            address: Some("Dhaka".to_owned()),
            emergency_contact: None,
        };
        people.push((a, Some(demographics), None, pw));
    }
    // Hash on all cores: argon2 is slow on purpose.
    let passwords: Vec<String> = people.iter().map(|p| p.3.clone()).collect();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let chunk = passwords.len().div_ceil(workers);
    let mut handles = Vec::new();
    for part in passwords.chunks(chunk).map(|c| c.to_vec()) {
        handles.push(tokio::task::spawn_blocking(move || {
            part.iter()
                .map(|pw| password::hash_password(pw))
                .collect::<Result<Vec<_>, _>>()
        }));
    }
    let mut hashes = Vec::new();
    for h in handles {
        hashes.extend(h.await?.map_err(anyhow::Error::msg)?);
    }
    let credentials: Vec<Credential> = people
        .iter()
        .map(|(account, _, _, pw)| Credential {
            role: account.role,
            name: account.display_name.clone(),
            email: account.email.clone(),
            password: pw.clone(),
        })
        .collect();
    // The sign-ins are written before any account exists, so a seed that is interrupted never
    // leaves accounts whose passwords nobody knows.
    let path = data_dir.join(DEMO_CREDENTIALS_FILE);
    write_private(&path, &credentials_text(&credentials))?;
    for ((mut account, patient, doctor, _), hash) in people.into_iter().zip(hashes) {
        account.password_hash = hash;
        storage
            .create_account(&account, patient.as_ref(), doctor.as_ref())
            .await?;
    }
    Ok(Some((credentials, path)))
}

pub fn credentials_text(credentials: &[Credential]) -> String {
    let mut out = String::from(
        "# Clinic Desk demo clinic: sign-ins made on first start. Keep this file private.\n",
    );
    for c in credentials {
        out.push_str(&format!(
            "{:<10}  {:<45}  {:<18}  {}\n",
            c.role.as_str(),
            c.email,
            c.password,
            c.name
        ));
    }
    out
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}
