//! JSON answers. Bodies are `{"messageId"}`, `{"ignored"}` or `{"error"}`; nothing internal.

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::json;

fn json(status: StatusCode, value: serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Body::Text(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

pub fn accepted(message_id: &str) -> Response<Body> {
    json(StatusCode::ACCEPTED, json!({ "messageId": message_id }))
}

pub fn ignored(reason: &str) -> Response<Body> {
    json(StatusCode::OK, json!({ "ignored": reason }))
}

pub fn error(status: StatusCode, message: &str) -> Response<Body> {
    let mut response = json(status, json!({ "error": message }));
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    }
    response
}
