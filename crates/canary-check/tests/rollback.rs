//! The hook as CodeDeploy runs it, end to end on loopback: the real canary-check binary (under a
//! local Runtime API), told where CodeDeploy and Lambda are by `AWS_ENDPOINT_URL_CODEDEPLOY` and
//! `AWS_ENDPOINT_URL_LAMBDA`, reads each deployment from a CodeDeploy stand-in and invokes the
//! published versions through the AWS SDK's Lambda client; those versions are the real
//! accept-message, process-message and sweep-interruptions binaries, run by harness's Invoke API
//! against a moto SQS queue and the Octopus simulator. A process-message version that fails every
//! record (its Octopus answers 503 to everything), or that is the wrong build (accept-message's
//! binary published as process-message), must be reported `Failed`: CodeDeploy then fails the
//! deployment and its auto-rollback keeps `live` on the version it had. The good versions must be
//! reported `Succeeded`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::FakeCodeDeploy;
use harness::Moto;
use harness::lambda::{LocalLambda, Running, workspace_binary};
use octopus_sim::{Fault, Simulator};

const SECRET: &str = "canary-check-test-webhook-secret";
const HEADER: &str = "X-Octopus-Webhook-Token";
const ACCEPT: &str = "r-test-accept-message";
const PROCESS: &str = "r-test-process-message";
const SWEEP: &str = "r-test-sweep-interruptions";

fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

struct World {
    lambda: LocalLambda,
    codedeploy: FakeCodeDeploy,
    hook: Running,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    // Kept alive for the binaries that talk to them.
    _sim: Simulator,
    _broken: Simulator,
}

async fn world() -> World {
    let moto = Moto::shared().expect("moto server");
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config().await);
    let (queue_url, _dlq) = moto.create_queue_pair(&sqs, false, 3).await.expect("queue");
    let sim = Simulator::start().await.unwrap();
    let broken = Simulator::start().await.unwrap();
    broken.inject(Fault::status(503).times(u32::MAX));

    let aws = [
        ("AWS_ENDPOINT_URL", moto.endpoint()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ];
    let with_aws = |more: &[(&str, &str)]| -> Vec<(String, String)> { pairs(&[&aws[..], more].concat()) };
    let lambda = LocalLambda::start().await.unwrap();
    let binary = |name: &str| -> PathBuf { workspace_binary(name).unwrap() };
    let base_url = sim.base_url();
    let broken_url = broken.base_url();
    let publish = |function: &str, version: &str, binary: &PathBuf, env: Vec<(String, String)>| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        lambda.publish(function, version, binary, &env);
    };
    publish(
        ACCEPT,
        "4",
        &binary("accept-message"),
        with_aws(&[
            ("QUEUE_URL", &queue_url),
            ("WEBHOOK_HEADER_NAME", HEADER),
            ("WEBHOOK_TOKEN", SECRET),
        ]),
    );
    let octopus = |url: &str| with_aws(&[("OCTOPUS_SERVER_URL", url), ("OCTOPUS_API_KEY", sim.api_key())]);
    publish(PROCESS, "7", &binary("process-message"), octopus(&base_url));
    publish(PROCESS, "8", &binary("process-message"), octopus(&broken_url));
    // A bad build: the wrong function's binary in process-message's zip.
    publish(PROCESS, "9", &binary("accept-message"), octopus(&base_url));
    let mut sweep_env = octopus(&base_url);
    sweep_env.extend(pairs(&[
        ("QUEUE_URL", &queue_url),
        ("WEBHOOK_URLS", "https://responder.example.com/octopus/webhook"),
    ]));
    publish(SWEEP, "3", &binary("sweep-interruptions"), sweep_env);

    let codedeploy = FakeCodeDeploy::start().await;
    let hook_env = pairs(&[
        ("AWS_ENDPOINT_URL_CODEDEPLOY", &codedeploy.endpoint()),
        ("AWS_ENDPOINT_URL_LAMBDA", &lambda.endpoint()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("ACCEPT_MESSAGE_FUNCTION", ACCEPT),
        ("PROCESS_MESSAGE_FUNCTION", PROCESS),
        ("SWEEP_INTERRUPTIONS_FUNCTION", SWEEP),
        ("WEBHOOK_HEADER_NAME", HEADER),
        ("WEBHOOK_TOKEN", SECRET),
    ]);
    let hook = Running::start(
        &PathBuf::from(env!("CARGO_BIN_EXE_canary-check")),
        "r-test-canary-check",
        &hook_env,
    )
    .await
    .unwrap();
    World {
        lambda,
        codedeploy,
        hook,
        sqs,
        queue_url,
        _sim: sim,
        _broken: broken,
    }
}

impl World {
    /// CodeDeploy's lifecycle event for `deployment_id`; the hook's answer (its verdict).
    async fn lifecycle_event(&mut self, deployment_id: &str, hook_execution_id: &str) -> serde_json::Value {
        let event = serde_json::json!({
            "DeploymentId": deployment_id,
            "LifecycleEventHookExecutionId": hook_execution_id,
        });
        let answer = self.hook.answer(event.to_string()).await.unwrap();
        assert!(answer.ok, "the hook itself failed: {}", answer.body);
        serde_json::from_str(&answer.body).unwrap()
    }
}

#[tokio::test]
async fn a_process_message_version_that_fails_every_record_or_is_the_wrong_build_is_reported_failed() {
    let mut w = world().await;
    w.codedeploy.deploy("d-FAILSRECORDS", PROCESS, "7", "8");
    w.codedeploy.deploy("d-WRONGBUILD", PROCESS, "7", "9");

    let fails_records = w.lifecycle_event("d-FAILSRECORDS", "hook-before-1").await;
    let wrong_build = w.lifecycle_event("d-WRONGBUILD", "hook-before-2").await;

    assert_eq!(fails_records["status"], "Failed", "{fails_records}");
    let detail = fails_records["checks"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("1 record(s) failed"), "{detail}");
    assert_eq!(wrong_build["status"], "Failed", "{wrong_build}");
    let detail = wrong_build["checks"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("reported an error"), "{detail}");
    let reports: Vec<_> = w
        .codedeploy
        .reports()
        .into_iter()
        .map(|r| (r.deployment_id, r.hook_execution_id, r.status))
        .collect();
    assert_eq!(
        reports,
        [
            (
                "d-FAILSRECORDS".to_owned(),
                "hook-before-1".to_owned(),
                "Failed".to_owned()
            ),
            (
                "d-WRONGBUILD".to_owned(),
                "hook-before-2".to_owned(),
                "Failed".to_owned()
            ),
        ]
    );
    let invoked: Vec<_> = w
        .lambda
        .invocations()
        .into_iter()
        .map(|i| (i.function, i.version))
        .collect();
    assert_eq!(
        invoked,
        [
            (PROCESS.to_owned(), "8".to_owned()),
            (PROCESS.to_owned(), "9".to_owned())
        ],
        "the new versions, directly"
    );
}

#[tokio::test]
async fn each_function_s_good_version_passes_its_probes_and_is_let_through() {
    let mut w = world().await;
    w.codedeploy.deploy("d-ACCEPT", ACCEPT, "3", "4");
    w.codedeploy.deploy("d-PROCESS", PROCESS, "6", "7");
    w.codedeploy.deploy("d-SWEEP", SWEEP, "2", "3");

    for deployment in ["d-ACCEPT", "d-PROCESS", "d-SWEEP"] {
        let verdict = w.lifecycle_event(deployment, &format!("hook-{deployment}")).await;
        assert_eq!(verdict["status"], "Succeeded", "{deployment}: {verdict}");
    }

    let reports: Vec<_> = w
        .codedeploy
        .reports()
        .into_iter()
        .map(|r| (r.deployment_id, r.status))
        .collect();
    assert_eq!(
        reports,
        [
            ("d-ACCEPT".to_owned(), "Succeeded".to_owned()),
            ("d-PROCESS".to_owned(), "Succeeded".to_owned()),
            ("d-SWEEP".to_owned(), "Succeeded".to_owned()),
        ]
    );
    let invoked: Vec<_> = w
        .lambda
        .invocations()
        .into_iter()
        .map(|i| (i.function, i.version, i.ok))
        .collect();
    assert_eq!(
        invoked,
        [
            (ACCEPT.to_owned(), "4".to_owned(), true),
            (ACCEPT.to_owned(), "4".to_owned(), true),
            (PROCESS.to_owned(), "7".to_owned(), true),
            (SWEEP.to_owned(), "3".to_owned(), true),
        ]
    );
    // The signed webhook went through accept-message to the queue, named after the deployment;
    // the dry-run sweep queued nothing beside it.
    let messages = w
        .sqs
        .receive_message()
        .queue_url(&w.queue_url)
        .max_number_of_messages(10)
        .message_attribute_names("All")
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(messages.len(), 1);
    let event_id = messages[0].message_attributes().unwrap()["EventId"]
        .string_value()
        .unwrap();
    assert_eq!(event_id, "Events-canary-d-ACCEPT");
}

#[tokio::test]
async fn a_deployment_of_a_version_that_does_not_exist_is_reported_failed() {
    let mut w = world().await;
    w.codedeploy.deploy("d-MISSING", PROCESS, "7", "99");

    let verdict = w.lifecycle_event("d-MISSING", "hook-missing").await;

    assert_eq!(verdict["status"], "Failed");
    let detail = verdict["checks"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("cannot invoke version 99"), "{detail}");
    assert_eq!(w.codedeploy.reports()[0].status, "Failed");
}
