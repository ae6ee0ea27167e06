//! What a batch did, counted: answers submitted by action, retry budgets spent, interruptions
//! left to a person by reason, people told (and notices that failed), records failed by cause. Logged once per batch, so an operator
//! sees at a glance that skips or failures happen (and why) without reading every line.

use std::collections::BTreeMap;

use crate::decision::SkipReason;
use crate::notices::Telling;
use crate::outcome::{InterruptionOutcome, RecordFailure, RecordReport};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub records: usize,
    /// Records the sweep queued (an interruption no webhook brought), answered or not.
    pub swept_records: usize,
    /// Submitted answers by action (`Retry`, `Fail`, `Proceed`, ...).
    pub submitted: BTreeMap<&'static str, usize>,
    /// Fail answered because the retry budget was spent.
    pub budget_spent: usize,
    /// Left to a person, by reason.
    pub skipped: BTreeMap<&'static str, usize>,
    pub answered_elsewhere: usize,
    pub dry_run: usize,
    /// Newer interruptions left to the record their own event brings.
    pub left_to_own_record: usize,
    /// Records with no pending interruption of the rule's kind.
    pub nothing_pending: usize,
    /// Failed records by cause.
    pub failed: BTreeMap<&'static str, usize>,
    /// Notices sent to a person.
    pub people_told: usize,
    /// Notices that could not be sent, by cause.
    pub notices_failed: BTreeMap<&'static str, usize>,
}

impl Tally {
    pub fn answered(&mut self, report: &RecordReport) {
        self.records += 1;
        if report.answers.is_empty() {
            self.nothing_pending += 1;
        }
        self.outcomes(report);
    }

    /// A failed record, counting what it did before it failed.
    pub fn failed_after(&mut self, failure: &RecordFailure) {
        self.failed(failure.error.cause());
        if let Some(done) = &failure.done {
            self.outcomes(done);
        }
    }

    fn outcomes(&mut self, report: &RecordReport) {
        for answered in &report.answers {
            let decision = &answered.decision;
            match answered.told {
                Telling::Sent => self.people_told += 1,
                Telling::Failed(cause) => *self.notices_failed.entry(cause).or_default() += 1,
                Telling::NotNeeded | Telling::AlreadyTold | Telling::Off => {}
            }
            match answered.outcome {
                InterruptionOutcome::Submitted => {
                    let action = decision.action.map_or("none", |a| a.as_str());
                    *self.submitted.entry(action).or_default() += 1;
                    self.budget_spent += usize::from(decision.budget_spent);
                }
                InterruptionOutcome::AnsweredElsewhere => self.answered_elsewhere += 1,
                InterruptionOutcome::Skipped(reason) => {
                    *self.skipped.entry(reason.as_str()).or_default() += 1;
                    if reason == SkipReason::LeftByRule {
                        self.budget_spent += usize::from(decision.budget_spent);
                    }
                }
                InterruptionOutcome::LeftToItsOwnRecord => self.left_to_own_record += 1,
                InterruptionOutcome::DryRun => self.dry_run += 1,
            }
        }
    }

    pub fn failed(&mut self, cause: &'static str) {
        self.records += 1;
        *self.failed.entry(cause).or_default() += 1;
    }

    pub fn merge(&mut self, other: Tally) {
        self.records += other.records;
        self.swept_records += other.swept_records;
        self.budget_spent += other.budget_spent;
        self.answered_elsewhere += other.answered_elsewhere;
        self.dry_run += other.dry_run;
        self.left_to_own_record += other.left_to_own_record;
        self.nothing_pending += other.nothing_pending;
        self.people_told += other.people_told;
        for (target, source) in [
            (&mut self.submitted, other.submitted),
            (&mut self.skipped, other.skipped),
            (&mut self.failed, other.failed),
            (&mut self.notices_failed, other.notices_failed),
        ] {
            for (key, n) in source {
                *target.entry(key).or_default() += n;
            }
        }
    }

    pub fn log(&self) {
        tracing::info!(
            records = self.records,
            swept_records = self.swept_records,
            submitted = ?self.submitted,
            budget_spent = self.budget_spent,
            skipped = ?self.skipped,
            answered_elsewhere = self.answered_elsewhere,
            nothing_pending = self.nothing_pending,
            dry_run = self.dry_run,
            left_to_own_record = self.left_to_own_record,
            failed = ?self.failed,
            people_told = self.people_told,
            notices_failed = ?self.notices_failed,
            "batch done"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Decision;
    use crate::outcome::Answered;
    use messaging::Action;

    fn report(action: Action, budget_spent: bool, outcomes: &[InterruptionOutcome]) -> RecordReport {
        RecordReport {
            answers: outcomes
                .iter()
                .map(|outcome| Answered {
                    interruption_id: "Interruptions-1".to_owned(),
                    decision: Decision {
                        action: Some(action),
                        budget_spent,
                        notes: String::new(),
                    },
                    outcome: *outcome,
                    told: Telling::NotNeeded,
                })
                .collect(),
        }
    }

    #[test]
    fn counts_submissions_by_action_budget_spent_skips_and_failures() {
        let mut tally = Tally::default();
        tally.answered(&report(Action::Retry, false, &[InterruptionOutcome::Submitted]));
        tally.answered(&report(Action::Fail, true, &[InterruptionOutcome::Submitted]));
        tally.answered(&report(
            Action::Exclude,
            false,
            &[InterruptionOutcome::Skipped(SkipReason::ActionNotOffered)],
        ));
        tally.answered(&report(Action::Proceed, false, &[]));
        let mut other = Tally::default();
        other.failed("timeout");
        other.answered(&report(Action::Retry, false, &[InterruptionOutcome::Submitted]));
        tally.merge(other);

        assert_eq!(tally.records, 6);
        assert_eq!(tally.submitted, BTreeMap::from([("Fail", 1), ("Retry", 2)]));
        assert_eq!(tally.budget_spent, 1);
        assert_eq!(tally.skipped, BTreeMap::from([("action_not_offered", 1)]));
        assert_eq!(tally.nothing_pending, 1);
        assert_eq!(tally.failed, BTreeMap::from([("timeout", 1)]));
    }

    #[test]
    fn counts_people_told_and_notices_that_could_not_be_sent_but_not_repeats() {
        let mut tally = Tally::default();
        let mut told = report(Action::Fail, true, &[InterruptionOutcome::Submitted; 4]);
        for (answered, telling) in told.answers.iter_mut().zip([
            Telling::Sent,
            Telling::AlreadyTold,
            Telling::Failed("notice_publish"),
            Telling::Off,
        ]) {
            answered.told = telling;
        }

        tally.answered(&told);

        assert_eq!(tally.people_told, 1);
        assert_eq!(tally.notices_failed, BTreeMap::from([("notice_publish", 1)]));
    }

    #[test]
    fn a_failed_record_still_counts_the_answers_it_submitted_before_failing() {
        let mut tally = Tally::default();
        let failure = RecordFailure {
            error: crate::outcome::AnswerError::Uncounted {
                category: "GuidedFailureInterruptionRaised",
                document: "ServerTasks-1".into(),
            },
            done: Some(report(
                Action::Proceed,
                false,
                &[InterruptionOutcome::Submitted, InterruptionOutcome::LeftToItsOwnRecord],
            )),
        };

        tally.failed_after(&failure);

        assert_eq!(tally.records, 1);
        assert_eq!(tally.failed, BTreeMap::from([("uncounted_event", 1)]));
        assert_eq!(tally.submitted, BTreeMap::from([("Proceed", 1)]));
        assert_eq!(tally.left_to_own_record, 1);
        assert_eq!(tally.nothing_pending, 0);
    }
}
