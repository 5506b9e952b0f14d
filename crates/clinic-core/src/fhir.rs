//! A patient's whole record as **FHIR R4** (4.0.1) JSON: one `collection` Bundle with the
//! Patient, an Encounter per visit, Observations for the vital signs (LOINC codes, UCUM units),
//! Conditions, AllergyIntolerances, a MedicationRequest per prescribed medicine, and
//! DocumentReferences for uploaded reports and for each consultation's note. Pure: the caller
//! gathers the record and says what time it is.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::account::Sex;
use crate::appointment::{AppointmentRecord, Status};
use crate::availability::ConsultationType;
use crate::chart::{ClinicalSummary, PatientDocument};
use crate::consultation::NoteRecord;
use crate::prescription::{PrescriptionRecord, PrescriptionStatus};
use crate::sync::PatientRecord;

/// Everything a record export holds.
pub struct RecordExport<'a> {
    pub patient: &'a PatientRecord,
    pub summary: &'a ClinicalSummary,
    /// Each appointment with its doctor's name and its note, if one was written.
    pub visits: &'a [(AppointmentRecord, String, Option<NoteRecord>)],
    /// Issued (and superseded) prescriptions.
    pub prescriptions: &'a [PrescriptionRecord],
    pub documents: &'a [PatientDocument],
    /// The doctors' names by id, for prescriptions.
    pub doctor_names: &'a std::collections::HashMap<crate::UserId, String>,
    /// The address people reach the clinic's server at (`https://clinic.example:8750`, no
    /// trailing slash): each entry's `fullUrl` is `<base_url>/fhir/<type>/<id>`, so the
    /// Bundle's `Patient/<id>` references resolve inside it, and documents are downloaded
    /// from `<base_url>/api/v1/documents/<id>`.
    pub base_url: &'a str,
}

/// When a visit took place: from the start of the consultation (or the patient's arrival) to
/// its completion; a visit still to come has its booked slot.
fn visit_period(appointment: &AppointmentRecord) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let when = |status| {
        appointment
            .history
            .iter()
            .find(|c| c.status == status)
            .map(|c| c.at)
    };
    let started = when(Status::InConsultation).or_else(|| when(Status::CheckedIn));
    let ended = when(Status::Completed);
    match (started, appointment.slot) {
        (Some(start), _) => Some((start, ended)),
        (None, Some(slot)) => Some((slot.start, Some(slot.end))),
        (None, None) => appointment.history.first().map(|h| (h.at, None)),
    }
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn reference(kind: &str, id: impl std::fmt::Display) -> Value {
    json!({ "reference": format!("{kind}/{id}") })
}

fn encounter_status(status: Status) -> &'static str {
    match status {
        Status::Requested | Status::Confirmed => "planned",
        Status::CheckedIn => "arrived",
        Status::InConsultation => "in-progress",
        Status::Completed => "finished",
        Status::Cancelled | Status::Rejected | Status::NoShow | Status::Rescheduled => "cancelled",
    }
}

fn quantity(value: f64, unit: &str, code: &str) -> Value {
    json!({ "value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": code })
}

fn loinc(code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": "http://loinc.org", "code": code, "display": display }], "text": display })
}

/// One vital sign: its id suffix, LOINC code and name, value, unit as shown and UCUM code.
type VitalSign = (
    &'static str,
    &'static str,
    &'static str,
    Option<f64>,
    &'static str,
    &'static str,
);

/// The vital-sign Observations of one note.
fn vitals(patient: &str, note: &NoteRecord, out: &mut Vec<Value>) {
    let v = &note.current().vitals;
    let base = |id: String, code: Value| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "category": [{ "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs", "display": "Vital Signs" }] }],
            "code": code,
            "subject": reference("Patient", patient),
            "encounter": reference("Encounter", note.appointment),
            "effectiveDateTime": instant(note.written_at),
        })
    };
    let id = |what: &str| format!("{}-{what}", note.appointment);
    if let (Some(sys), Some(dia)) = (v.systolic_mmhg, v.diastolic_mmhg) {
        let mut o = base(id("bp"), loinc("85354-9", "Blood pressure panel"));
        o["component"] = json!([
            { "code": loinc("8480-6", "Systolic blood pressure"),
              "valueQuantity": quantity(f64::from(sys), "mmHg", "mm[Hg]") },
            { "code": loinc("8462-4", "Diastolic blood pressure"),
              "valueQuantity": quantity(f64::from(dia), "mmHg", "mm[Hg]") },
        ]);
        out.push(o);
    }
    let single: [VitalSign; 4] = [
        (
            "pulse",
            "8867-4",
            "Heart rate",
            v.pulse_bpm.map(f64::from),
            "/min",
            "/min",
        ),
        (
            "temperature",
            "8310-5",
            "Body temperature",
            v.temperature_decidegrees_c.map(|t| f64::from(t) / 10.0),
            "°C",
            "Cel",
        ),
        (
            "weight",
            "29463-7",
            "Body weight",
            v.weight_decikilograms.map(|w| f64::from(w) / 10.0),
            "kg",
            "kg",
        ),
        (
            "spo2",
            "59408-5",
            "Oxygen saturation in Arterial blood by Pulse oximetry",
            v.spo2_percent.map(f64::from),
            "%",
            "%",
        ),
    ];
    for (what, code, display, value, unit, ucum) in single {
        if let Some(value) = value {
            let mut o = base(id(what), loinc(code, display));
            o["valueQuantity"] = quantity(value, unit, ucum);
            out.push(o);
        }
    }
}

/// The record as a FHIR R4 Bundle (`type: collection`), made at `now`.
pub fn bundle(record: &RecordExport<'_>, now: DateTime<Utc>) -> Value {
    let p = record.patient;
    let pid = p.id.to_string();
    let mut resources = Vec::new();

    let mut patient = json!({
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{ "system": "urn:clinic-desk:patient-number", "value": p.patient_number }],
        "name": [{ "text": p.demographics.full_name }],
    });
    if let Some(sex) = p.demographics.sex {
        patient["gender"] = json!(match sex {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
        });
    }
    if let Some(born) = p.demographics.date_of_birth {
        patient["birthDate"] = json!(born.format("%Y-%m-%d").to_string());
    }
    let mut telecom = Vec::new();
    if let Some(phone) = &p.demographics.phone {
        telecom.push(json!({ "system": "phone", "value": phone }));
    }
    if let Some(email) = &p.demographics.email {
        telecom.push(json!({ "system": "email", "value": email }));
    }
    if !telecom.is_empty() {
        patient["telecom"] = json!(telecom);
    }
    if let Some(address) = &p.demographics.address {
        patient["address"] = json!([{ "text": address }]);
    }
    resources.push(patient);

    for (i, allergy) in record.summary.allergies.iter().enumerate() {
        let mut a = json!({
            "resourceType": "AllergyIntolerance",
            "id": format!("{pid}-allergy-{i}"),
            "clinicalStatus": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                "code": "active" }] },
            "code": { "text": allergy.substance },
            "patient": reference("Patient", &pid),
        });
        if !allergy.reaction.is_empty() {
            a["reaction"] = json!([{ "manifestation": [{ "text": allergy.reaction }] }]);
        }
        resources.push(a);
    }
    for (i, condition) in record.summary.conditions.iter().enumerate() {
        let mut c = json!({
            "resourceType": "Condition",
            "id": format!("{pid}-condition-{i}"),
            "clinicalStatus": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active" }] },
            "code": { "text": condition.name },
            "subject": reference("Patient", &pid),
        });
        if let Some(since) = condition.since {
            c["onsetDateTime"] = json!(since.format("%Y-%m-%d").to_string());
        }
        resources.push(c);
    }

    for (appointment, doctor, note) in record.visits {
        let (class, display) = match appointment.consultation {
            ConsultationType::Video => ("VR", "virtual"),
            ConsultationType::InPerson => ("AMB", "ambulatory"),
        };
        let mut e = json!({
            "resourceType": "Encounter",
            "id": appointment.id.to_string(),
            "status": encounter_status(appointment.status),
            "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                       "code": class, "display": display },
            "subject": reference("Patient", &pid),
            "participant": [{ "individual": { "display": doctor } }],
        });
        if let Some((start, end)) = visit_period(appointment) {
            let mut period = json!({ "start": instant(start) });
            if let Some(end) = end {
                period["end"] = json!(instant(end));
            }
            e["period"] = period;
        }
        if let Some(reason) = appointment.reason.as_deref().filter(|r| !r.is_empty()) {
            e["reasonCode"] = json!([{ "text": reason }]);
        }
        resources.push(e);
        if let Some(note) = note {
            vitals(&pid, note, &mut resources);
            let n = note.current();
            let text = format!(
                "Subjective: {}\nObjective: {}\nAssessment: {}\nPlan: {}",
                n.subjective, n.objective, n.assessment, n.plan
            );
            use base64::Engine;
            resources.push(json!({
                "resourceType": "DocumentReference",
                "id": format!("{}-note", note.appointment),
                "status": "current",
                // Final once the consultation is completed (the note locks then), amended or not.
                "docStatus": if note.locked_at.is_some() || appointment.status == Status::Completed {
                    "final"
                } else {
                    "preliminary"
                },
                "type": loinc("11506-3", "Progress note"),
                "subject": reference("Patient", &pid),
                "date": instant(note.written_at),
                "author": [{ "display": doctor }],
                "description": "Consultation note (SOAP)",
                "content": [{ "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
                    "title": "Consultation note" } }],
                "context": { "encounter": [reference("Encounter", note.appointment)] },
            }));
        }
    }

    for prescription in record.prescriptions {
        let Some(issued) = prescription.issued_at else {
            continue;
        };
        let doctor = record
            .doctor_names
            .get(&prescription.doctor)
            .cloned()
            .unwrap_or_default();
        for (i, item) in prescription.form.items.iter().enumerate() {
            let until = issued + Duration::days(i64::from(item.duration_days));
            let status = match prescription.status {
                PrescriptionStatus::Superseded => "cancelled",
                _ if until > now => "active",
                _ => "completed",
            };
            let name = [
                item.medicine.as_str(),
                item.strength.as_str(),
                item.form.as_str(),
            ]
            .iter()
            .filter(|t| !t.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
            let mut how = vec![
                item.dose.clone(),
                item.frequency.clone(),
                format!("{} days", item.duration_days),
            ];
            if !item.instructions.is_empty() {
                how.push(item.instructions.clone());
            }
            let mut dosage = json!({ "text": how.join(" · ") });
            if !item.instructions.is_empty() {
                dosage["patientInstruction"] = json!(item.instructions);
            }
            let mut m = json!({
                "resourceType": "MedicationRequest",
                "id": format!("{}-{i}", prescription.id),
                "status": status,
                "intent": "order",
                "medicationCodeableConcept": { "text": name },
                "subject": reference("Patient", &pid),
                "encounter": reference("Encounter", prescription.appointment),
                "authoredOn": instant(issued),
                "requester": { "display": doctor },
                "dosageInstruction": [dosage],
                "dispenseRequest": { "expectedSupplyDuration": quantity(f64::from(item.duration_days), "days", "d") },
            });
            if let Some(code) = &prescription.code {
                m["groupIdentifier"] =
                    json!({ "system": "urn:clinic-desk:verification-code", "value": code });
            }
            resources.push(m);
        }
    }

    for d in record.documents {
        resources.push(json!({
            "resourceType": "DocumentReference",
            "id": d.id.to_string(),
            "status": "current",
            "type": { "text": d.category.as_str() },
            "subject": reference("Patient", &pid),
            "date": instant(d.uploaded_at),
            "description": d.title,
            "content": [{ "attachment": {
                "contentType": d.kind.mime(),
                "url": format!("{}/api/v1/documents/{}", record.base_url, d.id),
                "size": d.size,
                "title": d.file_name,
                "creation": instant(d.uploaded_at) } }],
        }));
    }

    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": instant(now),
        "entry": resources
            .into_iter()
            .map(|r| {
                let full_url = format!(
                    "{}/fhir/{}/{}",
                    record.base_url,
                    r["resourceType"].as_str().unwrap_or_default(),
                    r["id"].as_str().unwrap_or_default()
                );
                json!({ "fullUrl": full_url, "resource": r })
            })
            .collect::<Vec<_>>(),
    })
}
