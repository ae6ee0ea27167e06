//! process-message answering interruptions on the Octopus simulator over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use octopus_sim::{Fault, Method};
use process_message::Options;

#[tokio::test]
async fn answers_a_guided_failure_retry_within_the_budget_with_notes_that_say_why() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);

    let failed = w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;

    assert!(failed.is_empty());
    let submitted = w.submitted(&raised.interruption_id, "Guidance");
    assert_eq!(submitted.len(), 1);
    assert_eq!(submitted[0].0, "Retry");
    assert!(
        submitted[0].1.contains("Retry 1 of 3 for 'Run a script' on machine-1"),
        "{}",
        submitted[0].1
    );
    assert!(submitted[0].1.contains(&raised.event_id));
}

#[tokio::test]
async fn switches_retry_to_fail_once_the_budget_is_spent_and_says_so() {
    let w = world().await;
    let target = w.deployment();
    w.sim.set_retry_outcome(&target, 5);
    let first = w.sim.raise_guided_failure(&target, &[]);
    w.run(vec![w.record("m-1", &first.event_id, RETRY_1)]).await;
    let second = w.sim.interruption_ids().into_iter().last().unwrap();
    assert_ne!(second, first.interruption_id, "the retried step failed again");
    let second_event = latest_guided_failure_event(&w);

    let failed = w.run(vec![w.record("m-2", &second_event, RETRY_1)]).await;

    assert!(failed.is_empty());
    assert_eq!(w.submitted(&first.interruption_id, "Guidance")[0].0, "Retry");
    let answer = &w.submitted(&second, "Guidance")[0];
    assert_eq!(answer.0, "Fail");
    assert!(
        answer.1.contains("Fail instead of Retry: retry budget spent"),
        "{}",
        answer.1
    );
    assert!(
        answer
            .1
            .contains("'Run a script' on machine-1 was retried 1 of 1 times"),
        "{}",
        answer.1
    );
}

fn latest_guided_failure_event(w: &World) -> String {
    let interruption = w.sim.interruption_ids().into_iter().last().unwrap();
    let task = w.sim.interruption(&interruption).unwrap()["TaskId"]
        .as_str()
        .unwrap()
        .to_owned();
    w.sim
        .event_ids(&task, "GuidedFailureInterruptionRaised")
        .first()
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn answers_a_manual_intervention_with_proceed() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);

    let failed = w.run(vec![w.record("m-1", &raised.event_id, PROCEED)]).await;

    assert!(failed.is_empty());
    let answer = &w.submitted(&raised.interruption_id, "Result")[0];
    assert_eq!(answer.0, "Proceed");
    assert!(answer.1.starts_with("octo-responder: Proceed"), "{}", answer.1);
}

#[tokio::test]
async fn a_guided_failure_rule_never_answers_a_manual_intervention_of_the_same_deployment() {
    let w = world().await;
    let target = w.deployment();
    let manual = w.sim.raise_manual_intervention(&target);
    let failure = w.sim.raise_guided_failure(&target, &[]);

    let failed = w
        .run(vec![w.record(
            "m-1",
            &failure.event_id,
            &[("Type", "Guidance"), ("Action", "Fail")],
        )])
        .await;

    assert!(failed.is_empty());
    assert_eq!(w.submitted(&failure.interruption_id, "Guidance").len(), 1);
    assert!(w.submitted(&manual.interruption_id, "Result").is_empty());
    assert_eq!(w.sim.interruption(&manual.interruption_id).unwrap()["IsPending"], true);
}

#[tokio::test]
async fn leaves_an_interruption_held_by_another_user_and_the_message_succeeds() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);
    assert!(w.sim.take_responsibility_as_other_user(&raised.interruption_id));

    let failed = w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;

    assert!(failed.is_empty());
    assert!(w.sim.submissions().is_empty());
    assert!(w.sim.responsibility_steals().is_empty());
    assert_eq!(w.requests_to("PUT", "/responsible"), 0);
}

#[tokio::test]
async fn leaves_exclude_to_a_person_when_the_form_does_not_offer_it() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &["Fail", "Retry", "Ignore"]);

    let failed = w
        .run(vec![w.record(
            "m-1",
            &raised.event_id,
            &[("Type", "Guidance"), ("Action", "Exclude")],
        )])
        .await;

    assert!(failed.is_empty());
    assert!(w.sim.submissions().is_empty());
    assert_eq!(w.sim.interruption(&raised.interruption_id).unwrap()["IsPending"], true);
}

#[tokio::test]
async fn leaves_an_interruption_the_user_may_not_take() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);
    w.sim.set_can_take_responsibility(&raised.interruption_id, false);

    let failed = w.run(vec![w.record("m-1", &raised.event_id, PROCEED)]).await;

    assert!(failed.is_empty());
    assert!(w.sim.submissions().is_empty());
}

#[tokio::test]
async fn skips_a_linked_interruption() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);
    w.sim.set_linked(&raised.interruption_id, true);

    let failed = w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;

    assert!(failed.is_empty());
    assert!(w.sim.submissions().is_empty());
}

#[tokio::test]
async fn does_not_take_responsibility_again_when_it_already_holds_it() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);
    w.sim.inject(Fault::status(503).path_contains("/submit").times(3)); // every submit of the first run
    let failed = w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;
    assert_eq!(failed, ["m-1"], "submit kept failing, so the record is handed back");
    assert_eq!(w.requests_to("PUT", "/responsible"), 1);

    let failed = w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;

    assert!(failed.is_empty());
    assert_eq!(
        w.requests_to("PUT", "/responsible"),
        1,
        "responsibility was already ours"
    );
    assert_eq!(w.submitted(&raised.interruption_id, "Guidance").len(), 1);
}

#[tokio::test]
async fn asks_about_the_server_task_picked_by_prefix_not_the_first_related_document() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);

    w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;

    let listing = w
        .sim
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/interruptions"))
        .unwrap();
    let query = listing.query.unwrap_or_default();
    assert!(query.contains(&format!("regarding={}", target.task_id)), "{query}");
    assert!(
        !query.contains("pendingOnly"),
        "a Retry rule reads the task's history: {query}"
    );
}

#[tokio::test]
async fn answers_a_runbook_run_guided_failure() {
    let w = world().await;
    let run = w.sim.add_runbook_run("Spaces-1");
    let raised = w.sim.raise_guided_failure(&run, &[]);

    let failed = w
        .run(vec![w.record(
            "m-1",
            &raised.event_id,
            &[("Type", "Guidance"), ("Action", "Ignore")],
        )])
        .await;

    assert!(failed.is_empty());
    assert_eq!(w.submitted(&raised.interruption_id, "Guidance")[0].0, "Ignore");
}

#[tokio::test]
async fn a_submit_that_fails_because_someone_else_answered_counts_as_done() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);
    // The person answers after the responder's read, just before its submit arrives.
    w.sim
        .inject(Fault::answered_first(&[("Result", "Abort"), ("Notes", "a person decided")]).path_contains("/submit"));

    let failed = w.run(vec![w.record("m-1", &raised.event_id, PROCEED)]).await;

    assert!(failed.is_empty(), "someone else answering is success");
    let submits: Vec<u16> = w
        .sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/submit"))
        .map(|r| r.status)
        .collect();
    assert_eq!(submits, [400], "the submit was sent and refused as not pending");
    assert!(w.sim.submissions().is_empty());
    assert_eq!(
        w.sim.interruption(&raised.interruption_id).unwrap()["Form"]["Values"]["Result"],
        "Abort"
    );
}

#[tokio::test]
async fn a_dry_run_decides_and_submits_nothing() {
    let w = world_with(Options {
        dry_run: true,
        ..Options::default()
    })
    .await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);

    let failed = w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;

    assert!(failed.is_empty());
    assert!(w.sim.submissions().is_empty());
    assert_eq!(w.requests_to("PUT", "/responsible"), 0);
    assert_eq!(w.requests_to("POST", "/submit"), 0);
    assert_eq!(w.sim.interruption(&raised.interruption_id).unwrap()["IsPending"], true);
}

#[tokio::test]
async fn a_guided_failure_takes_three_sequential_round_trips_with_the_reads_concurrent() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);
    // The count and the listing are only answered once both have arrived: sent one after the
    // other, the first would be refused (504) and the answer would not be submitted first time.
    w.sim.inject(Fault::barrier(2).method(Method::GET));

    w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;

    let requests = w.sim.requests();
    let trail: Vec<_> = requests.iter().map(|r| (r.method.as_str(), r.status)).collect();
    assert_eq!(
        trail,
        [("GET", 200), ("GET", 200), ("PUT", 200), ("POST", 200)],
        "{requests:#?}"
    );
    let (events, listing) = (&requests[0], &requests[1]);
    assert!(requests[2].path.ends_with("/responsible") && requests[2].started >= events.finished.max(listing.finished));
    assert!(requests[3].path.ends_with("/submit") && requests[3].started >= requests[2].finished);
}

#[tokio::test]
async fn a_manual_intervention_reads_only_the_interruptions() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);

    w.run(vec![w.record("m-1", &raised.event_id, PROCEED)]).await;

    assert_eq!(w.requests_to("GET", "/events"), 0, "no retry budget to count");
    assert_eq!(w.sim.requests().len(), 3);
}

#[tokio::test]
async fn a_copy_of_an_older_record_counts_again_before_answering_the_next_rounds_unidentified_failure() {
    let w = world().await;
    let target = w.deployment();
    w.sim.set_retry_outcome(&target, 1);
    let first = w.sim.raise_guided_failure_on(&target, "Deploy", "", &[]); // names no machine
    w.run(vec![w.record("m-1", &first.event_id, RETRY_1)]).await;
    let counts_before = w.requests_to("GET", "/events");

    let failed = w.run(vec![w.record("m-1-copy", &first.event_id, RETRY_1)]).await;

    assert!(failed.is_empty());
    assert_eq!(
        w.requests_to("GET", "/events") - counts_before,
        2,
        "counted again after the listing"
    );
    let answers: Vec<_> = w
        .sim
        .submissions()
        .into_iter()
        .map(|s| s.values["Guidance"].clone().unwrap())
        .collect();
    assert_eq!(
        answers,
        ["Retry", "Fail"],
        "the budget holds even for a copy of the first record"
    );
}

#[tokio::test]
async fn a_submit_octopus_applied_but_whose_answer_was_lost_counts_as_ours_and_is_not_sent_again() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);
    w.sim.inject(Fault::apply_then_drop().path_contains("/submit"));

    let failed = w.run(vec![w.record("m-1", &raised.event_id, PROCEED)]).await;

    assert!(failed.is_empty());
    assert_eq!(
        w.requests_to("POST", "/submit"),
        1,
        "a submit that may have applied is not resent"
    );
    assert_eq!(w.submitted(&raised.interruption_id, "Result").len(), 1);
    assert_eq!(w.metric("Submitted", Some(("Action", "Proceed"))), 1);
    assert_eq!(
        w.metric("AnsweredElsewhere", None),
        0,
        "our own answer is not someone else's"
    );
}

#[tokio::test]
async fn a_submit_refused_before_octopus_applied_it_is_sent_again_after_a_read_shows_it_pending() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);
    w.sim.inject(Fault::status(503).path_contains("/submit"));

    let failed = w.run(vec![w.record("m-1", &raised.event_id, PROCEED)]).await;

    assert!(failed.is_empty());
    let trail: Vec<String> = w
        .sim
        .requests()
        .iter()
        .filter(|r| r.path.contains(&raised.interruption_id))
        .map(|r| format!("{} {}", r.method, r.status))
        .collect();
    assert_eq!(
        trail,
        ["PUT 200", "POST 503", "GET 200", "POST 200"],
        "read before sending again"
    );
    assert_eq!(w.submitted(&raised.interruption_id, "Result").len(), 1);
}

#[tokio::test]
async fn a_failing_sibling_interruption_does_not_drop_the_count_of_the_answer_already_submitted() {
    let w = world().await;
    let target = w.deployment();
    let first = w.sim.raise_manual_intervention(&target);
    let second = w.sim.raise_manual_intervention(&target);
    w.sim.inject(
        Fault::status(400)
            .path_contains(format!("{}/submit", second.interruption_id))
            .times(5),
    );

    let failed = w.run(vec![w.record("m-1", &first.event_id, PROCEED)]).await;

    assert_eq!(failed, ["m-1"], "the record fails for the sibling");
    assert_eq!(w.submitted(&first.interruption_id, "Result").len(), 1);
    assert_eq!(w.metric("Submitted", Some(("Action", "Proceed"))), 1);
    assert_eq!(w.metric("Failed", Some(("Cause", "rejected"))), 1);
}

#[tokio::test]
async fn a_copy_of_an_older_record_leaves_a_next_round_unidentified_failure_whose_event_is_not_counted_yet_to_its_own_record()
 {
    let w = world().await;
    let target = w.deployment();
    w.sim.set_retry_outcome(&target, 1);
    let first = w.sim.raise_guided_failure_on(&target, "Deploy", "", &[]); // names no machine
    w.sim.hold_events(true); // the next round's interruption exists before its event
    w.run(vec![w.record("m-1", &first.event_id, RETRY_1)]).await;
    let next_round = w.sim.interruption_ids().into_iter().last().unwrap();
    assert_ne!(next_round, first.interruption_id);

    let failed = w.run(vec![w.record("m-1-copy", &first.event_id, RETRY_1)]).await;

    assert!(failed.is_empty());
    assert!(
        w.submitted(&next_round, "Guidance").is_empty(),
        "not answered on a count that misses its own event"
    );
    assert_eq!(w.metric("LeftToOwnRecord", None), 1);

    w.sim.release_events();
    let own_event = latest_guided_failure_event(&w);
    let failed = w.run(vec![w.record("m-2", &own_event, RETRY_1)]).await;

    assert!(failed.is_empty());
    let answers: Vec<_> = w
        .sim
        .submissions()
        .into_iter()
        .map(|s| s.values["Guidance"].clone().unwrap())
        .collect();
    assert_eq!(answers, ["Retry", "Fail"], "one retry, then the budget holds");
}

#[tokio::test]
async fn taking_responsibility_refused_because_it_was_answered_meanwhile_counts_as_answered_elsewhere() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);
    w.sim.inject(
        Fault::answered_first(&[("Result", "Abort"), ("Notes", "a person decided")]).path_contains("/responsible"),
    );

    let failed = w.run(vec![w.record("m-1", &raised.event_id, PROCEED)]).await;

    assert!(
        failed.is_empty(),
        "not a failure: handed back it would find nothing pending anyway"
    );
    assert_eq!(w.requests_to("POST", "/submit"), 0);
    assert_eq!(w.metric("AnsweredElsewhere", None), 1);
}
