//! Guided failures that name their step and machine, fail again on Retry as the same failure,
//! keep their answers in the task's history, and stop offering Retry after ten.
#![allow(clippy::expect_used)]

mod common;

use common::Api;
use serde_json::json;

fn instructions(interruption: &serde_json::Value) -> String {
    interruption["Form"]["Elements"]
        .as_array()
        .expect("elements")
        .iter()
        .find(|e| e["Name"] == "Instructions")
        .and_then(|e| e["Control"]["Text"].as_str())
        .expect("instructions")
        .to_owned()
}

fn buttons(interruption: &serde_json::Value) -> Vec<String> {
    interruption["Form"]["Elements"]
        .as_array()
        .expect("elements")
        .iter()
        .find(|e| e["Name"] == "Guidance")
        .map(|e| {
            e["Control"]["Buttons"]
                .as_array()
                .expect("buttons")
                .iter()
                .filter_map(|b| b["Value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_retried_failure_fails_again_as_the_same_step_on_the_same_machine_and_loses_retry_after_ten() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    api.sim.set_retry_outcome(&t, 11);
    let mut id = api
        .sim
        .raise_guided_failure_on(&t, "Deploy web", "web-03", &[])
        .interruption_id;
    let first = api.sim.interruption(&id).expect("raised");
    assert_eq!(
        instructions(&first),
        "'Deploy web (type Run a Script) on web-03 ' in the current task failed. What would you like to do?"
    );

    for _ in 0..10 {
        api.take("Spaces-1", &id).await;
        api.submit("Spaces-1", &id, json!({"Guidance": "Retry"})).await;
        id = api.sim.interruption_ids().pop().expect("the next round");
    }

    let eleventh = api.sim.interruption(&id).expect("raised");
    assert_eq!(instructions(&eleventh), instructions(&first), "the same failure");
    assert_eq!(buttons(&eleventh), ["Fail", "Ignore", "Exclude"], "no Retry after ten");
    let history = api
        .get(&format!("/api/Spaces-1/interruptions?regarding={}&take=100", t.task_id))
        .await;
    let answered: Vec<&str> = history.body["Items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["IsPending"] == false)
        .filter_map(|i| i["Form"]["Values"]["Guidance"].as_str())
        .collect();
    assert_eq!(answered, ["Retry"; 10], "answered interruptions keep their values");
}
