//! Prescriptions: warnings, locked at issue, new versions, verified by code.

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn prescriptions_warn_lock_at_issue_take_new_versions_and_verify_by_code(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    s.sign_up("rahima@example.com", "Rahima Khatun").await;
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    for (n, hour) in [(1, 9), (2, 10)] {
        assert_eq!(
            push_one(
                s,
                &c.desk_a,
                book(n, n, &own, &c.doctor, Some(&local(1, hour, 0)))
            )
            .await
            .answer(),
            Applied
        );
    }
    let path = format!("/api/v1/appointments/{}/prescription", uuid(0xa000, 1));
    let form = json!({"items": [medicine("Amoxicillin", 7), medicine("Paracetamol", 5)],
                      "advice": "Drink plenty of water."});
    let (status, body) = s.put(&path, Some(&c.doctor_token), form.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("start the consultation"));
    for (token, step_name, n) in [(&c.desk_a, "check_in", 3), (&c.doctor_token, "start", 4)] {
        assert_eq!(
            push_one(s, token, step(n, 1, step_name, None))
                .await
                .answer(),
            Applied
        );
    }

    // The doctor records an allergy; another doctor, the desk, the patient may not.
    let clinical = format!("/api/v1/patients/{own}/clinical");
    let summary = json!({"allergies": [{"substance": "Penicillin", "reaction": "rash"}],
                         "conditions": [{"name": "Asthma", "since": "2019-03-01"}]});
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&other_doctor, &c.desk_a, &patient] {
        assert_eq!(
            s.put(&clinical, Some(token), summary.clone()).await.0,
            StatusCode::FORBIDDEN
        );
    }
    let (status, body) = s
        .put(&clinical, Some(&c.doctor_token), summary.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        s.get(&clinical, Some(&patient)).await.1,
        summary,
        "the patient reads their own"
    );

    // A draft: checked field by field; the allergy is warned about by class.
    let (status, body) = s
        .put(
            &path,
            Some(&c.doctor_token),
            json!({"items": [medicine(" ", 0)]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["items.0.medicine", "items.0.duration_days"]);
    let (status, view) = s.put(&path, Some(&c.doctor_token), form.clone()).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["current"]["record"]["status"], "draft");
    assert_eq!(view["warnings"][0]["kind"], "allergy", "{view}");
    assert_eq!(view["warnings"][0]["item"], 0);
    assert_eq!(view["warnings"][0]["substance"], "Penicillin");
    // The patient does not see a draft.
    let (status, seen) = s.get(&path, Some(&patient)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["current"], Value::Null, "{seen}");

    // Issuing: refused until the warnings are acknowledged; then locked, with a code and hash.
    let issue = format!("{path}/issue");
    let (status, body) = s.post(&issue, Some(&c.doctor_token), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("1 warning"),
        "{body}"
    );
    let (status, view) = s
        .post(
            &issue,
            Some(&c.doctor_token),
            json!({"acknowledged_warnings": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let first: clinic_core::prescription::PrescriptionRecord =
        serde_json::from_value(view["current"]["record"].clone()).unwrap();
    assert_eq!(
        first.status,
        clinic_core::prescription::PrescriptionStatus::Issued
    );
    let code = first.code.clone().unwrap();
    assert_eq!(
        clinic_core::prescription::read_code(&code),
        Ok(code.clone())
    );
    {
        use sha2::Digest;
        assert_eq!(
            first.content_hash.as_deref(),
            Some(hex::encode(sha2::Sha256::digest(first.verified_bytes().unwrap())).as_str())
        );
    }
    assert!(view["current"]["verify_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/verify/{code}")));
    assert_eq!(view["current"]["doctor_name"], "Dr. Mizanur Rahman");
    assert_eq!(view["current"]["registration_number"], "A-12345");
    assert_eq!(view["current"]["patient_name"], "Rahima Khatun");
    let (status, body) = s.post(&issue, Some(&c.doctor_token), json!({})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "nothing left to issue: {body}"
    );

    // The patient sees it issued; nobody else reads it.
    let (_, seen) = s.get(&path, Some(&patient)).await;
    assert_eq!(seen["current"]["record"]["code"], code.as_str());
    for token in [&other_doctor, &c.desk_a, &c.admin] {
        assert_eq!(s.get(&path, Some(token)).await.0, StatusCode::FORBIDDEN);
    }

    // Anyone checks the code: issuer, time and hash — nothing of the patient or the medicines.
    let (status, answer) = s.get(&format!("/api/v1/verify/{code}"), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["doctor_name"], "Dr. Mizanur Rahman");
    assert_eq!(answer["registration_number"], "A-12345");
    assert_eq!(
        answer["content_hash"],
        first.content_hash.clone().unwrap().as_str()
    );
    assert_eq!(answer["superseded"], false);
    let text = answer.to_string();
    assert!(
        !text.contains("Rahima") && !text.contains("Amoxicillin"),
        "{text}"
    );
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(
        s.get(&format!("/api/v1/verify/{typed}"), None).await.0,
        StatusCode::OK
    );
    // An altered code is told apart from a forged one that checks out but was never issued.
    let mut altered: Vec<char> = code.chars().collect();
    altered[0] = if altered[0] == '7' { '8' } else { '7' };
    let altered: String = altered.into_iter().collect();
    let (status, body) = s.get(&format!("/api/v1/verify/{altered}"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("not valid"),
        "{body}"
    );
    let forged = clinic_core::prescription::new_code(0x2_5A5A_5A5A_5A5A);
    assert_ne!(forged, code);
    assert_eq!(
        s.get(&format!("/api/v1/verify/{forged}"), None).await.0,
        StatusCode::NOT_FOUND
    );
    let page = s
        .http
        .get(format!("{}/verify/{code}", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Prescription verified"));
    let page = s
        .http
        .get(format!("{}/verify/{forged}", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);

    // A change after issuing is a new version; issuing it supersedes the first.
    let (status, view) = s
        .put(
            &path,
            Some(&c.doctor_token),
            json!({"items": [medicine("Azithromycin", 3), medicine("Paracetamol", 5)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["current"]["record"]["version"], 2);
    assert_eq!(
        view["current"]["record"]["replaces"],
        first.id.to_string().as_str()
    );
    assert_eq!(
        view["versions"][1]["status"], "issued",
        "the first stays until the second is issued"
    );
    assert_eq!(
        view["warnings"],
        json!([]),
        "its own earlier version is not a duplicate"
    );
    // Issued twice at the same moment (a double click, two screens): one issues, the other is
    // told so; one code, and it is the one stored.
    let (first, second) = tokio::join!(
        s.post(&issue, Some(&c.doctor_token), json!({})),
        s.post(&issue, Some(&c.doctor_token), json!({}))
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} {}",
        first.1,
        second.1
    );
    let view = if first.0 == StatusCode::OK {
        first.1
    } else {
        second.1
    };
    let (_, stored) = s.get(&path, Some(&c.doctor_token)).await;
    assert_eq!(
        stored["current"]["record"]["code"],
        view["current"]["record"]["code"]
    );
    assert_eq!(view["versions"][1]["status"], "superseded");
    assert_eq!(
        view["versions"][1]["code"],
        code.as_str(),
        "the original is kept"
    );
    let (_, answer) = s.get(&format!("/api/v1/verify/{code}"), None).await;
    assert_eq!(answer["superseded"], true);

    // The patient's list; another patient may not read it, and the attempt is audited.
    let list = format!("/api/v1/patients/{own}/prescriptions");
    let (status, sheets) = s.get(&list, Some(&patient)).await;
    assert_eq!(status, StatusCode::OK, "{sheets}");
    assert_eq!(sheets.as_array().unwrap().len(), 2);
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    for token in [&other_patient, &c.desk_a, &other_doctor] {
        assert_eq!(s.get(&list, Some(token)).await.0, StatusCode::FORBIDDEN);
    }
    let chain = audit_chain(s).await;
    assert_eq!(
        chain
            .iter()
            .filter(|e| e.action == "refused_read_chart")
            .count(),
        3,
        "{chain:?}"
    );
    assert!(chain.iter().any(|e| e.action == "issue_prescription"));
    assert_eq!(verify_audit(s).await, Ok(()));

    // At the next visit, a medicine still being taken is warned about.
    for (token, step_name, n) in [(&c.desk_a, "check_in", 5), (&c.doctor_token, "start", 6)] {
        assert_eq!(
            push_one(s, token, step(n, 2, step_name, None))
                .await
                .answer(),
            Applied
        );
    }
    let next = format!("/api/v1/appointments/{}/prescription", uuid(0xa000, 2));
    let (_, view) = s
        .put(
            &next,
            Some(&c.doctor_token),
            json!({"items": [medicine("paracetamol", 3)]}),
        )
        .await;
    assert_eq!(view["warnings"][0]["kind"], "duplicate", "{view}");
}

on_both_backends!(prescriptions_warn_lock_at_issue_take_new_versions_and_verify_by_code,);
