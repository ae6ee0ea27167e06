//! JSON builders for the resources the API returns (PascalCase, shaped like the fixtures).

use serde_json::{Value, json};

use crate::clock::format_iso;
use crate::state::{Event, Interruption, User};

pub(crate) fn user(u: &User) -> Value {
    json!({
        "Id": u.id,
        "Username": u.username,
        "DisplayName": u.display_name,
        "IsActive": true,
        "IsService": u.is_service,
        "EmailAddress": if u.is_service { Value::Null } else { format!("{}@example.com", u.username).into() },
        "CanPasswordBeEdited": !u.is_service,
        "IsRequestor": false,
        "Identities": [],
        "Links": { "Self": format!("/api/users/{}", u.id) },
    })
}

pub(crate) fn event(e: &Event) -> Value {
    let refs: Vec<Value> = e
        .message
        .refs
        .iter()
        .map(|r| json!({"ReferencedDocumentId": r.id, "StartIndex": r.start, "Length": r.len}))
        .collect();
    json!({
        "Id": e.id,
        "RelatedDocumentIds": e.related,
        "Category": e.category,
        "UserId": "users-system",
        "Username": "system",
        "IsService": false,
        "IdentityEstablishedWith": "",
        "UserAgent": "Server",
        "Occurred": e.occurred,
        "Message": e.message.text,
        "MessageHtml": e.message.html,
        "MessageReferences": refs,
        "Comments": null,
        "Details": null,
        "ChangeDetails": { "Differences": null, "DocumentContext": null },
        "IpAddress": null,
        "SpaceId": e.space_id,
        "Links": { "Self": format!("/api/events/{}", e.id) },
    })
}

/// An interruption as `caller` sees it (`HasResponsibility`, `CanTakeResponsibility`).
pub(crate) fn interruption(i: &Interruption, caller: &str) -> Value {
    let buttons: Vec<Value> = i
        .buttons
        .iter()
        .map(|b| json!({"Text": b.text, "Value": b.value, "RequiresConfirmation": b.requires_confirmation}))
        .collect();
    let element = i.kind.button_element();
    let base = format!("/api/{}/interruptions/{}", i.space_id, i.id);
    json!({
        "Id": i.id,
        "SpaceId": i.space_id,
        "Title": i.title,
        "Type": i.kind.type_name(),
        "Created": format_iso(i.created),
        "IsPending": i.pending,
        "Form": {
            "Values": i.values,
            "Elements": [
                {
                    "Name": "Instructions",
                    "Control": { "Type": "Paragraph", "Text": i.instructions, "ResolveLinks": false },
                    "IsValueRequired": false,
                },
                {
                    "Name": "Notes",
                    "Control": { "Type": "TextArea", "Label": "Notes" },
                    "IsValueRequired": false,
                },
                {
                    "Name": element,
                    "Control": { "Type": "SubmitButtonGroup", "Buttons": buttons },
                    "IsValueRequired": element == "Guidance",
                },
            ],
        },
        "RelatedDocumentIds": i.related,
        "ResponsibleTeamIds": i.responsible_teams,
        "ResponsibleUserId": i.responsible_user,
        "CanTakeResponsibility": !i.cannot_take.contains(caller),
        "HasResponsibility": i.responsible_user.as_deref() == Some(caller),
        "TaskId": i.target.task_id,
        "CorrelationId": i.correlation_id,
        "IsLinkedToOtherInterruption": i.linked,
        "Links": {
            "Self": base,
            "Submit": format!("{base}/submit"),
            "Responsible": format!("{base}/responsible"),
        },
    })
}

/// Template of the space-scoped events list.
pub(crate) fn events_template(prefix: &str, with_id: bool) -> String {
    let id = if with_id { "{/id}" } else { "" };
    format!(
        "{prefix}/events{id}{{?skip,regarding,regardingAny,user,users,projects,projectGroups,\
         environments,eventGroups,eventCategories,eventAgents,tags,tenants,from,to,internal,\
         fromAutoId,toAutoId,documentTypes,asCsv,take,ids,excludeDifference}}"
    )
}

/// Template of the space-scoped interruptions list.
pub(crate) fn interruptions_template(space: &str) -> String {
    format!("/api/{space}/interruptions{{/id}}{{?skip,take,regarding,pendingOnly,ids}}")
}

/// Template of the space-scoped subscriptions list.
pub(crate) fn subscriptions_template(space: &str) -> String {
    format!("/api/{space}/subscriptions{{/id}}{{?skip,take,ids,partialName}}")
}

/// Template of the spaces list.
pub(crate) const SPACES_TEMPLATE: &str = "/api/spaces{/id}{?skip,ids,take,partialName}";

/// `GET /api`.
pub(crate) fn root(default_space: &str, version: &str) -> Value {
    json!({
        "Application": "Octopus Deploy",
        "Version": version,
        "ApiVersion": "3.0.0",
        "InstallationId": "00000000-0000-4000-8000-00000000517e",
        "HasLongTermSupport": false,
        "IsEarlyAccessProgram": false,
        "Links": {
            "Self": "/api",
            "SpaceHome": "/api/{spaceId}",
            "CurrentUser": "/api/users/me",
            "Interruptions": interruptions_template(default_space),
            "Spaces": SPACES_TEMPLATE,
            "Subscriptions": subscriptions_template(default_space),
            "Events": format!(
                "/api/events{{/id}}{{?skip,regarding,regardingAny,eventCategories,take,ids,spaces,includeSystem}}"
            ),
        },
    })
}

/// `GET /api/{spaceId}`.
pub(crate) fn space_root(space: &str) -> Value {
    json!({
        "SpaceId": space,
        "Links": {
            "Self": format!("/api/{space}"),
            "Interruptions": interruptions_template(space),
            "Events": events_template(&format!("/api/{space}"), true),
            "Subscriptions": subscriptions_template(space),
        },
    })
}
