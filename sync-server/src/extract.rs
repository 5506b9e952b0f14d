//! The extractors every handler uses: the path, the query and the JSON body — what a caller got
//! wrong (a malformed id, a value that is not a date, a body without the expected fields) is
//! answered in the API's one error shape, with a safe sentence — and the client's address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::http::state::AppState;
use crate::storage::Storage;

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

/// JSON bodies whose mistakes become the API's own error answers (400/413), before any handler
/// runs — so a bad body never writes anything.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = req.extensions().get::<MaxBytes>().map(|m| m.0);
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection, limit)),
        }
    }
}

/// The body limit of the route, for the 413 answer.
#[derive(Clone, Copy)]
pub(crate) struct MaxBytes(pub(crate) usize);

fn json_rejection(rejection: JsonRejection, limit: Option<usize>) -> ApiError {
    match rejection {
        r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge {
            limit_bytes: limit.unwrap_or(64 * 1024),
        },
        JsonRejection::MissingJsonContentType(_) => ApiError::BadRequest(
            "Send the request body as JSON (Content-Type: application/json).".to_owned(),
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(format!(
            "The request body is not valid JSON: {}",
            e.body_text()
        )),
        JsonRejection::JsonDataError(e) => ApiError::BadRequest(format!(
            "The request body does not have the expected fields: {}",
            e.body_text()
        )),
        other => ApiError::BadRequest(format!(
            "The request body could not be read: {}",
            other.body_text()
        )),
    }
}

/// The address a request came from (loopback when unknown, e.g. in-process tests). Behind a
/// reverse proxy of the clinic's (`trusted_proxies`), the client the proxy names in
/// `X-Forwarded-For`; that header from anyone else is ignored, so it cannot be used to dodge
/// the limits.
pub struct ClientAddress(pub IpAddr);

impl<S: Storage> FromRequestParts<AppState<S>> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(ClientAddress(client_address(
            peer,
            forwarded,
            &state.settings.trusted_proxies,
        )))
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy — then the nearest
/// address in `X-Forwarded-For` (read from the right) that is not a trusted proxy itself.
fn client_address<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpAddr],
) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(address) if trusted.contains(&address) => client = address,
            Ok(address) => return address,
            // Something the proxies did not write: stop at the last address they vouch for.
            Err(_) => return client,
        }
    }
    client
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
    #[test]
    fn forwarded_addresses_are_believed_from_trusted_proxies_only() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let inner: IpAddr = "10.0.0.3".parse().unwrap();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let stranger: IpAddr = "198.51.100.4".parse().unwrap();
        let trusted = [proxy, inner];
        let at = |peer, header: &[&str]| client_address(peer, header.iter().copied(), &trusted);
        assert_eq!(at(proxy, &["203.0.113.9"]), client);
        assert_eq!(
            at(proxy, &["1.2.3.4, 203.0.113.9, 10.0.0.3"]),
            client,
            "the nearest hop"
        );
        assert_eq!(
            at(proxy, &["1.2.3.4", "203.0.113.9"]),
            client,
            "two headers read as one"
        );
        assert_eq!(
            at(stranger, &["203.0.113.9"]),
            stranger,
            "not a proxy of ours"
        );
        assert_eq!(at(proxy, &[]), proxy);
        assert_eq!(at(proxy, &["garbage, 10.0.0.3"]), inner);
        assert_eq!(at(proxy, &["10.0.0.3"]), inner);
    }
}
