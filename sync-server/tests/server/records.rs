//! Records: uploads in chunks that resume, and the chart that shows them.

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn records_upload_in_chunks_resume_and_the_chart_shows_them(b: Backend) {
    use sha2::Digest;
    let c = clinic(b, 0).await;
    let s = &c.s;
    let (patient, own) = patient_booked(&c).await;
    let report = big_pdf(700_000);
    let sha = hex::encode(sha2::Sha256::digest(&report));
    let uploads = format!("/api/v1/patients/{own}/uploads");
    let start = json!({"title": "Blood count ../../etc/passwd", "category": "report",
                       "size": report.len(), "sha256": sha});

    // Not before the patient agrees to the clinic keeping uploaded files; too large is said
    // before a byte is sent.
    let (status, body) = s.post(&uploads, Some(&patient), start.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "consent_required");
    let (status, _) = s
        .post(
            &format!("/api/v1/patients/{own}/consents"),
            Some(&patient),
            json!({"purpose": "store_uploaded_records"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = s
        .post(
            &uploads,
            Some(&patient),
            json!({"title": "Scan", "category": "image",
              "size": 21 * 1024 * 1024, "sha256": sha}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM upload".into()).await, 0);

    // Nobody but the patient and their doctors uploads to the record; the attempt is audited.
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&other_patient, &other_doctor, &c.desk_a] {
        assert_eq!(
            s.post(&uploads, Some(token), start.clone()).await.0,
            StatusCode::FORBIDDEN
        );
    }

    // In chunks; the connection "drops" after the first: a repeated chunk is refused with
    // where the upload stands, the state says the same, and the rest completes it.
    let (status, state) = s.post(&uploads, Some(&patient), start.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{state}");
    let id = state["id"].as_str().unwrap().to_owned();
    let chunk = 256 * 1024;
    let (status, state) = patch_chunk(s, &patient, &id, 0, &report[..chunk]).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["offset"], chunk);
    let (status, body) = patch_chunk(s, &patient, &id, 0, &report[..chunk]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&chunk.to_string()),
        "{body}"
    );
    assert_eq!(
        s.get(&format!("/api/v1/uploads/{id}"), Some(&other_patient))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, state) = s
        .get(&format!("/api/v1/uploads/{id}"), Some(&patient))
        .await;
    assert_eq!(state["offset"], chunk);
    let mut last = (StatusCode::OK, Value::Null);
    for (i, part) in report[chunk..].chunks(chunk).enumerate() {
        last = patch_chunk(s, &patient, &id, chunk * (i + 1), part).await;
    }
    assert_eq!(last.0, StatusCode::CREATED, "{}", last.1);
    let document = last.1["document"].clone();
    assert_eq!(document["kind"], "pdf");
    assert_eq!(document["size"], report.len());
    let name = document["file_name"].as_str().unwrap();
    assert!(
        name.starts_with("report-") && name.ends_with(".pdf") && !name.contains('/'),
        "{name}"
    );
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM upload_chunk".into()).await,
        0,
        "chunks dropped"
    );
    // The answer to the last piece lost on the way: asking again gives the same document, and
    // sending the last piece again does not store it twice.
    let (_, again) = s
        .get(&format!("/api/v1/uploads/{id}"), Some(&patient))
        .await;
    assert_eq!(again["document"]["id"], document["id"], "{again}");
    let last_at = (report.len() - 1) / chunk * chunk;
    let (status, repeated) = patch_chunk(s, &patient, &id, last_at, &report[last_at..]).await;
    assert_eq!(status, StatusCode::CREATED, "{repeated}");
    assert_eq!(repeated["document"]["id"], document["id"]);
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM patient_document".into())
            .await,
        1
    );
    // Sealed at rest, chunks and blob alike.
    let in_the_clear = s
        .scalar(match b {
            Backend::Sqlite => "SELECT COUNT(*) FROM blob WHERE instr(sealed, CAST('abcdefghijklmnop' AS BLOB)) > 0".into(),
            Backend::Postgres => "SELECT COUNT(*) FROM blob WHERE position('abcdefghijklmnop'::bytea in sealed) > 0".into(),
        })
        .await;
    assert_eq!(in_the_clear, 0);

    // A file that is not what was announced, or not what it is named: nothing kept.
    let (status, body) = upload_whole(s, &patient, &own, "Other", "document", &big_pdf(1000)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut changed = big_pdf(2000);
    let (status, started) = s
        .post(
            &uploads,
            Some(&patient),
            json!({"title": "Changed", "category": "document",
              "size": changed.len(), "sha256": hex::encode(sha2::Sha256::digest(&changed))}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    changed[100] ^= 1;
    let (status, body) =
        patch_chunk(s, &patient, started["id"].as_str().unwrap(), 0, &changed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("SHA-256"),
        "{body}"
    );
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00an archive called report.pdf".to_vec();
    let (status, body) = upload_whole(s, &patient, &own, "report.pdf", "report", &zip).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["found"], "application/zip");
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM patient_document".into())
            .await,
        2
    );

    // The doctor reads it whole or from a byte on; others may not, and are audited.
    let download = format!(
        "{}/api/v1/documents/{}",
        s.url,
        document["id"].as_str().unwrap()
    );
    let response = s
        .http
        .get(&download)
        .bearer_auth(&c.doctor_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["accept-ranges"], "bytes");
    assert_eq!(&response.bytes().await.unwrap()[..], &report[..]);
    let response = s
        .http
        .get(&download)
        .bearer_auth(&c.doctor_token)
        .header("Range", "bytes=500000-")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes 500000-{}/{}", report.len() - 1, report.len()).as_str()
    );
    assert_eq!(&response.bytes().await.unwrap()[..], &report[500_000..]);
    // The last bytes; a range the file does not have is 416, never the whole file.
    let response = s
        .http
        .get(&download)
        .bearer_auth(&c.doctor_token)
        .header("Range", "bytes=-1000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        &response.bytes().await.unwrap()[..],
        &report[report.len() - 1000..]
    );
    let response = s
        .http
        .get(&download)
        .bearer_auth(&c.doctor_token)
        .header("Range", format!("bytes={}-", report.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes */{}", report.len()).as_str()
    );
    for token in [&other_patient, &other_doctor, &c.desk_a] {
        assert_eq!(
            s.http
                .get(&download)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
    }

    // Unfinished uploads do not pile up: a few at a time per person.
    let start_small = json!({"title": "Scan", "category": "image", "size": 5000, "sha256": sha});
    let mut started_ok = 0;
    let refused = loop {
        let (status, body) = s.post(&uploads, Some(&patient), start_small.clone()).await;
        if status != StatusCode::CREATED {
            break (status, body);
        }
        started_ok += 1;
        assert!(
            started_ok <= 10,
            "more than ten unfinished uploads were allowed"
        );
    };
    assert_eq!(refused.0, StatusCode::CONFLICT, "{}", refused.1);
    assert!(refused.1["message"]
        .as_str()
        .unwrap()
        .contains("not finished"));

    // A report from the doctor is "ready" for the patient until the patient opens it.
    let (status, body) = upload_whole(
        s,
        &c.doctor_token,
        &own,
        "X-ray report",
        "report",
        &big_pdf(3000),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let from_doctor = body["document"]["id"].as_str().unwrap().to_owned();
    let (_, list) = s
        .get(&format!("/api/v1/patients/{own}/documents"), Some(&patient))
        .await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == from_doctor.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["uploaded_by_role"], "doctor");
    assert_eq!(listed["seen_by_patient_at"], Value::Null);
    let response = s
        .http
        .get(format!("{}/api/v1/documents/{from_doctor}", s.url))
        .bearer_auth(&patient)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, list) = s
        .get(&format!("/api/v1/patients/{own}/documents"), Some(&patient))
        .await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == from_doctor.as_str())
        .unwrap()
        .clone();
    assert_ne!(
        listed["seen_by_patient_at"],
        Value::Null,
        "seen once the patient opened it"
    );

    // The chart: the patient, documents, one timeline with the visit, the documents, a message.
    assert_eq!(
        push_one(s, &patient, message(9, 1, "I sent my blood report."))
            .await
            .answer(),
        Applied
    );
    let chart = format!("/api/v1/patients/{own}/chart");
    let (status, view) = s.get(&chart, Some(&c.doctor_token)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        view["patient"]["demographics"]["full_name"],
        "Rahima Khatun"
    );
    assert_eq!(view["documents"].as_array().unwrap().len(), 3);
    let kinds: Vec<&str> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in ["visit", "document", "message"] {
        assert!(kinds.contains(&kind), "{kinds:?}");
    }
    let times: Vec<chrono::DateTime<chrono::Utc>> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_value(e["at"].clone()).unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert_eq!(
        s.get(&chart, Some(&patient)).await.0,
        StatusCode::OK,
        "the patient's own"
    );
    // Only a treating doctor's desk fetches ahead; anyone else asking so is audited as reading.
    assert_eq!(
        s.get(&format!("{chart}?prefetch=true"), Some(&patient))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(audit_chain(s).await.last().unwrap().action, "read_chart");
    assert_eq!(
        s.get(&format!("{chart}?prefetch=true"), Some(&c.doctor_token))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        audit_chain(s).await.last().unwrap().action,
        "prefetch_chart"
    );

    // Another doctor: refused; with a reason, break-glass — flagged in the audit. The desk
    // never, reason or not.
    assert_eq!(
        s.get(&chart, Some(&other_doctor)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = s
        .get(&format!("{chart}?break_glass=urgent"), Some(&other_doctor))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = s
        .get(
            &format!("{chart}?break_glass=Unconscious%20in%20emergency%2C%20allergies%20needed"),
            Some(&other_doctor),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.get(
            &format!("{chart}?break_glass=Unconscious%20in%20emergency"),
            Some(&c.desk_a)
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let chain = audit_chain(s).await;
    let glass: Vec<_> = chain.iter().filter(|e| e.action == "break_glass").collect();
    assert_eq!(glass.len(), 1, "{chain:?}");
    assert!(glass[0].subject.contains("allergies needed"));
    for refused in [
        "refused_upload",
        "refused_read_document",
        "refused_read_chart",
    ] {
        assert!(
            chain.iter().any(|e| e.action == refused),
            "{refused} not audited: {chain:?}"
        );
    }
    assert_eq!(verify_audit(s).await, Ok(()));

    // The admins' viewer: filtered, named, and it says when the chain is broken. Nobody else.
    let (status, page) = s
        .get("/api/v1/audit?action=break_glass", Some(&c.admin))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);
    assert_eq!(page["chain_broken"], Value::Null);
    assert_eq!(
        page["names"][page["entries"][0]["actor"].as_str().unwrap()],
        "dr.other@clinic.test"
    );
    let (_, page) = s
        .get(
            &format!("/api/v1/audit?patient={own}&limit=3"),
            Some(&c.admin),
        )
        .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 3, "{page}");
    assert!(
        page["entries"][0]["seq"].as_i64() > page["entries"][1]["seq"].as_i64(),
        "newest first"
    );
    for token in [&c.doctor_token, &c.desk_a, &patient] {
        assert_eq!(
            s.get("/api/v1/audit", Some(token)).await.0,
            StatusCode::FORBIDDEN
        );
    }
    // Each entry names the device the reader signed in from; it is part of the chain.
    let (status, grant) = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": "dr.rahman@clinic.test", "password": DOCTOR_PW,
                   "device_name": "Consultation room 2"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    let from_room = grant["token"].as_str().unwrap().to_owned();
    assert_eq!(s.get(&chart, Some(&from_room)).await.0, StatusCode::OK);
    let chain = audit_chain(s).await;
    let last = chain.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.device.as_str()),
        ("read_chart", "Consultation room 2")
    );
    assert_eq!(verify_audit(s).await, Ok(()));
    s.exec("UPDATE audit_entry SET device = 'Reception' WHERE device = 'Consultation room 2'")
        .await;
    assert!(
        matches!(
            verify_audit(s).await,
            Err(clinic_sync::audit::ChainBroken::Altered { .. })
        ),
        "a changed device is found"
    );
    s.exec("UPDATE audit_entry SET device = 'Consultation room 2' WHERE device = 'Reception'")
        .await;
    s.exec("DELETE FROM audit_entry WHERE seq = 3").await;
    let (_, page) = s.get("/api/v1/audit", Some(&c.admin)).await;
    assert!(
        page["chain_broken"].as_str().unwrap().contains('3'),
        "{page}"
    );
}

on_both_backends!(records_upload_in_chunks_resume_and_the_chart_shows_them,);
