//! What each simulated deployment does: which interruptions it raises, in which order, under
//! which answering rule, and so which answer each interruption must get. Deterministic from a
//! seed, so a failing run can be repeated.

use octopus_sim::{Simulator, Target};

/// SplitMix64: small, fast and good enough to spread scenario shapes.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number from `low` to `high`, both included.
    pub fn between(&mut self, low: u32, high: u32) -> u32 {
        low + (self.next_u64() % u64::from(high - low + 1)) as u32
    }
}

/// The two kinds of interruption, as the simulator names them in `Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    GuidedFailure,
    ManualIntervention,
}

impl Kind {
    pub fn from_type(value: &str) -> Option<Self> {
        match value {
            "GuidedFailure" => Some(Self::GuidedFailure),
            "ManualIntervention" => Some(Self::ManualIntervention),
            _ => None,
        }
    }

    /// The event category that announces it.
    pub fn category(self) -> &'static str {
        match self {
            Self::GuidedFailure => "GuidedFailureInterruptionRaised",
            Self::ManualIntervention => "ManualInterventionInterruptionRaised",
        }
    }

    /// The form element that carries the answer.
    pub fn element(self) -> &'static str {
        match self {
            Self::GuidedFailure => "Guidance",
            Self::ManualIntervention => "Result",
        }
    }
}

/// What must happen to one interruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Answered exactly once with this button value.
    Answer(&'static str),
    /// Never answered: left to a person, for this reason (the `Skipped` metric's `Reason`).
    LeftToPerson(&'static str),
}

/// One deployment's script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// A step that keeps failing under `type=Guidance&action=Retry&maximumretry=N`: Octopus
    /// raises a new guided failure after each Retry, `fails_again` times; the first
    /// `maximum_retry` are answered Retry, the one after that Fail.
    RetryLoop { maximum_retry: u8, fails_again: u32 },
    /// `steps` guided failures one after another, each answered `action`.
    Guidance { action: &'static str, steps: u32 },
    /// `steps` manual interventions one after another, each answered `action`.
    Manual { action: &'static str, steps: u32 },
    /// `steps` times a manual intervention and a guided failure pending at once, under two
    /// rules (Proceed and Ignore): two events of one deployment travel together.
    Mixed { steps: u32 },
    /// A manual intervention another user holds: the responder leaves it to them.
    HeldByOther,
    /// A manual intervention the responder's user may not take.
    CannotTake,
    /// A guided failure whose form has no Exclude button, under an Exclude rule.
    ExcludeNotOffered,
}

impl Script {
    /// How many times the scenario raises something (a Retry loop raises once; Octopus goes on).
    pub fn steps(&self) -> u32 {
        match *self {
            Self::Guidance { steps, .. } | Self::Manual { steps, .. } | Self::Mixed { steps } => steps,
            _ => 1,
        }
    }

    /// How many interruptions the deployment ends up with when every rule is followed.
    pub fn interruptions(&self) -> u32 {
        match *self {
            Self::RetryLoop {
                maximum_retry,
                fails_again,
            } => (fails_again + 1).min(u32::from(maximum_retry) + 1),
            Self::Mixed { steps } => 2 * steps,
            other => other.steps(),
        }
    }

    /// Raises step `step` (from 0) and returns the interruption ids it raised.
    pub fn raise(&self, sim: &Simulator, target: &Target) -> Vec<String> {
        match *self {
            Self::RetryLoop { fails_again, .. } => {
                sim.set_retry_outcome(target, fails_again);
                vec![sim.raise_guided_failure(target, &[]).interruption_id]
            }
            Self::Guidance { .. } => vec![sim.raise_guided_failure(target, &[]).interruption_id],
            Self::Manual { .. } => vec![sim.raise_manual_intervention(target).interruption_id],
            Self::Mixed { .. } => vec![
                sim.raise_manual_intervention(target).interruption_id,
                sim.raise_guided_failure(target, &[]).interruption_id,
            ],
            Self::HeldByOther => {
                let id = sim.raise_manual_intervention(target).interruption_id;
                sim.take_responsibility_as_other_user(&id);
                vec![id]
            }
            Self::CannotTake => {
                let id = sim.raise_manual_intervention(target).interruption_id;
                sim.set_can_take_responsibility(&id, false);
                vec![id]
            }
            Self::ExcludeNotOffered => vec![
                sim.raise_guided_failure(target, &["Fail", "Retry", "Ignore"])
                    .interruption_id,
            ],
        }
    }

    /// The webhook URL query of the subscription for `kind`, if this deployment has one.
    /// `variant` spells it in different letter cases, as people type URLs.
    pub fn query(&self, kind: Kind, variant: u64) -> Option<String> {
        let (kind_value, action, retry) = match (*self, kind) {
            (Self::RetryLoop { maximum_retry, .. }, Kind::GuidedFailure) => ("Guidance", "Retry", Some(maximum_retry)),
            (Self::Guidance { action, .. }, Kind::GuidedFailure) => ("Guidance", action, None),
            (Self::Manual { action, .. }, Kind::ManualIntervention) => ("Result", action, None),
            (Self::Mixed { .. }, Kind::GuidedFailure) => ("Guidance", "Ignore", None),
            (Self::Mixed { .. } | Self::HeldByOther | Self::CannotTake, Kind::ManualIntervention) => {
                ("Result", "Proceed", None)
            }
            (Self::ExcludeNotOffered, Kind::GuidedFailure) => ("Guidance", "Exclude", None),
            _ => return None,
        };
        let mut query = match variant % 3 {
            0 => format!("type={kind_value}&action={action}"),
            1 => format!(
                "TYPE={}&Action={}",
                kind_value.to_ascii_lowercase(),
                action.to_ascii_uppercase()
            ),
            _ => format!("action={action}&source=octopus&type={kind_value}"),
        };
        if let Some(n) = retry {
            query.push_str(&format!("&maximumretry={n}"));
        }
        Some(query)
    }

    /// What the `ordinal`-th (from 1) interruption of `kind` must get.
    pub fn expected(&self, kind: Kind, ordinal: u32) -> Option<Expected> {
        Some(match (*self, kind) {
            (Self::RetryLoop { maximum_retry, .. }, Kind::GuidedFailure) => {
                Expected::Answer(if ordinal <= u32::from(maximum_retry) {
                    "Retry"
                } else {
                    "Fail"
                })
            }
            (Self::Guidance { action, .. }, Kind::GuidedFailure) => Expected::Answer(action),
            (Self::Manual { action, .. }, Kind::ManualIntervention) => Expected::Answer(action),
            (Self::Mixed { .. }, Kind::GuidedFailure) => Expected::Answer("Ignore"),
            (Self::Mixed { .. }, Kind::ManualIntervention) => Expected::Answer("Proceed"),
            (Self::HeldByOther, Kind::ManualIntervention) => Expected::LeftToPerson("held_by_another_user"),
            (Self::CannotTake, Kind::ManualIntervention) => Expected::LeftToPerson("cannot_take_responsibility"),
            (Self::ExcludeNotOffered, Kind::GuidedFailure) => Expected::LeftToPerson("action_not_offered"),
            _ => return None,
        })
    }

    /// The reason the responder leaves this deployment's interruption to a person, if it does.
    pub fn skip_reason(&self) -> Option<&'static str> {
        match *self {
            Self::HeldByOther => Some("held_by_another_user"),
            Self::CannotTake => Some("cannot_take_responsibility"),
            Self::ExcludeNotOffered => Some("action_not_offered"),
            _ => None,
        }
    }
}

/// The scripts of `deployments` deployments. With `skips`, about one in twenty leaves its
/// interruption to a person (held by another user, not takeable, Exclude not offered).
pub fn scripts(deployments: usize, seed: u64, skips: bool) -> Vec<Script> {
    let mut rng = Rng::new(seed);
    (0..deployments)
        .map(|n| {
            if skips && n % 20 == 19 {
                return [Script::HeldByOther, Script::CannotTake, Script::ExcludeNotOffered][(n / 20) % 3];
            }
            match rng.between(0, 99) {
                0..=34 => Script::RetryLoop {
                    maximum_retry: rng.between(0, 10) as u8,
                    fails_again: rng.between(0, 12),
                },
                35..=49 => Script::Guidance {
                    action: ["Fail", "Ignore", "Exclude"][rng.between(0, 2) as usize],
                    steps: rng.between(4, 12),
                },
                50..=84 => {
                    if rng.between(0, 9) == 0 {
                        Script::Manual {
                            action: "Abort",
                            steps: 1,
                        }
                    } else {
                        Script::Manual {
                            action: "Proceed",
                            steps: rng.between(4, 14),
                        }
                    }
                }
                _ => Script::Mixed {
                    steps: rng.between(3, 8),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_loop_is_retried_up_to_the_budget_then_failed() {
        let script = Script::RetryLoop {
            maximum_retry: 2,
            fails_again: 5,
        };
        assert_eq!(script.interruptions(), 3);
        let answers: Vec<_> = (1..=3).map(|n| script.expected(Kind::GuidedFailure, n)).collect();
        assert_eq!(
            answers,
            [
                Some(Expected::Answer("Retry")),
                Some(Expected::Answer("Retry")),
                Some(Expected::Answer("Fail"))
            ]
        );
        let short = Script::RetryLoop {
            maximum_retry: 5,
            fails_again: 1,
        };
        assert_eq!(short.interruptions(), 2, "the step succeeds after its second retry");
    }

    #[test]
    fn scripts_are_the_same_for_the_same_seed() {
        assert_eq!(scripts(50, 7, true), scripts(50, 7, true));
        assert_ne!(scripts(50, 7, true), scripts(50, 8, true));
    }
}
