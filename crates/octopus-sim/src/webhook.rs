//! The subscription webhook payload Octopus would POST for an event.

use serde_json::{Value, json};

use crate::clock::now_iso;
use crate::json;
use crate::paging::encode;
use crate::state::Event;

/// The body of the webhook POST for `event`, with the header value echoed as non-sensitive.
pub(crate) fn body(event: &Event, server: &str, header_key: &str, header_value: &str) -> Value {
    let now = now_iso();
    let audit = format!(
        "{server}/app#/{}/configuration/audit?eventCategories={}",
        event.space_id,
        encode(&event.category)
    );
    json!({
        "Timestamp": now,
        "EventType": "SubscriptionPayload",
        "Payload": {
            "ServerUri": server,
            "ServerAuditUri": audit,
            "BatchProcessingDate": now,
            "Subscription": subscription(event, header_key, header_value),
            "Event": json::event(event),
            "BatchId": format!("00000000-0000-4000-8000-{:012x}", event.seq),
            "TotalEventsInBatch": 1,
            "EventNumberInBatch": 1,
        },
    })
}

fn subscription(event: &Event, header_key: &str, header_value: &str) -> Value {
    json!({
        "Id": "Subscriptions-1",
        "Name": "Interruption responder",
        "Type": "Event",
        "IsDisabled": false,
        "SpaceId": event.space_id,
        "EventNotificationSubscription": {
            "Filter": {
                "Users": [],
                "Projects": [],
                "ProjectGroups": [],
                "Environments": [],
                "EventGroups": [],
                "EventCategories": [
                    "GuidedFailureInterruptionRaised",
                    "ManualInterventionInterruptionRaised"
                ],
                "EventAgents": [],
                "Tenants": [],
                "Tags": [],
                "DocumentTypes": []
            },
            "EmailTeams": [],
            "EmailFrequencyPeriod": "01:00:00",
            "EmailPriority": "Normal",
            "EmailDigestLastProcessed": null,
            "EmailDigestLastProcessedEventAutoId": null,
            "EmailShowDatesInTimeZoneId": "UTC",
            "WebhookURI": "https://responder.example.com/octopus/webhook",
            "WebhookTeams": [],
            "WebhookTimeout": "00:00:10",
            "WebhookHeaderKey": header_key,
            "WebhookHeaderValue": {
                "IsSensitive": false,
                "Value": header_value,
                "SensitiveValue": null
            },
            "WebhookLastProcessed": event.occurred,
            "WebhookLastProcessedEventAutoId": event.seq.saturating_sub(1)
        },
        "Links": { "Self": format!("/api/{}/subscriptions/Subscriptions-1", event.space_id) }
    })
}
