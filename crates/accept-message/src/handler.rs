//! The request pipeline: method, authentication, size, rule, payload, category, then queue.
//! Each step that refuses answers with what is wrong and what is accepted. A refused body names
//! the field that is wrong, never its value; a bad id or an ignored category is quoted to at
//! most 64 characters.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use messaging::payload::shorten;
use messaging::{EVENT_ID, Rule, SubscriptionPayload, WebhookEvent};

use crate::auth::WebhookAuth;
use crate::response;
use queue::{MessagePublisher, OutgoingMessage};

/// Largest body accepted, and largest message queued (body plus attributes): SQS's classic
/// message size limit, so a queued message always fits.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The accept-message handler with the clients it was lent at cold start.
#[derive(Debug)]
pub struct Acceptor<P> {
    publisher: P,
    auth: WebhookAuth,
}

impl<P: MessagePublisher> Acceptor<P> {
    pub fn new(publisher: P, auth: WebhookAuth) -> Self {
        Self { publisher, auth }
    }

    /// Always answers; never fails the invocation.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        if request.method() != Method::POST {
            return response::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "only POST is accepted: point an Octopus subscription webhook at this URL",
            );
        }
        if let Err(failure) = self.auth.check(request.headers()) {
            tracing::warn!(reason = %failure, header = %self.auth.header(), outcome = "unauthenticated", "webhook refused");
            return response::error(
                StatusCode::UNAUTHORIZED,
                &format!(
                    "missing or wrong {} header: set it as the subscription's webhook header",
                    self.auth.header()
                ),
            );
        }
        let bytes: &[u8] = request.body().as_ref();
        if bytes.len() > MAX_BODY_BYTES {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "body is {} bytes; at most {MAX_BODY_BYTES} bytes are accepted",
                    bytes.len()
                ),
            );
        }
        let query = request.query_string_parameters();
        let rule = match Rule::from_query(query.iter()) {
            Ok(rule) => rule,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, &format!("invalid webhook URL: {e}")),
        };
        let mut payload = match SubscriptionPayload::parse(bytes) {
            Ok(payload) => payload,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, &e.to_string()),
        };
        if !payload.category().eq_ignore_ascii_case(rule.kind.event_category()) {
            // Untrusted and of any length: quoted to at most 64 characters, like a bad id.
            let category = shorten(payload.category());
            let reason = format!(
                "event category {category:?} is not answered by type={} (which answers {})",
                rule.kind,
                rule.kind.event_category()
            );
            tracing::info!(category, %rule, outcome = "ignored", "webhook ignored");
            return response::ignored(&reason);
        }
        let event = match payload.event() {
            Ok(event) => event,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, &e.to_string()),
        };
        payload.redact(self.auth.secret());
        let message = outgoing(&rule, &event, &payload);
        if message.size() > MAX_BODY_BYTES {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "the message would be {} bytes; at most {MAX_BODY_BYTES} bytes fit on the queue",
                    message.size()
                ),
            );
        }
        match self.publisher.publish(message).await {
            Ok(message_id) => {
                tracing::info!(
                    event_id = %event.id, space_id = %event.space_id, document_id = %event.document_id,
                    %rule, message_id, outcome = "queued", "webhook queued"
                );
                response::accepted(&message_id)
            }
            Err(e) => {
                tracing::error!(event_id = %event.id, error = %e, outcome = "queue_unavailable", "webhook not queued");
                response::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the queue is unavailable; send the webhook again later",
                )
            }
        }
    }
}

fn refuse(status: StatusCode, message: &str) -> Response<Body> {
    tracing::warn!(
        status = status.as_u16(),
        reason = message,
        outcome = "refused",
        "webhook refused"
    );
    response::error(status, message)
}

fn outgoing(rule: &Rule, event: &WebhookEvent, payload: &SubscriptionPayload) -> OutgoingMessage {
    let mut attributes = rule.attributes().to_vec();
    attributes.push((EVENT_ID, event.id.to_string()));
    OutgoingMessage {
        body: payload.to_json(),
        attributes,
        group_id: event.document_id.to_string(),
        deduplication_id: event.id.to_string(),
    }
}
