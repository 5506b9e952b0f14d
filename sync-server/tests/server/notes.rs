//! Consultation notes: locked at completion, amendments after, every write audited.

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

async fn notes_lock_at_completion_and_later_changes_are_amendments(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let patient = &c.patients[0];
    assert_eq!(
        push_one(
            s,
            &c.desk_a,
            book(1, 1, patient, &c.doctor, Some(&local(1, 9, 0)))
        )
        .await
        .answer(),
        Applied
    );
    let path = format!("/api/v1/appointments/{}/note", uuid(0xa000, 1));
    let note = |plan: &str| {
        json!({"note": {"subjective": "Fever for three days", "objective": "Throat red",
                        "assessment": "Pharyngitis", "plan": plan,
                        "vitals": {"systolic_mmhg": 120, "diastolic_mmhg": 80,
                                   "temperature_decidegrees_c": 384, "pulse_bpm": 96}}})
    };
    let (status, body) = s.put(&path, Some(&c.doctor_token), note("Rest")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("start it first"),
        "{body}"
    );

    for (token, step_name, n) in [(&c.desk_a, "check_in", 2), (&c.doctor_token, "start", 3)] {
        assert_eq!(
            push_one(s, token, step(n, 1, step_name, None))
                .await
                .answer(),
            Applied
        );
    }
    // A draft while the consultation runs: written, then simply rewritten.
    let (status, view) = s.put(&path, Some(&c.doctor_token), note("Rest")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["locked"], false);
    let (status, view) = s
        .put(&path, Some(&c.doctor_token), note("Rest, fluids"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["record"]["note"]["plan"], "Rest, fluids");
    assert_eq!(view["record"]["amendments"], json!([]));
    // Implausible vitals are named, and nothing is written.
    let mut wrong = note("Rest");
    wrong["note"]["vitals"]["pulse_bpm"] = json!(700);
    wrong["note"]["vitals"]["diastolic_mmhg"] = json!(130);
    let (status, body) = s.put(&path, Some(&c.doctor_token), wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["pulse_bpm", "diastolic_mmhg"], "{body}");
    assert_eq!(body["fields"][1]["problem"], "not_below_systolic");

    // Nobody else writes or reads it.
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&c.desk_a, &other, &c.admin] {
        assert_eq!(
            s.put(&path, Some(token), note("x")).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(s.get(&path, Some(token)).await.0, StatusCode::FORBIDDEN);
    }

    // Completed: the note is locked. A change needs a reason and becomes an amendment.
    assert_eq!(
        push_one(s, &c.doctor_token, step(4, 1, "complete", None))
            .await
            .answer(),
        Applied
    );
    let (status, body) = s
        .put(&path, Some(&c.doctor_token), note("Antibiotics"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["field"], "reason");
    let mut amended = note("Antibiotics");
    amended["reason"] = json!("The throat swab came back positive");
    let (status, view) = s.put(&path, Some(&c.doctor_token), amended).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["locked"], true);
    assert_eq!(
        view["record"]["note"]["plan"], "Rest, fluids",
        "the original stays"
    );
    assert_eq!(
        view["record"]["amendments"][0]["note"]["plan"],
        "Antibiotics"
    );
    assert_eq!(view["record"]["amendments"][0]["changed"], json!(["plan"]));
    assert_eq!(view["record"]["amendments"][0]["by"], c.doctor.as_str());

    // The history: the treating doctor reads it, the note as it reads now; others may not.
    let history = format!("/api/v1/patients/{patient}/consultations");
    let (status, list) = s.get(&history, Some(&c.doctor_token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["note"]["plan"], "Antibiotics");
    assert_eq!(list[0]["amendments"], 1);
    assert_eq!(list[0]["doctor_name"], "Dr. Mizanur Rahman");
    for token in [&other, &c.desk_a, &c.admin] {
        assert_eq!(s.get(&history, Some(token)).await.0, StatusCode::FORBIDDEN);
    }

    // Every read and change was audited, and every refusal, in an unbroken chain; a removed or
    // edited entry is found, and where.
    let chain = audit_chain(s).await;
    let actions: Vec<&str> = chain.iter().map(|e| e.action.as_str()).collect();
    let refused_each = ["refused_write_note", "refused_read_note"];
    assert_eq!(
        actions,
        [
            &["write_note", "write_note"][..],
            &refused_each,
            &refused_each,
            &refused_each,
            &["amend_note", "read_history"],
            &["refused_read_history"; 3],
        ]
        .concat(),
        "{chain:?}"
    );
    assert!(chain.iter().all(|e| e.patient == *patient));
    assert_eq!(verify_audit(s).await, Ok(()));
    let (status, _) = s.get(&path, Some(&c.doctor_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audit_chain(s).await.last().unwrap().action, "read_note");
    s.exec("UPDATE audit_entry SET actor = 'someone else' WHERE seq = 2")
        .await;
    assert_eq!(
        verify_audit(s).await,
        Err(clinic_sync::audit::ChainBroken::Altered { seq: 2 })
    );
    s.exec("DELETE FROM audit_entry WHERE seq = 2").await;
    assert!(matches!(
        verify_audit(s).await,
        Err(clinic_sync::audit::ChainBroken::Missing { seq: 2, .. })
    ));
}

on_both_backends!(notes_lock_at_completion_and_later_changes_are_amendments,);
