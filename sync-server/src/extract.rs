//! The path and query extractors every handler uses: what a caller got wrong in the address (a
//! malformed id, a value that is not a date) is answered in the API's one error shape, with a
//! safe sentence that names the part — never the parser's own words.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A path parameter (an id), like [`axum::extract::Path`].
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => {
                tracing::debug!(%rejection, "a path the server cannot read");
                Err(ApiError::BadRequest(
                    "The address is not valid: an id in it is malformed.".to_owned(),
                ))
            }
        }
    }
}

/// A query string, like [`axum::extract::Query`].
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => {
                let detail = rejection.body_text();
                tracing::debug!(%detail, "a query the server cannot read");
                Err(ApiError::BadRequest(query_problem(&detail)))
            }
        }
    }
}

/// The sentence for a query that could not be read: the parameter it names when the parser
/// says which (a name of the server's own query types), nothing else of what the parser said.
fn query_problem(detail: &str) -> String {
    let named = detail
        .strip_prefix("Failed to deserialize query string: ")
        .and_then(|rest| rest.split_once(": "))
        .map(|(name, _)| name)
        .filter(|name| {
            (1..=40).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        });
    match named {
        Some(name) => format!("The value of “{name}” in the address is not valid."),
        None => {
            "The address's query is not valid: check its dates (YYYY-MM-DD), numbers and choices."
                .to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_problem_names_the_parameter_and_nothing_the_parser_said() {
        assert_eq!(
            query_problem("Failed to deserialize query string: from: input is out of range"),
            "The value of “from” in the address is not valid."
        );
        for odd in [
            "Failed to deserialize query string: invalid digit found in string",
            "Failed to deserialize query string: <script>: x",
            "something else entirely",
        ] {
            let said = query_problem(odd);
            assert!(
                !said.contains("digit") && !said.contains("script"),
                "{said}"
            );
        }
    }
}
