//! Request and response bodies of files: an upload read whole (too large told apart from cut
//! off on the way), and a stored file as a download no browser runs.

use crate::error::ApiError;

/// A request's body read whole, at most `limit` bytes: more is 413; a body that stops before
/// its end (the connection dropped) is `cut_off`'s answer — never "too large".
pub(crate) async fn whole_body(
    body: axum::body::Body,
    limit: usize,
    cut_off: impl FnOnce() -> ApiError,
) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // axum reports the limit as `length limit exceeded` (http-body-util's LengthLimitError).
        let too_large = e.to_string().contains("length limit");
        if too_large {
            ApiError::PayloadTooLarge { limit_bytes: limit }
        } else {
            cut_off()
        }
    })
}

/// The answer to a single-request upload that stopped before its end.
pub(crate) fn cut_off() -> ApiError {
    ApiError::BadRequest(
        "The file was cut off on the way, so nothing was kept. Send it again.".to_owned(),
    )
}

/// A stored file as a download: the server's name, the type its content was found to be,
/// `nosniff` so nothing is run, and never cached.
pub(crate) fn file_answer(
    content: Vec<u8>,
    kind: clinic_core::upload::FileKind,
    file_name: &str,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::{header, HeaderValue};
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let mut response = axum::response::IntoResponse::into_response(content);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_too_large_and_a_body_cut_off_are_told_apart() {
        let big = axum::body::Body::from(vec![b'x'; 2048]);
        assert!(matches!(
            whole_body(big, 1024, cut_off).await,
            Err(ApiError::PayloadTooLarge { limit_bytes: 1024 })
        ));
        let pieces: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![
            Ok(axum::body::Bytes::from_static(b"%PDF-1.4 ")),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the connection dropped",
            )),
        ];
        let cut = axum::body::Body::from_stream(futures_util::stream::iter(pieces));
        assert!(matches!(
            whole_body(cut, 1024, cut_off).await,
            Err(ApiError::BadRequest(m)) if m.contains("cut off")
        ));
        let fine = axum::body::Body::from(b"%PDF".to_vec());
        assert_eq!(&whole_body(fine, 1024, cut_off).await.unwrap()[..], b"%PDF");
    }
}
