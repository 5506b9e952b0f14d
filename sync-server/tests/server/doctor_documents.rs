//! Doctors' documents: credentials checked by content, read only by admins and their doctor.

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

async fn doctors_upload_credentials_checked_by_content_that_only_admins_and_they_read(b: Backend) {
    use sha2::Digest;
    let c = clinic(b, 0).await;
    let (status, doc) = upload(&c.s, &c.doctor_token, &c.doctor, "credential", PDF).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["kind"], "pdf");
    assert_eq!(doc["size"], PDF.len());
    assert_eq!(doc["sha256"], hex::encode(sha2::Sha256::digest(PDF)));
    let name = doc["file_name"].as_str().unwrap();
    assert!(
        name.starts_with("credential-") && name.ends_with(".pdf"),
        "{name}"
    );

    // Named nothing like what it is: a zip archive, a script, a PDF cut short, a PDF as a photo.
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00an archive called degree.pdf";
    for (purpose, content, found) in [
        ("credential", &zip[..], json!("application/zip")),
        (
            "credential",
            &b"#!/bin/sh\necho hi\n"[..],
            json!("text/x-shellscript"),
        ),
        ("credential", &PDF[..20], json!("application/pdf")),
        ("photo", PDF, json!("application/pdf")),
    ] {
        let (status, body) = upload(&c.s, &c.doctor_token, &c.doctor, purpose, content).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["fields"][0]["field"], "file");
        assert_eq!(body["fields"][0]["problem"], "not_accepted_file", "{body}");
        assert_eq!(body["fields"][0]["found"], found, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("not a PDF, JPEG or PNG"),
            "{body}"
        );
    }
    let (status, body) = upload(&c.s, &c.doctor_token, &c.doctor, "résumé", PDF).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("purpose=credential"));
    let (_, list) = documents(&c.s, &c.doctor_token, &c.doctor, "credential").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "nothing refused was kept: {list}"
    );

    // Too large: refused from the declared length while the body is still on its way; a photo
    // has its own, smaller limit.
    let answer = declared_upload(&c, "credential", 50 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("10240 KiB"), "{answer}");
    let answer = declared_upload(&c, "photo", 3 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("2048 KiB"), "{answer}");

    // Read by the doctor and the admins only; the download is the same bytes, as a download.
    let id = doc["id"].as_str().unwrap();
    let other = staff(&c.s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_token = c.s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&other_token, &c.desk_a] {
        let (status, _) = documents(&c.s, token, &c.doctor, "credential").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) =
            c.s.get(
                &format!("/api/v1/doctors/{}/documents/{id}", c.doctor),
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = upload(&c.s, &other_token, &c.doctor, "credential", PDF).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nobody uploads for another doctor"
    );
    let (status, _) =
        c.s.get(
            &format!("/api/v1/doctors/{other}/documents/{id}"),
            Some(&c.admin),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a document belongs to its doctor"
    );
    let response =
        c.s.http
            .get(format!(
                "{}/api/v1/doctors/{}/documents/{id}",
                c.s.url, c.doctor
            ))
            .bearer_auth(&c.admin)
            .send()
            .await
            .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"{name}\"")
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);

    // A photo is the directory's: any signed-in person may see it.
    let png: Vec<u8> = [
        &[
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
        ][..],
        &[0; 17],
        &[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82],
    ]
    .concat();
    let (status, photo) = upload(&c.s, &c.doctor_token, &c.doctor, "photo", &png).await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let (status, list) = documents(&c.s, &c.desk_a, &c.doctor, "photo").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["id"], photo["id"]);

    // Rejected credentials, then a new upload: back in the admins' queue.
    let verification = format!("/api/v1/doctors/{}/verification", c.doctor);
    let (status, _) =
        c.s.put(
            &verification,
            Some(&c.admin),
            json!({"status": "rejected", "reason": "Unreadable scan"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = upload(&c.s, &c.doctor_token, &c.doctor, "credential", PDF).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, pulled) = c.s.get("/api/v1/sync/pull?after=0", Some(&c.desk_a)).await;
    let last = pulled["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|ch| ch["kind"] == "doctor" && ch["id"] == json!(c.doctor))
        .cloned()
        .unwrap();
    assert_eq!(last["verification"]["status"], "pending", "{last}");
}

on_both_backends!(doctors_upload_credentials_checked_by_content_that_only_admins_and_they_read,);
