//! Taking responsibility for and submitting interruptions, and what a Retry plays out.
#![allow(clippy::expect_used)]

mod common;

use common::{Api, error_message, item_ids};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn errors(body: &Value) -> String {
    body["Errors"].to_string()
}

#[tokio::test]
async fn responsible_makes_the_caller_responsible_and_returns_the_user() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    let path = format!("/api/Spaces-1/interruptions/{id}/responsible");
    assert_eq!(api.get(&path).await.body, Value::Null);
    let r = api.take("Spaces-1", &id).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["Id"], "Users-1");
    assert_eq!(r.body["Username"], "responder");
    assert!(r.body["DisplayName"].is_string() && r.body["IsService"].is_boolean());
    assert_eq!(api.get(&path).await.body["Id"], "Users-1");
    let seen = api.sim.interruption(&id).expect("exists");
    assert_eq!(seen["HasResponsibility"], true);
    assert_eq!(seen["ResponsibleUserId"], "Users-1");
    assert_eq!(api.take("Spaces-1", &id).await.status, StatusCode::OK);
    assert!(api.sim.responsibility_steals().is_empty());
}

#[tokio::test]
async fn responsible_is_403_when_the_user_may_not_take_it() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_manual_intervention(&t).interruption_id;
    assert!(api.sim.set_can_take_responsibility(&id, false));
    let seen = api.get(&format!("/api/Spaces-1/interruptions/{id}")).await;
    assert_eq!(seen.body["CanTakeResponsibility"], false);
    let r = api.take("Spaces-1", &id).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(error_message(&r.body).contains("permission to take responsibility"));
    let other = api
        .send(
            Method::PUT,
            &format!("/api/Spaces-1/interruptions/{id}/responsible"),
            Some(api.sim.other_api_key()),
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn responsible_on_a_non_pending_interruption_answers_400() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    api.sim.complete_elsewhere(&id, &[("Guidance", "Fail")]);
    let r = api.take("Spaces-1", &id).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_message(&r.body), "The interruption is not pending input");
}

#[tokio::test]
async fn taking_responsibility_from_another_user_is_recorded_as_a_steal() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    assert!(api.sim.take_responsibility_as_other_user(&id));
    let seen = api.sim.interruption(&id).expect("exists");
    assert_eq!(seen["HasResponsibility"], false);
    assert_eq!(seen["ResponsibleUserId"], api.sim.other_user_id());
    assert_eq!(api.take("Spaces-1", &id).await.status, StatusCode::OK);
    assert_eq!(api.sim.responsibility_steals(), [id]);
}

#[tokio::test]
async fn has_responsibility_is_computed_per_caller() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    api.take("Spaces-1", &id).await;
    let path = format!("/api/Spaces-1/interruptions/{id}");
    let other = api.send(Method::GET, &path, Some(api.sim.other_api_key()), None).await;
    assert_eq!(other.body["HasResponsibility"], false);
    assert_eq!(api.get(&path).await.body["HasResponsibility"], true);
}

#[tokio::test]
async fn submit_requires_responsibility() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    let r = api
        .submit("Spaces-1", &id, json!({"Guidance": "Retry", "Notes": "n"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_message(&r.body),
        "You must take responsibility for this interruption before submitting it"
    );
    api.sim.take_responsibility_as_other_user(&id);
    let r = api.submit("Spaces-1", &id, json!({"Guidance": "Retry"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(api.sim.submissions().is_empty());
    assert_eq!(api.sim.interruption(&id).expect("exists")["IsPending"], true);
}

#[tokio::test]
async fn submit_refuses_a_value_that_is_not_an_offered_button() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &["Fail", "Retry"]).interruption_id;
    api.take("Spaces-1", &id).await;
    for guidance in ["Exclude", "Banana", "retry"] {
        let r = api.submit("Spaces-1", &id, json!({"Guidance": guidance})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{guidance}");
        error_message(&r.body);
        assert!(errors(&r.body).contains("Fail, Retry"), "{}", errors(&r.body));
    }
    let wrong_key = api.submit("Spaces-1", &id, json!({"Result": "Proceed"})).await;
    assert_eq!(wrong_key.status, StatusCode::BAD_REQUEST);
    assert!(errors(&wrong_key.body).contains("A value is required for Guidance"));
    let not_an_object = api.submit("Spaces-1", &id, json!(["Retry"])).await;
    assert_eq!(not_an_object.status, StatusCode::BAD_REQUEST);
    assert!(api.sim.submissions().is_empty());
}

#[tokio::test]
async fn submit_on_a_non_pending_interruption_answers_400() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_manual_intervention(&t).interruption_id;
    api.take("Spaces-1", &id).await;
    assert!(api.sim.complete_elsewhere(&id, &[("Result", "Abort")]));
    let r = api.submit("Spaces-1", &id, json!({"Result": "Proceed"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_message(&r.body), "The interruption is not pending input");
    let seen = api.sim.interruption(&id).expect("exists");
    assert_eq!(seen["Form"]["Values"]["Result"], "Abort");
    assert!(api.sim.submissions().is_empty());
}

#[tokio::test]
async fn submit_completes_the_interruption_and_records_it() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_manual_intervention(&t).interruption_id;
    api.take("Spaces-1", &id).await;
    let body = json!({"Instructions": null, "Result": "Proceed", "Notes": "auto", "Id": id});
    let r = api.submit("Spaces-1", &id, body).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["Id"], id.as_str());
    assert_eq!(r.body["IsPending"], false);
    assert_eq!(r.body["HasResponsibility"], true);
    assert_eq!(
        r.body["Form"]["Values"],
        json!({"Instructions": null, "Notes": "auto", "Result": "Proceed"})
    );
    let subs = api.sim.submissions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].interruption_id, id);
    assert_eq!(subs[0].user_id, "Users-1");
    assert_eq!(subs[0].values.get("Result"), Some(&Some("Proceed".to_owned())));
    let again = api.submit("Spaces-1", &id, json!({"Result": "Proceed"})).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let pending = api.get("/api/Spaces-1/interruptions?pendingOnly=true").await;
    assert_eq!(pending.body["TotalResults"], 0);
}

#[tokio::test]
async fn a_retry_with_fails_again_raises_a_new_guided_failure() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    api.sim.set_retry_outcome(&t, 1);
    let first = api.sim.raise_guided_failure(&t, &["Fail", "Retry"]);
    api.take("Spaces-1", &first.interruption_id).await;
    let r = api
        .submit("Spaces-1", &first.interruption_id, json!({"Guidance": "Retry"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let pending_path = format!("/api/Spaces-1/interruptions?pendingOnly=true&regarding={}", t.task_id);
    let pending = api.get(&pending_path).await;
    let second = item_ids(&pending.body);
    assert_eq!(second.len(), 1);
    assert_ne!(second[0], first.interruption_id);
    let again = api.sim.interruption(&second[0]).expect("exists");
    assert_eq!(again["HasResponsibility"], false);
    assert_eq!(
        again["Form"]["Elements"][2]["Control"]["Buttons"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let count_path = format!(
        "/api/Spaces-1/events?regarding={}&eventCategories=GuidedFailureInterruptionRaised&take=0",
        t.deployment_id.as_deref().expect("deployment")
    );
    assert_eq!(api.get(&count_path).await.body["TotalResults"], 2);
    api.take("Spaces-1", &second[0]).await;
    api.submit("Spaces-1", &second[0], json!({"Guidance": "Retry"})).await;
    assert_eq!(api.get(&pending_path).await.body["TotalResults"], 0);
    assert_eq!(api.get(&count_path).await.body["TotalResults"], 2);
}

#[tokio::test]
async fn a_retry_without_fails_again_raises_nothing_new() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    api.take("Spaces-1", &id).await;
    api.submit("Spaces-1", &id, json!({"Guidance": "Retry"})).await;
    assert_eq!(api.sim.interruption_ids(), [id]);
}

#[tokio::test]
async fn linked_interruptions_say_so() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    assert!(api.sim.set_linked(&id, true));
    let r = api.get(&format!("/api/Spaces-1/interruptions/{id}")).await;
    assert_eq!(r.body["IsLinkedToOtherInterruption"], true);
    assert!(!api.sim.set_linked("Interruptions-0", true));
}
