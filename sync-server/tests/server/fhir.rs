//! The whole record exported as FHIR R4, checked by a strict validator.

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Run two independent FHIR R4 validators on `bundle` — the official JSON Schema, and the R4
/// model of fhir.resources with the Bundle rules a strict consumer holds it to (fullUrl,
/// references resolved inside the Bundle, absolute attachment URLs); their complaints, if any.
pub(crate) fn fhir_problems(bundle: &Value) -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, serde_json::to_vec(bundle).unwrap()).unwrap();
    // scripts/setup.sh makes the validator's virtual environment here.
    let fhir_python = std::env::var("CLINIC_FHIR_PYTHON").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/clinic-desk/fhir-venv/bin/python")
    });
    let runs = [
        std::process::Command::new("python3")
            .arg(root.join("scripts/check-fhir.py"))
            .arg(root.join("tests/fixtures/fhir/fhir.schema.json.gz"))
            .arg(&file)
            .output()
            .expect("python3 with jsonschema (scripts/setup.sh installs python3-jsonschema)"),
        std::process::Command::new(&fhir_python)
            .arg(root.join("scripts/check-fhir-resources.py"))
            .arg(&file)
            .output()
            .unwrap_or_else(|e| {
                panic!("{fhir_python}: {e} (scripts/setup.sh makes the fhir.resources venv)")
            }),
    ];
    let said: String = runs
        .iter()
        .filter(|out| !out.status.success())
        .map(|out| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .collect();
    if said.is_empty() {
        Ok(())
    } else {
        Err(said)
    }
}

async fn the_whole_record_exports_as_valid_fhir_r4(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    let (patient, own) = patient_booked(&c).await;
    for (token, step_name, n) in [(&c.desk_a, "check_in", 2), (&c.doctor_token, "start", 3)] {
        assert_eq!(
            push_one(s, token, step(n, 1, step_name, None))
                .await
                .answer(),
            Applied
        );
    }
    let appointment = uuid(0xa000, 1);
    let (status, body) = s
        .put(
            &format!("/api/v1/appointments/{appointment}/note"),
            Some(&c.doctor_token),
            json!({"note": {"subjective": "Cough for a week", "objective": "Wheeze",
                    "assessment": "Asthma, flare", "plan": "Inhaler",
                    "vitals": {"systolic_mmhg": 128, "diastolic_mmhg": 82, "pulse_bpm": 88,
                               "temperature_decidegrees_c": 372, "weight_decikilograms": 615,
                               "spo2_percent": 96}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = s
        .put(&format!("/api/v1/patients/{own}/clinical"), Some(&c.doctor_token),
             json!({"allergies": [{"substance": "Penicillin", "reaction": "rash"}, {"substance": "Dust"}],
                    "conditions": [{"name": "Asthma", "since": "2019-03-01"}]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let rx = format!("/api/v1/appointments/{appointment}/prescription");
    let (status, _) = s
        .put(
            &rx,
            Some(&c.doctor_token),
            json!({"items": [medicine("Salbutamol", 30), medicine("Montelukast", 14)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.post(&format!("{rx}/issue"), Some(&c.doctor_token), json!({}))
            .await
            .0,
        StatusCode::OK
    );
    s.post(
        &format!("/api/v1/patients/{own}/consents"),
        Some(&patient),
        json!({"purpose": "store_uploaded_records"}),
    )
    .await;
    let (status, _) = upload_whole(s, &patient, &own, "Chest X-ray", "image", &big_pdf(4000)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        push_one(s, &c.doctor_token, step(4, 1, "complete", None))
            .await
            .answer(),
        Applied
    );

    let export = format!("/api/v1/patients/{own}/export/fhir");
    let (status, bundle) = s.get(&export, Some(&c.doctor_token)).await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    fhir_problems(&bundle).unwrap_or_else(|p| panic!("not valid FHIR R4:\n{p}\n{bundle}"));
    let resource = |kind: &str| {
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resource"]["resourceType"] == kind)
            .unwrap()
            .clone()
    };
    // A strict consumer's view: every entry named by an absolute fullUrl its references
    // resolve against, the completed consultation's note final, the visit when it took place.
    let patient_entry = resource("Patient");
    assert_eq!(
        patient_entry["fullUrl"],
        format!("{}/fhir/Patient/{own}", s.url),
        "{patient_entry}"
    );
    let note = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["id"] == format!("{appointment}-note"))
        .unwrap();
    assert_eq!(note["resource"]["docStatus"], "final", "{note}");
    let period = &resource("Encounter")["resource"]["period"];
    let (started, ended) = (
        period["start"].as_str().unwrap(),
        period["end"].as_str().unwrap(),
    );
    assert!(started <= ended, "{period}");
    assert_ne!(
        started,
        local(1, 9, 0),
        "the visit took place now, not at its booked slot tomorrow"
    );
    let xray = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["description"] == "Chest X-ray")
        .unwrap();
    assert!(
        xray["resource"]["content"][0]["attachment"]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/api/v1/documents/", s.url)),
        "{xray}"
    );
    let count = |kind: &str| {
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["resource"]["resourceType"] == kind)
            .count()
    };
    assert_eq!(count("Patient"), 1);
    assert_eq!(count("Encounter"), 1);
    assert_eq!(
        count("Observation"),
        5,
        "blood pressure, pulse, temperature, weight, SpO2"
    );
    assert_eq!(count("Condition"), 1);
    assert_eq!(count("AllergyIntolerance"), 2);
    assert_eq!(count("MedicationRequest"), 2);
    assert_eq!(count("DocumentReference"), 2, "the note and the X-ray");
    let text = bundle.to_string();
    for want in [
        "8480-6",
        "8867-4",
        "mm[Hg]",
        "Salbutamol",
        "Penicillin",
        "Chest X-ray",
    ] {
        assert!(text.contains(want), "{want} missing");
    }
    assert_eq!(
        s.get(&export, Some(&patient)).await.0,
        StatusCode::OK,
        "the patient's own"
    );
    for token in [&c.desk_a, &c.admin] {
        assert_eq!(s.get(&export, Some(token)).await.0, StatusCode::FORBIDDEN);
    }

    // The validator itself refuses what is not R4: a misspelt element, a code R4 does not
    // know, a required element missing.
    let mut broken = bundle.clone();
    broken["entry"][0]["resource"]["gendr"] = json!("female");
    broken["entry"][0]["resource"]["gender"] = json!("F");
    let observation = broken["entry"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["resource"]["resourceType"] == "Observation")
        .unwrap();
    broken["entry"][observation]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("status");
    broken["entry"][1]
        .as_object_mut()
        .unwrap()
        .remove("fullUrl");
    broken["entry"][2]["resource"]["subject"]["reference"] = json!("Patient/somebody-else");
    let problems = fhir_problems(&broken).unwrap_err();
    for want in [
        "gendr",
        "gender",
        "Observation.status is required",
        "extra fields not permitted",
        "has no fullUrl",
        "'Patient/somebody-else' does not resolve inside the Bundle",
    ] {
        assert!(problems.contains(want), "{want} not named in:\n{problems}");
    }
}

on_both_backends!(the_whole_record_exports_as_valid_fhir_r4,);
