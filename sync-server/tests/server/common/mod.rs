//! Shared by the server's test modules: a real server in-process on a loopback port, on SQLite or
//! on a fresh PostgreSQL database (`CLINIC_TEST_POSTGRES_URL`, which scripts/test.sh starts).
#![allow(dead_code)]

pub mod clinic;

use std::time::Duration;

use clinic_sync::settings::Settings;
use clinic_sync::storage::prelude::*;
use clinic_sync::{accounts, PostgresStorage, SqliteStorage};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[derive(Clone)]
pub enum AnyStorage {
    Sqlite(SqliteStorage),
    Postgres(PostgresStorage),
}

/// A server started by `clinic_sync::testing` (it stops when dropped).
enum Serving {
    Sqlite(clinic_sync::testing::Spawned<SqliteStorage>),
    Postgres(clinic_sync::testing::Spawned<PostgresStorage>),
}

pub struct TestServer {
    pub url: String,
    pub storage: AnyStorage,
    pub http: reqwest::Client,
    _serving: Serving,
    _dir: tempfile::TempDir,
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub async fn fresh_postgres_database() -> String {
    let admin_url = std::env::var("CLINIC_TEST_POSTGRES_URL").expect(
        "CLINIC_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts a throwaway PostgreSQL",
    );
    let name = format!("clinic_test_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin_url)
        .await
        .expect("PostgreSQL answers");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (base, _) = admin_url.rsplit_once('/').expect("URL names a database");
    format!("{base}/{name}")
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, Settings::default()).await
    }

    pub async fn start_with(backend: Backend, mut settings: Settings) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        settings.data_dir = dir.path().to_owned();
        let storage = match backend {
            Backend::Sqlite => AnyStorage::Sqlite(
                SqliteStorage::connect(&settings.sqlite_path())
                    .await
                    .unwrap(),
            ),
            Backend::Postgres => {
                let url = fresh_postgres_database().await;
                AnyStorage::Postgres(PostgresStorage::connect(&url).await.unwrap())
            }
        };
        // Served at its own loopback address, which is also the address it says it has (as a
        // clinic would set it).
        let serving = match storage.clone() {
            AnyStorage::Sqlite(s) => {
                s.migrate().await.unwrap();
                Serving::Sqlite(
                    clinic_sync::testing::serve_storage(s, settings)
                        .await
                        .unwrap(),
                )
            }
            AnyStorage::Postgres(s) => {
                s.migrate().await.unwrap();
                Serving::Postgres(
                    clinic_sync::testing::serve_storage(s, settings)
                        .await
                        .unwrap(),
                )
            }
        };
        let url = match &serving {
            Serving::Sqlite(s) => s.url.clone(),
            Serving::Postgres(s) => s.url.clone(),
        };
        TestServer {
            url,
            storage,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            _serving: serving,
            _dir: dir,
        }
    }

    pub async fn admin(&self, email: &str, password: &str) {
        let made = match &self.storage {
            AnyStorage::Sqlite(s) => accounts::create_admin(s, email, "Test Admin", password).await,
            AnyStorage::Postgres(s) => {
                accounts::create_admin(s, email, "Test Admin", password).await
            }
        };
        made.unwrap();
    }

    pub async fn exec(&self, sql: &'static str) {
        match &self.storage {
            AnyStorage::Sqlite(s) => sqlx::query(sql).execute(&s.pool).await.map(|_| ()),
            AnyStorage::Postgres(s) => sqlx::query(sql).execute(&s.pool).await.map(|_| ()),
        }
        .unwrap();
    }

    /// Run one statement, returning the database's error if it refuses.
    pub async fn try_exec(&self, sql: String) -> Result<(), sqlx::Error> {
        match &self.storage {
            AnyStorage::Sqlite(s) => sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&s.pool)
                .await
                .map(|_| ()),
            AnyStorage::Postgres(s) => sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&s.pool)
                .await
                .map(|_| ()),
        }
    }

    /// A number from the database (a `count(*)`, say).
    pub async fn scalar(&self, sql: String) -> i64 {
        match &self.storage {
            AnyStorage::Sqlite(s) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&s.pool)
                    .await
            }
            AnyStorage::Postgres(s) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&s.pool)
                    .await
            }
        }
        .unwrap()
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, path, token, Some(body))
            .await
    }

    pub async fn count_accounts(&self) -> i64 {
        match &self.storage {
            AnyStorage::Sqlite(s) => s.count_accounts().await,
            AnyStorage::Postgres(s) => s.count_accounts().await,
        }
        .unwrap()
    }

    pub async fn seed_demo(
        &self,
        dir: &std::path::Path,
    ) -> Result<Option<(Vec<accounts::Credential>, std::path::PathBuf)>, anyhow::Error> {
        match &self.storage {
            AnyStorage::Sqlite(s) => accounts::seed_demo_clinic(s, dir).await,
            AnyStorage::Postgres(s) => accounts::seed_demo_clinic(s, dir).await,
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "/api/v1/sessions",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn sign_up(&self, email: &str, name: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/patients",
            None,
            json!({"email": email, "password": "a long patient password", "full_name": name,
                   "phone": "+880 1712-345678", "date_of_birth": "1990-04-14", "sex": "female"}),
        )
        .await
    }
}

pub const ADMIN: &str = "admin@clinic.test";
pub const ADMIN_PW: &str = "admin password 1";

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(super::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(super::Backend::Postgres).await } )*
        }
    };
}
pub(crate) use on_both_backends;
