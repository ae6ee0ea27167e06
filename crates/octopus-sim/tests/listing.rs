//! Listing, filtering and paging events and interruptions, and the shapes of their items.
#![allow(clippy::expect_used)]

mod common;

use common::{Api, error_message, item_ids, keys};
use reqwest::StatusCode;

#[tokio::test]
async fn lists_events_newest_first_with_the_deployment_before_the_task() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let gf = api.sim.raise_guided_failure(&t, &[]);
    let resumed = api.sim.add_event(&t, "DeploymentResumed");
    let page = api.get("/api/Spaces-1/events").await;
    assert_eq!(item_ids(&page.body), [resumed, gf.event_id]);
    let event = &page.body["Items"][1];
    assert_eq!(event["Category"], "GuidedFailureInterruptionRaised");
    let related: Vec<&str> = event["RelatedDocumentIds"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let deployment = t.deployment_id.as_deref().expect("deployment");
    assert_eq!(related.first(), Some(&deployment));
    let task_at = related.iter().position(|id| *id == t.task_id);
    assert!(task_at.is_some_and(|i| i > 1), "{related:?}");
    assert!(related.contains(&t.project_id.as_str()));
    assert!(related.contains(&t.environment_id.as_str()));
    assert_eq!(
        keys(event),
        [
            "Category",
            "ChangeDetails",
            "Comments",
            "Details",
            "Id",
            "IdentityEstablishedWith",
            "IpAddress",
            "IsService",
            "Links",
            "Message",
            "MessageHtml",
            "MessageReferences",
            "Occurred",
            "RelatedDocumentIds",
            "SpaceId",
            "UserAgent",
            "UserId",
            "Username",
        ]
    );
    assert_eq!(event["UserId"], "users-system");
    assert_eq!(event["SpaceId"], "Spaces-1");
    let reference = &event["MessageReferences"][0];
    let message = event["Message"].as_str().expect("message");
    let start = reference["StartIndex"].as_u64().expect("start") as usize;
    let len = reference["Length"].as_u64().expect("len") as usize;
    let env = t.environment_id.trim_start_matches("Environments-");
    assert_eq!(&message[start..start + len], format!("Deploy to Environment {env}"));
}

#[tokio::test]
async fn counts_all_matching_events_in_total_results_with_take_zero() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    for _ in 0..3 {
        api.sim.raise_guided_failure(&t, &[]);
    }
    api.sim.add_event(&t, "DeploymentResumed");
    let path = format!(
        "/api/Spaces-1/events?regarding={}&eventCategories=GuidedFailureInterruptionRaised&take=0",
        t.deployment_id.as_deref().expect("deployment")
    );
    let page = api.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["TotalResults"], 3);
    assert_eq!(page.body["Items"].as_array().map(Vec::len), Some(0));
    assert!(page.body["Links"].get("Page.Next").is_none());
}

#[tokio::test]
async fn pages_events_like_the_fixture_with_a_next_link() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let ids: Vec<String> = (0..3).map(|_| api.sim.raise_guided_failure(&t, &[]).event_id).collect();
    let first = api
        .get("/api/Spaces-1/events?take=2&eventCategories=GuidedFailureInterruptionRaised,ManualInterventionInterruptionRaised")
        .await;
    let b = &first.body;
    assert_eq!(b["ItemType"], "Event");
    assert_eq!(b["TotalResults"], 3);
    assert_eq!(b["ItemsPerPage"], 2);
    assert_eq!(b["NumberOfPages"], 2);
    assert_eq!(b["LastPageNumber"], 1);
    assert_eq!(item_ids(b), [ids[2].clone(), ids[1].clone()]);
    let cats = "eventCategories=GuidedFailureInterruptionRaised%2CManualInterventionInterruptionRaised";
    assert_eq!(b["Links"]["Self"], format!("/api/Spaces-1/events?skip=0&take=2&{cats}"));
    assert_eq!(
        b["Links"]["Page.Next"],
        format!("/api/Spaces-1/events?skip=2&take=2&{cats}")
    );
    assert_eq!(
        b["Links"]["Page.Last"],
        format!("/api/Spaces-1/events?skip=2&take=2&{cats}")
    );
    assert_eq!(
        b["Links"]["Page.All"],
        format!("/api/Spaces-1/events?skip=0&take=2147483647&{cats}")
    );
    let next = b["Links"]["Page.Next"].as_str().expect("next");
    let second = api.get(next).await;
    assert_eq!(item_ids(&second.body), [ids[0].clone()]);
    assert!(second.body["Links"].get("Page.Next").is_none());
}

#[tokio::test]
async fn filters_events_by_regarding_all_regarding_any_and_categories() {
    let api = Api::start().await;
    let a = api.sim.add_deployment("Spaces-1");
    let b = api.sim.add_deployment("Spaces-1");
    let ea = api.sim.raise_guided_failure(&a, &[]).event_id;
    let eb = api.sim.raise_manual_intervention(&b).event_id;
    let both = format!("{},{}", a.task_id, b.task_id);
    let all = api.get(&format!("/api/Spaces-1/events?regarding={both}")).await;
    assert_eq!(all.body["TotalResults"], 0);
    let any = api.get(&format!("/api/Spaces-1/events?regardingAny={both}")).await;
    assert_eq!(item_ids(&any.body), [eb.clone(), ea.clone()]);
    let own = format!("{},{}", a.task_id, a.project_id);
    let and = api.get(&format!("/api/Spaces-1/events?regarding={own}")).await;
    assert_eq!(item_ids(&and.body), [ea]);
    let cat = api
        .get("/api/Spaces-1/events?eventCategories=ManualInterventionInterruptionRaised")
        .await;
    assert_eq!(item_ids(&cat.body), vec![eb.clone()]);
    let single = api.get(&format!("/api/events/{eb}")).await;
    assert_eq!(single.body["Id"], eb);
}

#[tokio::test]
async fn pages_interruptions_with_a_next_link_until_the_last_page() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let mut raised: Vec<String> = (0..5)
        .map(|_| api.sim.raise_guided_failure(&t, &[]).interruption_id)
        .collect();
    raised.reverse();
    let mut seen = Vec::new();
    let mut next = Some("/api/Spaces-1/interruptions?take=2".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let page = api.get(&path).await;
        assert_eq!(page.body["ItemType"], "Interruption");
        assert_eq!(page.body["TotalResults"], 5);
        assert_eq!(page.body["NumberOfPages"], 3);
        assert_eq!(page.body["LastPageNumber"], 2);
        seen.extend(item_ids(&page.body));
        next = page.body["Links"]["Page.Next"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, raised);
}

#[tokio::test]
async fn lists_pending_interruptions_regarding_a_task_or_a_deployment() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let other = api.sim.add_deployment("Spaces-1");
    let done = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    api.sim.complete_elsewhere(&done, &[("Guidance", "Fail")]);
    let open = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    api.sim.raise_manual_intervention(&other);
    let deployment = t.deployment_id.clone().expect("deployment");
    for regarding in [t.task_id.clone(), deployment] {
        let path = format!("/api/Spaces-1/interruptions?pendingOnly=True&regarding={regarding}");
        let page = api.get(&path).await;
        assert_eq!(item_ids(&page.body), vec![open.clone()], "{regarding}");
        assert_eq!(
            page.body["Links"]["Self"],
            format!("/api/Spaces-1/interruptions?skip=0&take=30&regarding={regarding}&pendingOnly=True")
        );
    }
    let all = api
        .get(&format!(
            "/api/Spaces-1/interruptions?pendingOnly=false&regarding={}",
            t.task_id
        ))
        .await;
    assert_eq!(item_ids(&all.body), [open.clone(), done.clone()]);
    let by_id = api.get(&format!("/api/Spaces-1/interruptions?ids={done}")).await;
    assert_eq!(item_ids(&by_id.body), [done]);
}

#[tokio::test]
async fn guided_failure_json_has_the_fixture_shape() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    let r = api.get(&format!("/api/Spaces-1/interruptions/{id}")).await;
    let i = &r.body;
    assert_eq!(
        keys(i),
        [
            "CanTakeResponsibility",
            "CorrelationId",
            "Created",
            "Form",
            "HasResponsibility",
            "Id",
            "IsLinkedToOtherInterruption",
            "IsPending",
            "Links",
            "RelatedDocumentIds",
            "ResponsibleTeamIds",
            "ResponsibleUserId",
            "SpaceId",
            "TaskId",
            "Title",
            "Type",
        ]
    );
    assert_eq!(i["Type"], "GuidedFailure");
    assert_eq!(i["IsPending"], true);
    assert_eq!(i["TaskId"], t.task_id.as_str());
    let deployment = t.deployment_id.as_deref().expect("deployment");
    assert_eq!(
        i["RelatedDocumentIds"],
        serde_json::json!([t.task_id, deployment, t.project_id, t.environment_id])
    );
    assert_eq!(
        i["Form"]["Values"],
        serde_json::json!({"Instructions": null, "Notes": null, "Guidance": null})
    );
    let names: Vec<&str> = i["Form"]["Elements"]
        .as_array()
        .expect("elements")
        .iter()
        .filter_map(|e| e["Name"].as_str())
        .collect();
    assert_eq!(names, ["Instructions", "Notes", "Guidance"]);
    let buttons = &i["Form"]["Elements"][2]["Control"]["Buttons"];
    let values: Vec<&str> = buttons
        .as_array()
        .expect("buttons")
        .iter()
        .filter_map(|b| b["Value"].as_str())
        .collect();
    assert_eq!(values, ["Fail", "Retry", "Ignore", "Exclude"]);
    assert_eq!(buttons[3]["Text"], "Exclude machine from deployment");
    assert_eq!(i["Form"]["Elements"][2]["Control"]["Type"], "SubmitButtonGroup");
    assert_eq!(i["Links"]["Submit"], format!("/api/Spaces-1/interruptions/{id}/submit"));
    assert_eq!(
        i["Links"]["Responsible"],
        format!("/api/Spaces-1/interruptions/{id}/responsible")
    );
    assert!(
        i["CorrelationId"]
            .as_str()
            .is_some_and(|c| c.starts_with(&format!("{}_", t.task_id)))
    );
    assert!(
        i["Title"]
            .as_str()
            .is_some_and(|s| s.ends_with(" requires failure guidance"))
    );
}

#[tokio::test]
async fn manual_intervention_json_has_the_fixture_shape() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_manual_intervention(&t).interruption_id;
    let i = api.sim.interruption(&id).expect("exists");
    assert_eq!(i["Type"], "ManualIntervention");
    let deployment = t.deployment_id.as_deref().expect("deployment");
    assert_eq!(
        i["RelatedDocumentIds"],
        serde_json::json!([deployment, t.task_id, t.project_id, t.environment_id])
    );
    assert_eq!(
        i["Form"]["Elements"][2]["Control"]["Buttons"],
        serde_json::json!([
            {"Text": "Proceed", "Value": "Proceed", "RequiresConfirmation": false},
            {"Text": "Abort", "Value": "Abort", "RequiresConfirmation": true},
        ])
    );
    assert_eq!(i["Form"]["Elements"][2]["Name"], "Result");
    assert_eq!(
        i["Form"]["Values"],
        serde_json::json!({"Instructions": null, "Notes": null, "Result": null})
    );
}

#[tokio::test]
async fn unknown_interruption_is_404_with_an_error_message() {
    let api = Api::start().await;
    let r = api.get("/api/Spaces-1/interruptions/Interruptions-424242").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!error_message(&r.body).is_empty());
}

#[tokio::test]
async fn runbook_runs_raise_guided_failures_regarding_the_run_and_task() {
    let api = Api::start().await;
    let t = api.sim.add_runbook_run("Spaces-1");
    let run = t.runbook_run_id.clone().expect("runbook run");
    assert!(run.starts_with("RunbookRuns-"));
    let raised = api.sim.raise_guided_failure(&t, &["Fail", "Retry"]);
    let event = api.get(&format!("/api/Spaces-1/events/{}", raised.event_id)).await;
    assert_eq!(event.body["RelatedDocumentIds"][0], run.as_str());
    let page = api
        .get(&format!("/api/Spaces-1/interruptions?pendingOnly=true&regarding={run}"))
        .await;
    assert_eq!(item_ids(&page.body), [raised.interruption_id]);
}
