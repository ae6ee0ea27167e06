//! Hostile input for both functions, as proptest strategies, and the checks every input must
//! pass. The tests run them as properties; the `reliability` binary samples them for the figures.
//!
//! Generated webhooks stay within what API Gateway can deliver: a query string of URI
//! characters, headers with valid names and visible-ASCII values, and a body that is either UTF-8
//! text or flagged `isBase64Encoded` with a valid encoding (of any bytes, invalid UTF-8 included).
//! lambda_http panics on its own before the handler when an event breaks those rules (a body
//! flagged base64 that is not base64, a raw query with a space); API Gateway never sends either.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use accept_message::{Acceptor, MAX_BODY_BYTES, WebhookAuth};
use aws_lambda_events::sqs::{SqsMessage, SqsMessageAttribute};
use base64::Engine;
use harness::apigw::WebhookRequest;
use lambda_http::http::HeaderName;
use messaging::{DocumentId, OctopusId, SpaceId};
use octopus::{Deadline, Interruption, OctopusApi, OctopusError};
use process_message::{Handler, Job, Options};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Map, Value, json};

use crate::publisher::RecordingPublisher;
use crate::scenario::{HEADER, TOKEN};

/// 256 cases per property unless `PROPTEST_CASES` says otherwise (`make fuzz` does).
pub fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// How a webhook tries to authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// The token of the rule in its URL; the secret when the URL holds no rule (which has none).
    Right,
    /// A wrong value exactly as long as a token.
    WrongSameLength(String),
    /// A wrong value of another length (empty included).
    WrongOtherLength(String),
    /// The environment's secret itself, refused by default.
    SharedSecret,
    /// The token of another rule than the URL's ([`OTHER_RULE`]).
    OtherRule,
    Missing,
    /// The header twice (API Gateway joins them with a comma).
    Repeated,
}

/// The rule whose token [`Auth::OtherRule`] presents: none of the generated URLs holds it.
pub const OTHER_RULE: &str = "type=Guidance&action=Retry&maximumretry=7&then=Leave";
/// How long a rule's token is: SHA-256 in hex.
const TOKEN_CHARS: usize = 64;
/// Where a generated payload echoes the header value, filled in once the header is chosen.
const ECHOED: &str = "{{echoed-header-value}}";

/// One hostile webhook and what it is made of.
#[derive(Debug, Clone)]
pub struct HostileWebhook {
    pub request: WebhookRequest,
    pub auth: Auth,
    /// The body's length as the handler sees it (after base64 decoding).
    pub body_len: usize,
}

/// The webhook secret's header, in some letter case.
fn header_name() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<bool>(), HEADER.len()).prop_map(|upper| {
        HEADER
            .chars()
            .zip(upper)
            .map(|(c, u)| {
                if u {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

fn auth() -> impl Strategy<Value = Auth> {
    let same = proptest::collection::vec(0x21u8..=0x7e, TOKEN_CHARS)
        .prop_map(|bytes| bytes.into_iter().map(char::from).collect::<String>());
    let other = "[!-~]{0,80}".prop_filter("another length", |v| v.len() != TOKEN_CHARS);
    prop_oneof![
        6 => Just(Auth::Right),
        2 => same.prop_map(Auth::WrongSameLength),
        2 => other.prop_map(Auth::WrongOtherLength),
        1 => Just(Auth::SharedSecret),
        1 => Just(Auth::OtherRule),
        1 => Just(Auth::Missing),
        1 => Just(Auth::Repeated),
    ]
}

/// The header value `auth` presents for a webhook to `query`, `None` for none.
fn presented(auth: &Auth, query: &str) -> Option<String> {
    match auth {
        Auth::Right => Some(harness::apigw::rule_token(query, TOKEN).unwrap_or_else(|| TOKEN.to_owned())),
        Auth::WrongSameLength(v) | Auth::WrongOtherLength(v) => Some(v.clone()),
        Auth::SharedSecret | Auth::Repeated => Some(TOKEN.to_owned()),
        Auth::OtherRule => harness::apigw::rule_token(OTHER_RULE, TOKEN),
        Auth::Missing => None,
    }
}

/// `bytes` with every [`ECHOED`] replaced by `value`.
fn echo(bytes: &[u8], value: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = rest.windows(ECHOED.len()).position(|w| w == ECHOED.as_bytes()) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(value.as_bytes());
        rest = &rest[at + ECHOED.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Percent-encodes everything but unreserved characters, as a client building a URL would.
pub fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn rule_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "Guidance", "guidance", "RESULT", "Result", "Retry", "retry", "Fail", "Ignore", "Exclude", "Proceed",
            "abort", "0", "1", "10", "11", "-1", "1.5", " 3 ", "",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
}

fn rule_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "type",
            "TYPE",
            "Type",
            "action",
            "Action",
            "maximumretry",
            "MaximumRetry",
            "maximumRetry",
            "source",
            "",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
}

/// Query strings: good rules in any case, rules with hostile values, repeated parameters,
/// and raw URI characters (stray `%`, `&&`, `==`).
fn query() -> impl Strategy<Value = String> {
    let good = (
        prop::sample::select(vec![
            "type=Guidance&action=Retry&maximumretry=3",
            "type=guidance&ACTION=fail",
            "Type=Result&Action=Proceed",
            "type=Result&action=abort",
            "type=Guidance&action=Exclude",
        ]),
        proptest::option::of("[a-z]{1,6}=[A-Za-z0-9]{0,6}"),
    )
        .prop_map(|(rule, extra)| match extra {
            Some(extra) => format!("{rule}&{extra}"),
            None => rule.to_owned(),
        });
    let pairs = proptest::collection::vec((rule_name(), rule_value()), 0..6).prop_map(|pairs| {
        pairs
            .iter()
            .map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    });
    let raw = "[A-Za-z0-9%&=+;._~!$'()*,/?:@-]{0,80}";
    prop_oneof![4 => good, 4 => pairs, 2 => raw]
}

fn id_like(prefix: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[0-9]{1,6}".prop_map(move |n| format!("{prefix}-{n}")),
        1 => any::<String>(),
        1 => "[A-Za-z0-9_/. -]{0,20}",
    ]
}

/// A subscription payload whose event fields are sometimes right and sometimes not.
fn event() -> impl Strategy<Value = Value> {
    let category = prop_oneof![
        prop::sample::select(vec![
            "GuidedFailureInterruptionRaised",
            "ManualInterventionInterruptionRaised",
            "guidedfailureinterruptionraised",
            "DeploymentSucceeded",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    let related = proptest::collection::vec(
        prop_oneof![
            id_like("ServerTasks"),
            id_like("Deployments"),
            id_like("RunbookRuns"),
            id_like("Projects"),
        ],
        0..5,
    );
    (id_like("Events"), category, id_like("Spaces"), related).prop_map(|(id, category, space, related)| {
        json!({"Id": id, "Category": category, "SpaceId": space, "RelatedDocumentIds": related, "Occurred": "2026-09-10T08:15:09Z"})
    })
}

/// A well-formed event of either kind, to reach the handler's later steps (category check,
/// redaction, publishing) as often as the refusals.
fn good_event() -> impl Strategy<Value = Value> {
    (
        1u32..1_000_000,
        prop::sample::select(vec![
            "GuidedFailureInterruptionRaised",
            "ManualInterventionInterruptionRaised",
        ]),
        1u32..100,
        1u32..100_000,
        any::<bool>(),
    )
        .prop_map(|(event, category, space, task, deployment_first)| {
            let task = format!("ServerTasks-{task}");
            let related = if deployment_first {
                json!(["Deployments-12", "Projects-3", task])
            } else {
                json!([task, "Environments-2"])
            };
            json!({"Id": format!("Events-{event}"), "Category": category, "SpaceId": format!("Spaces-{space}"),
                   "RelatedDocumentIds": related, "Message": format!("echoes {TOKEN} and {ECHOED} in the text")})
        })
}

/// The payload around an event, with the header value echoed as Octopus does ([`ECHOED`], filled
/// in by [`webhook`]).
fn payload(event: Value) -> Value {
    json!({
        "Timestamp": "2026-09-10T08:15:09Z",
        "EventType": "SubscriptionPayload",
        "Payload": {
            "ServerUri": "https://octopus.example.com",
            "Subscription": {"EventNotificationSubscription": {
                "WebhookHeaderKey": HEADER,
                "WebhookHeaderValue": {"IsSensitive": false, "Value": ECHOED, "SensitiveValue": null}
            }},
            "Event": event,
            "TotalEventsInBatch": 1
        }
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(vec![
                "Payload",
                "Event",
                "Id",
                "Category",
                "SpaceId",
                "RelatedDocumentIds"
            ])
            .prop_map(str::to_owned),
            ".{0,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `depth` nested arrays or objects, optionally inside an otherwise valid payload.
pub fn deeply_nested(depth: usize, objects: bool, inside_payload: bool) -> String {
    let (open, close) = if objects { ("{\"a\":", "}") } else { ("[", "]") };
    let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
    if inside_payload {
        let event = r#"{"Id":"Events-1","Category":"GuidedFailureInterruptionRaised","SpaceId":"Spaces-1","RelatedDocumentIds":["ServerTasks-1"]}"#;
        format!(r#"{{"Payload":{{"Event":{event},"Deep":{nested}}}}}"#)
    } else {
        nested
    }
}

/// Bodies: payloads (good, broken, of the other kind), random JSON, deep nesting (inside and
/// outside a payload), oversize ones, random text and random bytes (invalid UTF-8 included).
fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => good_event().prop_map(|e| payload(e).to_string().into_bytes()),
        4 => event().prop_map(|e| payload(e).to_string().into_bytes()),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => (1usize..3000, any::<bool>(), any::<bool>())
            .prop_map(|(depth, objects, inside)| deeply_nested(depth, objects, inside).into_bytes()),
        1 => (0usize..2048, event()).prop_map(|(extra, e)| {
            let mut body = payload(e);
            body["Padding"] = json!("x".repeat(MAX_BODY_BYTES + extra));
            body.to_string().into_bytes()
        }),
        1 => any::<String>().prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..512),
        1 => Just(Vec::new()),
    ]
}

/// A hostile webhook request.
pub fn webhook() -> impl Strategy<Value = HostileWebhook> {
    let method = prop_oneof![
        9 => Just("POST"),
        1 => prop::sample::select(vec!["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
    ];
    let extra_headers = proptest::collection::vec(
        (
            prop_oneof![
                "x-rel-[a-z]{1,8}".boxed(),
                prop::sample::select(vec![
                    "Content-Type",
                    "content-encoding",
                    "X-Forwarded-For",
                    "User-Agent"
                ])
                .prop_map(str::to_owned)
                .boxed(),
            ],
            "[ -~]{0,40}",
        ),
        0..4,
    );
    (
        method,
        query(),
        header_name(),
        auth(),
        extra_headers,
        body_bytes(),
        any::<bool>(),
        1u8..=20,
    )
        .prop_map(|(method, query, header, auth, extra, bytes, base64, absent)| {
            let value = presented(&auth, &query);
            // Octopus echoes the header value it sends; a value that could break the JSON (a
            // wrong one) is echoed as the secret instead.
            let echoed = match (&auth, &value) {
                (Auth::Right | Auth::SharedSecret | Auth::OtherRule, Some(value)) => value.as_str(),
                _ => TOKEN,
            };
            let bytes = echo(&bytes, echoed);
            let body_len = if absent == 1 { 0 } else { bytes.len() };
            let text = String::from_utf8(bytes.clone()).ok();
            let (body, encoded) = match (absent, text, base64) {
                (1, _, _) => (None, false),
                (_, Some(text), false) => (Some(text), false),
                _ => (Some(base64::engine::general_purpose::STANDARD.encode(&bytes)), true),
            };
            let mut request = WebhookRequest::post(&query, String::new()).method(method);
            request.body = body;
            request.is_base64_encoded = encoded;
            for (name, value) in extra {
                request = request.header(&name, &value);
            }
            request = match (&auth, &value) {
                (_, None) => request,
                (Auth::Repeated, Some(v)) => request.header(&header, v).header(&header, v),
                (_, Some(v)) => request.header(&header, v),
            };
            HostileWebhook {
                request,
                auth,
                body_len,
            }
        })
}

/// The acceptor the hostile webhooks meet, with a publisher that only records.
pub fn acceptor() -> (Acceptor<RecordingPublisher>, RecordingPublisher) {
    let publisher = RecordingPublisher::default();
    let auth = WebhookAuth::new(
        HeaderName::from_static("x-octopus-webhook-token"),
        Some(TOKEN.to_owned().into()),
    );
    (Acceptor::new(publisher.clone(), auth), publisher)
}

/// A guided-failure payload that echoes the webhook secret, for fixed cases.
pub const GUIDED_FAILURE: &str = r#"{"Payload":{"Event":{"Id":"Events-1","Category":"GuidedFailureInterruptionRaised","SpaceId":"Spaces-1","RelatedDocumentIds":["ServerTasks-1"]},"Subscription":{"WebhookHeaderValue":{"Value":"reliability-webhook-token-7f3a9c1e"}}}}"#;

/// Sends one webhook to a fresh [`acceptor`]: (status, JSON answer, messages published). Panics
/// when the answer is not JSON: every answer must be.
pub async fn answer(request: WebhookRequest) -> (u16, Value, usize) {
    let (acceptor, publisher) = acceptor();
    let response = acceptor.handle(request.to_request()).await;
    let body: &[u8] = response.body().as_ref();
    let json = serde_json::from_slice(body).unwrap_or_else(|e| panic!("accept-message answered non-JSON: {e}"));
    (response.status().as_u16(), json, publisher.count())
}

/// What a webhook got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOutcome {
    pub status: u16,
    pub published: bool,
}

/// Sends one webhook and checks: a status from the handler's set (never 5xx with a working
/// queue), a JSON body (`error` for every 4xx), a message queued exactly when the answer is 202
/// and then without the secret or the rule's token and with the canonical attributes, 405 for
/// anything but POST, 401 for a missing header, 413 for a body over the limit, 400 for a URL
/// without a rule, and 401 for any value but the URL's rule's token (the secret, another rule's
/// token and a repeated header included: API Gateway joins repeated headers into one value).
pub async fn check_webhook(case: &HostileWebhook) -> Result<WebhookOutcome, String> {
    let (acceptor, publisher) = acceptor();
    let response = acceptor.handle(case.request.to_request()).await;
    let status = response.status().as_u16();
    let raw: &[u8] = response.body().as_ref();
    let body: Value = serde_json::from_slice(raw).map_err(|e| format!("{status}: the answer is not JSON: {e}"))?;
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok());
    if content_type != Some("application/json") {
        return Err(format!("{status}: content-type {content_type:?}"));
    }
    let token = harness::apigw::rule_token(&case.request.raw_query, TOKEN);
    let answer = String::from_utf8_lossy(raw);
    if answer.contains(TOKEN) {
        return Err(format!("{status}: the answer contains the secret"));
    }
    if let Some(value) = presented(&case.auth, &case.request.raw_query).filter(|v| v.len() >= 16)
        && answer.contains(&value)
    {
        return Err(format!("{status}: the answer contains the header value"));
    }
    let published = publisher.count();
    if published != usize::from(status == 202) {
        return Err(format!("{status} but {published} messages queued"));
    }
    match status {
        202 => {
            let message = publisher.last().ok_or("202 without a message")?;
            if message.body.contains(TOKEN) {
                return Err("the queued body contains the secret".to_owned());
            }
            if token.as_ref().is_some_and(|t| message.body.contains(t)) {
                return Err("the queued body contains the rule's token".to_owned());
            }
            messaging::payload::event_from_body(&message.body)
                .map_err(|e| format!("queued an unreadable body: {e}"))?;
            let names: HashSet<&str> = message.attributes.iter().map(|(n, _)| *n).collect();
            // `Then` (what a Retry rule answers once its retries are spent) may come with them.
            let required = HashSet::from(["Type", "Action", "MaximumRetry", "EventId"]);
            if !names.is_superset(&required) || names.iter().any(|n| !required.contains(n) && *n != "Then") {
                return Err(format!("queued attributes {names:?}"));
            }
            if body["messageId"] != "recorded-1" {
                return Err(format!("202 answer {body}"));
            }
        }
        200 => {
            if !body["ignored"].is_string() {
                return Err(format!("200 answer {body}"));
            }
        }
        400 | 401 | 405 | 413 => {
            if body["error"].as_str().is_none_or(str::is_empty) {
                return Err(format!("{status} without an error message: {body}"));
            }
        }
        other => return Err(format!("unexpected status {other}: {body}")),
    }
    let post = case.request.method == "POST";
    let expected = if !post {
        Some(405)
    } else if case.auth == Auth::Missing {
        Some(401)
    } else if case.body_len > MAX_BODY_BYTES {
        Some(413)
    } else if token.is_none() {
        Some(400)
    } else if case.auth != Auth::Right {
        Some(401)
    } else {
        None
    };
    if let Some(expected) = expected
        && status != expected
    {
        return Err(format!("expected {expected}, got {status}: {body}"));
    }
    Ok(WebhookOutcome {
        status,
        published: published > 0,
    })
}

/// One hostile SQS record, before it gets its message id.
#[derive(Debug, Clone)]
pub struct HostileRecord {
    /// `(name, string value, data type)`.
    pub attributes: Vec<(String, Option<String>, String)>,
    pub body: Option<String>,
}

impl HostileRecord {
    pub fn to_message(&self, message_id: &str) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.message_id = Some(message_id.to_owned());
        message.receipt_handle = Some(format!("handle-{message_id}"));
        message.body = self.body.clone();
        message.event_source = Some("aws:sqs".to_owned());
        for (name, value, data_type) in &self.attributes {
            let mut attribute = SqsMessageAttribute::default();
            attribute.string_value = value.clone();
            attribute.data_type = Some(data_type.clone());
            message.message_attributes.insert(name.clone(), attribute);
        }
        message
    }
}

fn attribute() -> impl Strategy<Value = (String, Option<String>, String)> {
    let name = prop_oneof![
        4 => prop::sample::select(vec!["Type", "type", "TYPE", "Action", "action", "MaximumRetry", "maximumretry", "EventId"])
            .prop_map(str::to_owned),
        1 => ".{0,12}",
    ];
    let value = prop_oneof![
        4 => prop::sample::select(vec![
            "Guidance", "Result", "retry", "Fail", "Ignore", "Exclude", "Proceed", "Abort", "0", "3", "10", "99",
            "18446744073709551616", "-1", "x",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let data_type = prop::sample::select(vec!["String", "Number", "Binary", ""]).prop_map(str::to_owned);
    (name, proptest::option::weighted(0.9, value), data_type)
}

/// A record with hostile attributes and body.
pub fn record() -> impl Strategy<Value = HostileRecord> {
    let body = prop_oneof![
        4 => good_event().prop_map(|e| payload(e).to_string()),
        4 => event().prop_map(|e| payload(e).to_string()),
        2 => json_value().prop_map(|v| v.to_string()),
        1 => (1usize..3000, any::<bool>(), any::<bool>()).prop_map(|(d, o, i)| deeply_nested(d, o, i)),
        1 => any::<String>(),
    ];
    let rule = prop_oneof![
        Just(vec![
            ("Type".to_owned(), Some("Guidance".to_owned()), "String".to_owned()),
            ("Action".to_owned(), Some("Retry".to_owned()), "String".to_owned()),
        ]),
        Just(vec![
            ("type".to_owned(), Some("result".to_owned()), "String".to_owned()),
            ("ACTION".to_owned(), Some("proceed".to_owned()), "String".to_owned()),
        ]),
        Just(Vec::new()),
    ];
    (
        rule,
        proptest::collection::vec(attribute(), 0..5),
        proptest::option::weighted(0.95, body),
    )
        .prop_map(|(mut rule, extra, body)| {
            rule.extend(extra);
            HostileRecord { attributes: rule, body }
        })
}

/// Octopus without interruptions, failing (503) every call about a document whose id ends in 7.
#[derive(Debug, Default)]
pub struct QuietOctopus;

impl QuietOctopus {
    /// Whether calls about `document` fail.
    pub fn fails_for(document: &DocumentId) -> bool {
        document.as_str().ends_with('7')
    }

    fn check(document: &DocumentId) -> Result<(), OctopusError> {
        if Self::fails_for(document) {
            return Err(OctopusError::Status {
                method: "GET",
                path: format!("/interruptions?regarding={document}"),
                status: 503,
                message: "unavailable".to_owned(),
                retry_after: None,
            });
        }
        Ok(())
    }
}

impl OctopusApi for QuietOctopus {
    async fn count_events(
        &self,
        _: &SpaceId,
        document: &DocumentId,
        _: &str,
        _: Deadline,
    ) -> Result<octopus::EventCount, OctopusError> {
        Self::check(document).map(|_| octopus::EventCount {
            total: 1,
            newest_occurred: None,
        })
    }

    async fn pending_interruptions(
        &self,
        _: &SpaceId,
        document: &DocumentId,
        _: Deadline,
    ) -> Result<Vec<Interruption>, OctopusError> {
        Self::check(document).map(|_| Vec::new())
    }

    async fn interruptions_regarding(
        &self,
        _: &SpaceId,
        document: &DocumentId,
        _: Deadline,
    ) -> Result<Vec<Interruption>, OctopusError> {
        Self::check(document).map(|_| Vec::new())
    }

    async fn interruption(&self, _: &SpaceId, id: &OctopusId, _: Deadline) -> Result<Interruption, OctopusError> {
        Err(OctopusError::Decode {
            method: "GET",
            path: format!("/interruptions/{id}"),
            detail: "never asked".to_owned(),
        })
    }

    async fn take_responsibility(&self, _: &SpaceId, _: &OctopusId, _: Deadline) -> Result<(), OctopusError> {
        Ok(())
    }

    async fn submit(
        &self,
        _: &SpaceId,
        id: &OctopusId,
        _: &Map<String, Value>,
        _: Deadline,
    ) -> Result<Interruption, OctopusError> {
        Err(OctopusError::Decode {
            method: "POST",
            path: format!("/interruptions/{id}/submit"),
            detail: "never asked".to_owned(),
        })
    }
}

/// What a hostile batch got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    pub records: usize,
    pub refused: usize,
    pub failed: usize,
}

/// Processes the records as one batch and checks: never a whole-batch error, and exactly the
/// records that cannot be read (plus those of a deployment Octopus fails for) reported failed.
pub async fn check_batch(records: &[HostileRecord]) -> Result<BatchOutcome, String> {
    let responder = Handler::new(QuietOctopus, Options::default()).with_metrics(std::sync::Arc::new(|_: &str| {}));
    let messages: Vec<SqsMessage> = records
        .iter()
        .enumerate()
        .map(|(n, r)| r.to_message(&format!("m-{n}")))
        .collect();
    let mut expected = BTreeMap::new();
    let mut refused = 0;
    for message in &messages {
        let id = message.message_id.clone().unwrap_or_default();
        match Job::parse(&id, message) {
            Err(_) => {
                refused += 1;
                expected.insert(id, "refused");
            }
            Ok(job) if QuietOctopus::fails_for(&job.event.document_id) => {
                expected.insert(id, "octopus failed");
            }
            Ok(_) => {}
        }
    }
    let response = responder
        .process_batch(messages, Deadline::after(Duration::from_secs(5)))
        .await
        .map_err(|e| format!("the whole batch failed: {e}"))?;
    let failed: HashSet<String> = response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    let expected_ids: HashSet<String> = expected.keys().cloned().collect();
    if failed != expected_ids {
        return Err(format!("failed {failed:?}, expected {expected:?}"));
    }
    Ok(BatchOutcome {
        records: records.len(),
        refused,
        failed: failed.len(),
    })
}
