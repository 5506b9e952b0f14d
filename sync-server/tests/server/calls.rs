//! Video calls: open for the appointment's doctor and patient only.

use crate::common::clinic::*;
use crate::common::*;
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) async fn meeting(s: &TestServer, token: &str, appointment: &str) -> (StatusCode, Value) {
    s.get(
        &format!("/api/v1/appointments/{appointment}/meeting"),
        Some(token),
    )
    .await
}

pub(crate) fn claims_of(url: &str) -> clinic_core::meeting::JitsiClaims {
    let token = url
        .split_once("?jwt=")
        .and_then(|(_, rest)| rest.split('#').next())
        .expect("a token in the address");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["jitsi"]);
    validation.set_issuer(&["clinic-desk"]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    jsonwebtoken::decode::<clinic_core::meeting::JitsiClaims>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(JITSI_SECRET.as_bytes()),
        &validation,
    )
    .expect("a token signed with the clinic's secret")
    .claims
}

async fn video_calls_open_for_the_appointments_doctor_and_patient_only(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    // The doctor works around the clock, so a slot starts within the next twenty minutes.
    let day = json!([{"hours": {"start": "00:00:00", "end": "23:59:59"}, "breaks": []}]);
    let (status, body) = s
        .put(
            &format!("/api/v1/doctors/{}", c.doctor),
            Some(&c.doctor_token),
            json!({"profile": profile("Dr. Mizanur Rahman", "A-12345"),
                   "pattern": {"doctor": c.doctor, "weekly": [day, day, day, day, day, day, day],
                               "in_person_minutes": 15, "video_minutes": 20}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, slots) = s
        .get(
            &format!("/api/v1/doctors/{}/slots?kind=video&days=2", c.doctor),
            Some(&c.doctor_token),
        )
        .await;
    let first = slots[0]["start"].as_str().unwrap().to_owned();
    let second = slots[1]["start"].as_str().unwrap().to_owned();

    let (status, _) = s.sign_up("rahima@example.com", "Rahima Khatun").await;
    assert_eq!(status, StatusCode::CREATED);
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    let mut request = book(1, 1, &own, &c.doctor, Some(&first));
    request["command"]["origin"] = json!("patient_request");
    request["command"]["consultation"] = json!("video");
    assert_eq!(push_one(s, &patient, request).await.answer(), Applied);
    let appointment = uuid(0xa000, 1);

    let (status, body) = meeting(s, &patient, &appointment).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("not confirmed"),
        "{body}"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM meeting".into()).await, 0);

    // Confirmed: the room is made with the confirmation, before anyone asks to join.
    assert_eq!(
        push_one(s, &c.doctor_token, step(2, 1, "confirm", None))
            .await
            .answer(),
        Applied
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM meeting".into()).await, 1);

    // No call before the patient agrees to a video consultation.
    let (status, body) = meeting(s, &c.doctor_token, &appointment).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "consent_required", "{body}");
    let consents = format!("/api/v1/patients/{own}/consents");
    let video = json!({"purpose": "video_consultation"});
    let (status, body) = s.post(&consents, Some(&c.desk_a), video.clone()).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "staff say how: {body}"
    );
    assert_eq!(body["fields"][0]["field"], "note");
    let (status, _) = s.post(&consents, Some(&c.admin), video.clone()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an admin does not speak for patients"
    );
    let (status, body) = s
        .post(
            &format!("/api/v1/patients/{}/consents", uuid(0x9000, 999)),
            Some(&c.desk_a),
            json!({"purpose": "video_consultation", "note": "by phone"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, spoken) = s
        .post(
            &consents,
            Some(&c.desk_a),
            json!({"purpose": "video_consultation", "note": "By phone, the patient herself"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{spoken}");
    assert_eq!(spoken["given"], "spoken");
    let (status, own_consent) = s.post(&consents, Some(&patient), video).await;
    assert_eq!(status, StatusCode::CREATED, "{own_consent}");
    assert_eq!(own_consent["given"], "by_the_patient");
    assert_eq!(own_consent["recorded_by"], own.as_str());
    let (_, listed) = s.get(&consents, Some(&patient)).await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");

    let (status, doctor_call) = meeting(s, &c.doctor_token, &appointment).await;
    assert_eq!(status, StatusCode::OK, "{doctor_call}");
    let room = doctor_call["room"].as_str().unwrap().to_owned();
    assert!(clinic_core::meeting::is_room_name(&room), "{room}");
    assert!(
        !room.contains(&appointment[..8]),
        "not derived from the appointment"
    );
    let url = doctor_call["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("https://meet.clinic.example/{room}?jwt=")),
        "{url}"
    );
    assert!(url.contains("#config.prejoinConfig.enabled=false"), "{url}");
    let claims = claims_of(url);
    assert_eq!(claims.room, room);
    assert_eq!(claims.sub, "meet.clinic.example");
    assert_eq!(claims.context.user.id, c.doctor);
    assert_eq!(claims.context.user.name, "dr.rahman@clinic.test");
    assert!(claims.moderator);
    assert_eq!(
        (
            claims.context.user.moderator.as_str(),
            claims.context.user.affiliation.as_str()
        ),
        ("true", "owner")
    );
    let start: chrono::DateTime<Utc> = first.parse().unwrap();
    assert_eq!(
        claims.exp,
        (start + chrono::Duration::minutes(20 + 30)).timestamp(),
        "the token ends half an hour after the slot"
    );
    assert_eq!(
        doctor_call["open_until"]
            .as_str()
            .map(|t| t.parse::<chrono::DateTime<Utc>>().unwrap().timestamp()),
        Some(claims.exp)
    );

    let (status, patient_call) = meeting(s, &patient, &appointment).await;
    assert_eq!(status, StatusCode::OK, "{patient_call}");
    assert_eq!(patient_call["room"], room.as_str(), "one room for both");
    let claims = claims_of(patient_call["url"].as_str().unwrap());
    assert_eq!(claims.context.user.id, own);
    assert!(!claims.moderator);
    assert_eq!(
        (
            claims.context.user.moderator.as_str(),
            claims.context.user.affiliation.as_str()
        ),
        ("false", "member")
    );
    // A token signed with another secret is not one of ours.
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"not the clinic's secret at all, no"),
    )
    .unwrap();
    assert!(std::panic::catch_unwind(|| claims_of(&format!("x?jwt={forged}#"))).is_err());

    // Nobody else joins: the front desk, an admin, another doctor, another patient.
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    for token in [&c.desk_a, &c.admin, &other_doctor, &other_patient] {
        let (status, body) = meeting(s, token, &appointment).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let (status, _) = meeting(s, &patient, &uuid(0xa000, 999)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s.get(&consents, Some(&other_patient)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another patient's consents are theirs"
    );

    // An in-person visit has no call; a cancelled one's call is closed.
    let mut in_person = book(3, 3, &own, &c.doctor, Some(&second));
    in_person["command"]["origin"] = json!("booked");
    assert_eq!(push_one(s, &c.desk_a, in_person).await.answer(), Applied);
    let (status, body) = meeting(s, &patient, &uuid(0xa000, 3)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["message"].as_str().unwrap().contains("in-person"),
        "{body}"
    );
    assert_eq!(
        push_one(s, &patient, step(4, 1, "cancel", Some("Feeling better")))
            .await
            .answer(),
        Applied
    );
    let (status, body) = meeting(s, &c.doctor_token, &appointment).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["message"].as_str().unwrap().contains("cancelled"),
        "{body}"
    );
}

on_both_backends!(video_calls_open_for_the_appointments_doctor_and_patient_only,);
