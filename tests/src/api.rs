//! The sync server's HTTP API, for setting up a story without another app's screens.

use anyhow::{Context, Result};

use crate::*;

/// The sync server's HTTP API, signed in as one person: to put in place what an end-to-end story
/// starts from (an appointment in the book, say) without going through another app's screens.
pub struct ServerApi {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl ServerApi {
    pub async fn sign_in(server_url: &str, login: &Login) -> Result<ServerApi> {
        let http = reqwest::Client::new();
        let grant: serde_json::Value = http
            .post(format!("{server_url}/api/v1/sessions"))
            .json(&serde_json::json!({"email": login.email, "password": login.password}))
            .send()
            .await?
            .json()
            .await?;
        Ok(ServerApi {
            http,
            url: server_url.to_owned(),
            token: grant["token"]
                .as_str()
                .context("a session token")?
                .to_owned(),
        })
    }

    pub async fn get(&self, path: &str) -> Result<serde_json::Value> {
        Ok(self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await?
            .json()
            .await?)
    }

    /// Push one command; its outcome.
    pub async fn push(&self, command: serde_json::Value) -> Result<serde_json::Value> {
        let envelope = serde_json::json!({"version": 1, "id": uuid::Uuid::now_v7(),
            "issued_at": chrono::Utc::now(), "issued_by": uuid::Uuid::nil(), "command": command});
        let answer: serde_json::Value = self
            .http
            .post(format!("{}/api/v1/sync/push", self.url))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({"commands": [envelope]}))
            .send()
            .await?
            .json()
            .await?;
        Ok(answer["outcomes"][0].clone())
    }

    /// A doctor's id, by the name the directory shows.
    pub async fn doctor_id(&self, name: &str) -> Result<String> {
        let doctors = self.get("/api/v1/doctors").await?;
        Ok(doctors
            .as_array()
            .context("doctors")?
            .iter()
            .find(|d| d["display_name"] == name)
            .and_then(|d| d["id"].as_str())
            .with_context(|| format!("no doctor {name}"))?
            .to_owned())
    }

    /// The patients' records this person may pull, in change-log order.
    pub async fn patients(&self) -> Result<Vec<serde_json::Value>> {
        let pulled = self.get("/api/v1/sync/pull?after=0&limit=500").await?;
        Ok(pulled["changes"]
            .as_array()
            .context("changes")?
            .iter()
            .filter(|c| c["kind"] == "patient")
            .cloned()
            .collect())
    }

    /// Queue `patient` as a walk-in with `doctor` (in person or "video"); today, always.
    pub async fn walk_in(&self, patient: &str, doctor: &str, consultation: &str) -> Result<()> {
        let outcome = self
            .push(serde_json::json!({"kind": "book_appointment",
                "appointment": uuid::Uuid::now_v7(), "patient": patient, "doctor": doctor,
                "consultation": consultation, "origin": "walk_in", "start": null}))
            .await?;
        anyhow::ensure!(outcome["outcome"] == "applied", "{outcome}");
        Ok(())
    }
}
