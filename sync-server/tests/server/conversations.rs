//! Conversations: messages and files reach only the appointment's doctor and patient (and the desk where the clinic allows it); files checked, consented, sealed.

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) async fn pulled_messages(s: &TestServer, token: &str) -> Vec<Value> {
    let (status, page) = s
        .get("/api/v1/sync/pull?after=0&limit=1000", Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "message")
        .cloned()
        .collect()
}

pub(crate) async fn attach(
    s: &TestServer,
    token: &str,
    appointment: &str,
    content: &[u8],
) -> (StatusCode, Value) {
    let response = s
        .http
        .post(format!(
            "{}/api/v1/appointments/{appointment}/attachments",
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

pub(crate) fn message_with(n: u32, appointment: u32, body: &str, attachment: &Value) -> Value {
    envelope(
        n,
        json!({"kind": "send_message", "appointment": uuid(0xa000, appointment), "body": body,
               "attachment": attachment}),
    )
}

async fn messages_reach_only_the_doctor_and_the_patient_of_the_appointment(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let (patient, _) = patient_booked(&c).await;

    // The patient writes, the doctor answers; a repeated push is answered the same, once.
    let question = message(2, 1, "  Should I take the tablets before or after food?  ");
    let first = push_one(s, &patient, question.clone()).await;
    assert_eq!(first.answer(), Applied, "{first:?}");
    assert_eq!(push_one(s, &patient, question).await, first, "never twice");
    assert_eq!(
        push_one(
            s,
            &c.doctor_token,
            message(3, 1, "After food, twice a day.")
        )
        .await
        .answer(),
        Applied
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM message".into()).await, 2);

    // Delivered to the appointment's doctor and patient; the front desk, another doctor and
    // another patient receive nothing of it.
    for token in [&c.doctor_token, &patient] {
        let got = pulled_messages(s, token).await;
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            got[0]["body"], "Should I take the tablets before or after food?",
            "trimmed"
        );
        assert_eq!(got[0]["from_role"], "patient");
        assert_eq!(got[1]["from_role"], "doctor");
        assert_eq!(got[0]["id"], uuid(0x8000, 2), "the message is its command");
    }
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    for token in [&c.desk_a, &c.admin, &other_doctor, &other_patient] {
        assert_eq!(pulled_messages(s, token).await, Vec::<Value>::new());
    }

    // Nobody else writes in it; an empty message is named; unknown appointments are not told
    // apart from forbidden ones for patients.
    for (token, n) in [(&c.desk_a, 4), (&other_doctor, 5), (&other_patient, 6)] {
        assert_eq!(
            answer(&push_one(s, token, message(n, 1, "Hello")).await),
            Refused(RejectionReason::Forbidden)
        );
    }
    let empty = push_one(s, &patient, message(7, 1, "   ")).await;
    assert_eq!(answer(&empty), Refused(RejectionReason::Invalid));
    assert_eq!(refusal(&empty).fields[0].field, "body");
    assert_eq!(
        answer(&push_one(s, &patient, message(8, 99, "Hi")).await),
        Refused(RejectionReason::Forbidden)
    );
    assert_eq!(
        answer(&push_one(s, &c.doctor_token, message(9, 99, "Hi")).await),
        Refused(RejectionReason::UnknownAppointment)
    );

    // A cancelled appointment's conversation is closed.
    assert_eq!(
        push_one(s, &patient, step(10, 1, "cancel", None))
            .await
            .answer(),
        Applied
    );
    assert_eq!(
        answer(&push_one(s, &patient, message(11, 1, "One more thing")).await),
        Refused(RejectionReason::ConversationClosed)
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM message".into()).await, 2);
}

async fn files_in_a_conversation_are_checked_consented_sealed_and_read_by_the_two_only(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let (patient, own) = patient_booked(&c).await;
    let appointment = uuid(0xa000, 1);
    let report = b"%PDF-1.4\n1 0 obj << /Title (Blood count: haemoglobin 13.2) >> endobj\n%%EOF\n";

    // Not stored before the patient agrees to the clinic keeping uploaded files.
    let (status, body) = attach(s, &patient, &appointment, report).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "consent_required", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("not stored"),
        "{body}"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM blob".into()).await, 0);
    let (status, _) = s
        .post(
            &format!("/api/v1/patients/{own}/consents"),
            Some(&patient),
            json!({"purpose": "store_uploaded_records"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Disguised or cut short: refused with what it is, nothing kept; too large: refused from
    // the declared length while the body is still on its way.
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00an archive called report.pdf";
    let (status, body) = attach(s, &patient, &appointment, zip).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["found"], "application/zip", "{body}");
    let (status, _) = attach(s, &patient, &appointment, &report[..30]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let path = format!("/api/v1/appointments/{appointment}/attachments");
    let answer = declared_post(s, &path, &patient, 11 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("10240 KiB"), "{answer}");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM blob".into()).await, 0);

    // Nobody but the appointment's two sends one.
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&c.desk_a, &c.admin, &other_doctor, &other_patient] {
        assert_eq!(
            attach(s, token, &appointment, report).await.0,
            StatusCode::FORBIDDEN
        );
    }

    // Kept: the server's name, what the content is, the same content once.
    let (status, file) = attach(s, &patient, &appointment, report).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["kind"], "pdf");
    assert_eq!(file["size"], report.len());
    assert!(file["file_name"].as_str().unwrap().starts_with("message-"));
    let (status, again) = attach(s, &c.doctor_token, &appointment, report).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(again["id"], file["id"]);
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM blob".into()).await,
        1,
        "one blob per content"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM attachment".into()).await, 2);
    // Sealed at rest: the database holds nothing of the report in the clear.
    let in_the_clear = s
        .scalar(match b {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM blob WHERE instr(sealed, CAST('haemoglobin' AS BLOB)) > 0"
                    .into()
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM blob WHERE position('haemoglobin'::bytea in sealed) > 0"
                    .into()
            }
        })
        .await;
    assert_eq!(in_the_clear, 0);

    // The message carries it; a file uploaded by someone else cannot be passed off as one's own.
    let sent = push_one(s, &patient, message_with(2, 1, "  ", &file["id"])).await;
    assert_eq!(sent.answer(), Applied, "{sent:?}");
    let stolen = push_one(s, &patient, message_with(3, 1, "mine", &again["id"])).await;
    assert_eq!(stolen.answer(), Refused(RejectionReason::Invalid));
    assert_eq!(refusal(&stolen).fields[0].field, "attachment");
    let unknown = push_one(
        s,
        &patient,
        message_with(4, 1, "x", &json!(uuid(0x7000, 1))),
    )
    .await;
    assert_eq!(unknown.answer(), Refused(RejectionReason::Invalid));
    let got = pulled_messages(s, &c.doctor_token).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["attachment"]["id"], file["id"]);
    assert_eq!(got[0]["attachment"]["file_name"], file["file_name"]);

    // Read by the two, the same bytes, as a download; a refused attempt is audited too.
    let download = format!(
        "{}/api/v1/attachments/{}",
        s.url,
        file["id"].as_str().unwrap()
    );
    for token in [&patient, &c.doctor_token] {
        let response = s
            .http
            .get(&download)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(&response.bytes().await.unwrap()[..], &report[..]);
    }
    for token in [&other_patient, &other_doctor, &c.desk_a] {
        let response = s
            .http
            .get(&download)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let response = s
        .http
        .get(format!("{}/api/v1/attachments/{}", s.url, uuid(0x7000, 1)))
        .bearer_auth(&patient)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let chain = audit_chain(s).await;
    let actions: Vec<&str> = chain.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "record_consent",
            "refused_attach",
            "refused_attach",
            "refused_attach",
            "refused_attach",
            "upload_attachment",
            "upload_attachment",
            "read_attachment",
            "read_attachment",
            "refused_read_attachment",
            "refused_read_attachment",
            "refused_read_attachment",
        ],
        "{chain:?}"
    );
    assert_eq!(verify_audit(s).await, Ok(()));

    // A blob altered in the database is refused, never served.
    s.exec("UPDATE blob SET sealed = sealed || sealed").await;
    let response = s
        .http
        .get(&download)
        .bearer_auth(&patient)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    // One conversation keeps so many files, no more.
    let kept = s.scalar("SELECT COUNT(*) FROM attachment".into()).await as usize;
    for _ in kept..clinic_core::chat::ATTACHMENTS_PER_APPOINTMENT_MAX {
        let (status, body) = attach(s, &patient, &appointment, report).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = attach(s, &patient, &appointment, report).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("the most"),
        "{body}"
    );

    // A cancelled appointment takes no more files.
    assert_eq!(
        push_one(s, &patient, step(5, 1, "cancel", None))
            .await
            .answer(),
        Applied
    );
    let (status, body) = attach(s, &patient, &appointment, report).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("closed"),
        "{body}"
    );
}

async fn the_front_desk_joins_conversations_only_where_the_clinic_allows_it(b: Backend) {
    let c = clinic_with(b, 0, true).await;
    let s = &c.s;
    let (patient, _) = patient_booked(&c).await;
    let (_, grant) = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": "desk1@clinic.test", "password": DESK_PW}),
        )
        .await;
    assert_eq!(
        grant["desk_in_conversations"], true,
        "the desk hears the clinic's rule"
    );
    assert_eq!(
        push_one(s, &patient, message(2, 1, "Is the doctor in today?"))
            .await
            .answer(),
        Applied
    );
    let answered = push_one(
        s,
        &c.desk_b,
        message(3, 1, "Yes — running 20 minutes late."),
    )
    .await;
    assert_eq!(answered.answer(), Applied, "{answered:?}");
    // The doctor, the patient and every desk have both; another doctor and the admin nothing.
    for token in [&c.doctor_token, &patient, &c.desk_a, &c.desk_b] {
        let got = pulled_messages(s, token).await;
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1]["from_role"], "front_desk");
    }
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&other_doctor, &c.admin] {
        assert_eq!(pulled_messages(s, token).await, Vec::<Value>::new());
    }
    assert_eq!(
        answer(&push_one(s, &c.admin, message(4, 1, "Admin here")).await),
        Refused(RejectionReason::Forbidden)
    );
}

on_both_backends!(
    messages_reach_only_the_doctor_and_the_patient_of_the_appointment,
    files_in_a_conversation_are_checked_consented_sealed_and_read_by_the_two_only,
    the_front_desk_joins_conversations_only_where_the_clinic_allows_it,
);
