//! Faults during load: Octopus answering 5xx and 429 with Retry-After, answers slower than the
//! client's timeout, a full Octopus outage, SQS refusing accept-message for a while, and poison
//! messages. After the faults clear everything is answered once; only the poison is dead-lettered.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reliability::{Config, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_octopus_and_sqs_faults_everything_is_answered_once_and_only_poison_is_dead_lettered() {
    let logs = reliability::logs::capture_everywhere(tracing::Level::WARN).unwrap();
    let config = Config::faults();
    let report = run(&config).await.unwrap();
    println!("{}", report.summary());

    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    let faults = &report.faults;
    assert!(
        faults.octopus_5xx > 0 && faults.octopus_429 > 0 && faults.timeouts > 0,
        "{faults:?}"
    );
    // Each call the client gave up on is logged once: retried, a submit read back before
    // anything else (it may have been applied), or as the record's failure.
    let mut failures = logs.lines_with_message("octopus call failed; retrying");
    failures.extend(logs.lines_with_message("submit failed; reading the interruption to see whether it was applied"));
    failures.extend(logs.lines_with_message("record failed"));
    let timed_out = failures
        .iter()
        .filter(|l| l["fields"]["error"].as_str().unwrap_or_default().contains("timed out"))
        .count();
    assert!(timed_out >= faults.timeouts, "only {timed_out} calls timed out");
    assert!(faults.outage_rejections > 0, "the outage refused calls: {faults:?}");
    assert!(
        report.failed_receipts > 0,
        "some records were handed back and redelivered"
    );
    let sqs_outage = config.sqs_outage.unwrap();
    assert_eq!(faults.sqs_refused, sqs_outage.publishes);
    assert_eq!(
        report.statuses.get(&503).copied(),
        Some(sqs_outage.publishes),
        "each got a 503"
    );
    assert_eq!(report.half_written, 0, "a refused webhook left nothing on the queue");
    assert_eq!((report.lost, report.duplicates), (0, 0));
    assert_eq!(report.answered_once, report.expected_answered);
    assert_eq!(report.queue_left, 0);
    assert_eq!(
        (report.dlq, report.dlq_unexpected),
        (config.poison, 0),
        "only the poison"
    );
    assert_eq!(
        report.metrics.failed.get("bad_record").copied(),
        Some(u64::from(config.max_receive_count) * config.poison as u64),
        "each poison message was tried maxReceiveCount times"
    );
}
