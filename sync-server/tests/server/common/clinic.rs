//! A clinic to test against: a verified doctor, two front desks and registered patients on a
//! real server, with the pushes and pulls the tests speak in.

use chrono::{Days, NaiveTime, TimeZone, Utc};
pub use clinic_core::sync::{CommandOutcome, RejectionReason};
use clinic_core::sync::{CommandResult, Rejection};
use clinic_sync::settings::Settings;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use super::*;

pub const JITSI_SECRET: &str = "a secret of at least 32 characters, for tests";
pub const DESK_PW: &str = "front desk password";
pub const DOCTOR_PW: &str = "doctor password 12";
pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Dhaka;

/// `days` after today in the clinic, at `h:m` on its wall clock, as the wire writes instants.
pub fn local(days: u64, h: u32, m: u32) -> String {
    let today = Utc::now().with_timezone(&TZ).date_naive();
    let t = TZ
        .from_local_datetime(
            &(today + Days::new(days)).and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()),
        )
        .unwrap()
        .with_timezone(&Utc);
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn local_day(days: u64) -> String {
    (Utc::now().with_timezone(&TZ).date_naive() + Days::new(days)).to_string()
}

pub fn uuid(kind: u32, n: u32) -> String {
    format!("0193a0c4-5c1e-7000-{kind:04x}-{n:012}")
}

pub fn envelope(n: u32, command: Value) -> Value {
    json!({"version": 1, "id": uuid(0x8000, n), "issued_at": Utc::now().to_rfc3339(),
           "issued_by": "0193a0c4-5c1e-7000-8000-ffffffffffff", "command": command})
}

pub fn register(n: u32, patient: u32, number: &str) -> Value {
    envelope(
        n,
        json!({"kind": "register_patient", "patient": uuid(0x9000, patient),
               "patient_number": number,
               "demographics": {"full_name": format!("Patient {patient}"), "sex": null,
                                "date_of_birth": null, "phone": null, "address": null,
                                "emergency_contact": null}}),
    )
}

pub fn book(n: u32, appointment: u32, patient: &str, doctor: &str, start: Option<&str>) -> Value {
    envelope(
        n,
        json!({"kind": "book_appointment", "appointment": uuid(0xa000, appointment),
               "patient": patient, "doctor": doctor, "consultation": "in_person",
               "origin": if start.is_some() { "booked" } else { "walk_in" }, "start": start}),
    )
}

pub fn step(n: u32, appointment: u32, step: &str, reason: Option<&str>) -> Value {
    envelope(
        n,
        json!({"kind": "step_appointment", "appointment": uuid(0xa000, appointment),
               "step": step, "reason": reason}),
    )
}

/// Push commands (as the wire carries them: a test sends what a device may send, malformed
/// ones too) and read the answers as the wire's type.
pub async fn push(s: &TestServer, token: &str, commands: Vec<Value>) -> Vec<CommandOutcome> {
    let (status, body) = s
        .post(
            "/api/v1/sync/push",
            Some(token),
            json!({ "commands": commands }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body["outcomes"].clone())
        .unwrap_or_else(|e| panic!("the answers read as CommandOutcome ({e}): {body}"))
}

pub async fn push_one(s: &TestServer, token: &str, command: Value) -> CommandOutcome {
    push(s, token, vec![command]).await.remove(0)
}

/// A command's answer in a word: applied, or refused for a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Applied,
    Refused(RejectionReason),
}
pub use Answer::{Applied, Refused};

pub fn answer(outcome: &CommandOutcome) -> Answer {
    match &outcome.result {
        CommandResult::Applied { .. } => Applied,
        CommandResult::Rejected(rejection) => Refused(rejection.reason),
    }
}

/// The same, as methods of the answer.
pub trait Answered {
    fn answer(&self) -> Answer;
}

impl Answered for CommandOutcome {
    fn answer(&self) -> Answer {
        answer(self)
    }
}

/// Why a command was refused (the test fails if it was applied).
pub fn refusal(outcome: &CommandOutcome) -> &Rejection {
    match &outcome.result {
        CommandResult::Rejected(rejection) => rejection,
        CommandResult::Applied { .. } => panic!("refused, not applied: {outcome:?}"),
    }
}

/// Appointments a caller receives by pulling, by id.
pub async fn appointments(s: &TestServer, token: &str) -> BTreeMap<String, Value> {
    let (status, page) = s
        .get("/api/v1/sync/pull?after=0&limit=5000", Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "appointment")
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c.clone()))
        .collect()
}

/// Every day 09:00–17:00 with lunch 13:00–14:00; 15-minute visits, 20-minute video calls; on
/// leave five days from now.
pub fn pattern(doctor: &str) -> Value {
    let day = json!([{"hours": {"start": "09:00:00", "end": "17:00:00"},
                       "breaks": [{"start": "13:00:00", "end": "14:00:00"}]}]);
    json!({"doctor": doctor, "weekly": [day, day, day, day, day, day, day],
           "in_person_minutes": 15, "video_minutes": 20, "buffer_minutes": 0,
           "leave": [{"first_day": local_day(5), "last_day": local_day(5)}]})
}

pub fn profile(name: &str, registration: &str) -> Value {
    json!({"display_name": name, "specialty": "General medicine",
           "qualifications": "MBBS, FCPS", "registration_number": registration,
           "experience_years": 12, "city": "Dhaka", "languages": ["bn", "en"],
           "fees": {"in_person": 800, "video": 600}, "bio": "Sees adults."})
}

pub struct Clinic {
    pub s: TestServer,
    pub admin: String,
    pub desk_a: String,
    pub desk_b: String,
    pub doctor: String,
    pub doctor_token: String,
    /// Registered patients' ids.
    pub patients: Vec<String>,
}

pub async fn staff(s: &TestServer, admin: &str, email: &str, role: &str, pw: &str) -> String {
    let (status, body) = s
        .post(
            "/api/v1/accounts",
            Some(admin),
            json!({"email": email, "display_name": email, "role": role, "password": pw}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

pub async fn signed_in_desk(s: &TestServer, email: &str, device: u32) -> (String, u64) {
    let (status, grant) = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": email, "password": DESK_PW, "device_id": uuid(0xd000, device)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    (
        grant["token"].as_str().unwrap().to_owned(),
        grant["desk_code"].as_u64().unwrap(),
    )
}

/// A doctor of the clinic with a profile, working hours and verified credentials, signed in:
/// their id and token.
pub async fn verified_doctor(
    s: &TestServer,
    admin: &str,
    email: &str,
    name: &str,
    registration: &str,
) -> (String, String) {
    let doctor = staff(s, admin, email, "doctor", DOCTOR_PW).await;
    let token = s.sign_in(email, DOCTOR_PW).await;
    let (status, record) = s
        .put(
            &format!("/api/v1/doctors/{doctor}"),
            Some(&token),
            json!({"profile": profile(name, registration), "pattern": pattern(&doctor)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{record}");
    let (status, record) = s
        .put(
            &format!("/api/v1/doctors/{doctor}/verification"),
            Some(admin),
            json!({"status": "verified"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{record}");
    (doctor, token)
}

/// A doctor with a verified profile, two desks, and `patients` registered patients.
pub async fn clinic(b: Backend, patients: u32) -> Clinic {
    clinic_with(b, patients, false).await
}

/// A clinic whose front desk takes part in conversations, or not.
pub async fn clinic_with(b: Backend, patients: u32, desk_in_conversations: bool) -> Clinic {
    let settings = Settings {
        desk_in_conversations,
        sign_in_attempts_per_minute_per_account: 10_000,
        sign_in_attempts_per_minute_per_address: 10_000,
        jitsi_url: "https://meet.clinic.example".into(),
        jitsi_app_id: Some("clinic-desk".into()),
        jitsi_app_secret: Some(JITSI_SECRET.into()),
        ..Settings::default()
    };
    clinic_with_settings(b, patients, settings).await
}

/// The same clinic on a server with these settings.
pub async fn clinic_with_settings(b: Backend, patients: u32, settings: Settings) -> Clinic {
    let s = TestServer::start_with(b, settings).await;
    s.admin(ADMIN, ADMIN_PW).await;
    let admin = s.sign_in(ADMIN, ADMIN_PW).await;
    staff(&s, &admin, "desk1@clinic.test", "front_desk", DESK_PW).await;
    staff(&s, &admin, "desk2@clinic.test", "front_desk", DESK_PW).await;
    let (doctor, doctor_token) = verified_doctor(
        &s,
        &admin,
        "dr.rahman@clinic.test",
        "Dr. Mizanur Rahman",
        "A-12345",
    )
    .await;
    let (desk_a, code_a) = signed_in_desk(&s, "desk1@clinic.test", 1).await;
    let (desk_b, _) = signed_in_desk(&s, "desk2@clinic.test", 2).await;
    let registrations: Vec<Value> = (1..=patients)
        .map(|p| register(900_000 + p, p, &format!("{code_a}-{p:04}")))
        .collect();
    for outcome in push(&s, &desk_a, registrations).await {
        assert_eq!(outcome.answer(), Applied, "{outcome:?}");
    }
    Clinic {
        s,
        admin,
        desk_a,
        desk_b,
        doctor,
        doctor_token,
        patients: (1..=patients).map(|p| uuid(0x9000, p)).collect(),
    }
}

/// A message in appointment `appointment`'s conversation.
pub fn message(n: u32, appointment: u32, body: &str) -> Value {
    envelope(
        n,
        json!({"kind": "send_message", "appointment": uuid(0xa000, appointment), "body": body}),
    )
}

pub async fn declared_upload(c: &Clinic, purpose: &str, length: usize) -> String {
    let path = format!("/api/v1/doctors/{}/documents?purpose={purpose}", c.doctor);
    declared_post(&c.s, &path, &c.doctor_token, length).await
}

pub fn medicine(name: &str, days: u32) -> Value {
    json!({"medicine": name, "strength": "500 mg", "form": "tablet", "dose": "1 tablet",
           "frequency": "1+0+1", "duration_days": days, "instructions": "after food"})
}

pub fn registration(n: u32, patient: u32, number: &str, name: &str, email: Option<&str>) -> Value {
    envelope(
        n,
        json!({"kind": "register_patient", "patient": uuid(0x9000, patient),
               "patient_number": number,
               "demographics": {"full_name": name, "sex": null, "date_of_birth": null,
                                "phone": null, "email": email, "address": null,
                                "emergency_contact": null}}),
    )
}

/// Send only the head of a POST to `path` that declares `length` bytes (and a few of them),
/// and read what the server answers while the rest has not come.
pub async fn declared_post(s: &TestServer, path: &str, token: &str, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = s.url.trim_start_matches("http://").to_owned();
    let mut raw = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {length}\r\n\r\n%PDF-1.4\n",
    );
    raw.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), raw.read(&mut answer))
        .await
        .expect("answered before the body arrived")
        .unwrap();
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

pub async fn upload(
    s: &TestServer,
    token: &str,
    doctor: &str,
    purpose: &str,
    content: &[u8],
) -> (StatusCode, Value) {
    let response = s
        .http
        .post(format!(
            "{}/api/v1/doctors/{doctor}/documents?purpose={purpose}",
            s.url
        ))
        .bearer_auth(token)
        .body(content.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn documents(
    s: &TestServer,
    token: &str,
    doctor: &str,
    purpose: &str,
) -> (StatusCode, Value) {
    s.get(
        &format!("/api/v1/doctors/{doctor}/documents?purpose={purpose}"),
        Some(token),
    )
    .await
}

pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Announce `content` for `patient` and send it in 256 KiB chunks; the last answer.
pub async fn upload_whole(
    s: &TestServer,
    token: &str,
    patient: &str,
    title: &str,
    category: &str,
    content: &[u8],
) -> (StatusCode, Value) {
    use sha2::Digest;
    let (status, state) = s
        .post(
            &format!("/api/v1/patients/{patient}/uploads"),
            Some(token),
            json!({"title": title, "category": category, "size": content.len(),
                   "sha256": hex::encode(sha2::Sha256::digest(content))}),
        )
        .await;
    if status != StatusCode::CREATED {
        return (status, state);
    }
    let id = state["id"].as_str().unwrap().to_owned();
    let mut last = (status, state);
    for (i, chunk) in content.chunks(256 * 1024).enumerate() {
        last = patch_chunk(s, token, &id, i * 256 * 1024, chunk).await;
    }
    last
}

/// A whole PDF of about `len` bytes (padding in a comment).
pub fn big_pdf(len: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n%".to_vec();
    pdf.extend((0..len).map(|i| b'a' + (i % 26) as u8));
    pdf.extend_from_slice(b"\n%%EOF\n");
    pdf
}

pub async fn patch_chunk(
    s: &TestServer,
    token: &str,
    upload: &str,
    offset: usize,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let response = s
        .http
        .patch(format!("{}/api/v1/uploads/{upload}", s.url))
        .bearer_auth(token)
        .header("Upload-Offset", offset.to_string())
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn audit_chain(s: &TestServer) -> Vec<clinic_sync::audit::AuditEntry> {
    use clinic_sync::storage::prelude::*;
    match &s.storage {
        AnyStorage::Sqlite(st) => st.audit_entries().await.unwrap(),
        AnyStorage::Postgres(st) => st.audit_entries().await.unwrap(),
    }
}

/// The server's audit chain checked as the admins' viewer checks it (with the audit key).
pub async fn verify_audit(s: &TestServer) -> Result<(), clinic_sync::audit::ChainBroken> {
    use clinic_sync::storage::prelude::*;
    let chain = audit_chain(s).await;
    match &s.storage {
        AnyStorage::Sqlite(st) => {
            let head = st.audit_head().await.unwrap();
            clinic_sync::audit::verify(&chain, st.audit_key(), head.as_ref())
        }
        AnyStorage::Postgres(st) => {
            let head = st.audit_head().await.unwrap();
            clinic_sync::audit::verify(&chain, st.audit_key(), head.as_ref())
        }
    }
}

/// A second verified doctor of the clinic, signed in.
pub async fn second_doctor(c: &Clinic) -> (String, String) {
    verified_doctor(
        &c.s,
        &c.admin,
        "dr.karim@clinic.test",
        "Dr. Karim",
        "A-54321",
    )
    .await
}

/// The newest audit entry's action.
pub async fn newest_audit_action(c: &Clinic) -> String {
    let (status, page) = c.s.get("/api/v1/audit", Some(&c.admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["entries"][0]["action"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Rahima, who signed up in the patient app, with a visit desk A booked for her tomorrow at
/// 09:00 (appointment 1): her session token and her own account id.
pub async fn patient_booked(c: &Clinic) -> (String, String) {
    let s = &c.s;
    s.sign_up("rahima@example.com", "Rahima Khatun").await;
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    let booked = push_one(
        s,
        &c.desk_a,
        book(1, 1, &own, &c.doctor, Some(&local(1, 9, 0))),
    )
    .await;
    assert_eq!(booked.answer(), Applied, "{booked:?}");
    (patient, own)
}
