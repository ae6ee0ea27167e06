//! The request pipeline: method, the webhook header, size, rule, the rule's token, payload,
//! category, then queue. Each step that refuses answers with what is wrong and what is accepted.
//! A refused body names the field that is wrong, never its value; a bad id or an ignored
//! category is quoted to at most 64 characters. The header value is never answered or logged.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use messaging::payload::shorten;
use messaging::{EVENT_ID, Rule, SubscriptionPayload, WebhookEvent};

use crate::auth::{AuthFailure, Authorized, Presented, WebhookAuth};
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
        let presented = match self.auth.presented(request.headers()) {
            Ok(presented) => presented,
            Err(failure) => return self.unauthenticated(failure, None),
        };
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
        match self.auth.authorize(presented, &rule) {
            Ok(Authorized::SharedSecret) => {
                let canonical = rule.canonical_query();
                tracing::warn!(
                    rule = %canonical,
                    header = %self.auth.header(),
                    token_command = %format!("octo-responder token --env <env> --rule '{canonical}'"),
                    outcome = "shared_secret_accepted",
                    "webhook authenticated by the shared webhook secret, accepted only while \
                     ALLOW_SHARED_WEBHOOK_SECRET=true: replace the subscription's webhook header value with \
                     this rule's token (token_command prints it)"
                );
            }
            Ok(Authorized::RuleToken | Authorized::Unauthenticated) => {}
            Err(failure) => return self.unauthenticated(failure, Some(&rule)),
        }
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
        // Octopus echoes the header value (the rule's token, or the secret) in the payload.
        let mut secrets: Vec<&str> = self.auth.secret().into_iter().collect();
        if let Presented::Value(value) = presented {
            secrets.push(value.to_str().unwrap_or_default());
        }
        payload.redact(&secrets);
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

impl<P> Acceptor<P> {
    /// `401`: a missing or repeated header (`rule` not read yet), or a value that is not `rule`'s
    /// token. The answer depends on the header and the rule only, never on the value sent.
    fn unauthenticated(&self, failure: AuthFailure, rule: Option<&Rule>) -> Response<Body> {
        let header = self.auth.header();
        let canonical = rule.map(Rule::canonical_query);
        tracing::warn!(reason = %failure, %header, rule = canonical.as_deref(), outcome = "unauthenticated", "webhook refused");
        let message = match canonical {
            None => format!(
                "missing or repeated {header} header: send it once, as the subscription's webhook header, \
                 with this rule's token as its value"
            ),
            Some(canonical) => format!(
                "the {header} header value is not this rule's token: each rule has its own, derived from the \
                 environment's webhook secret and the rule ({canonical}); set the subscription's webhook header \
                 value to the output of `octo-responder token --env <env> --rule '{canonical}'`"
            ),
        };
        response::error(StatusCode::UNAUTHORIZED, &message)
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
