//! What identifies one failure: a step on a machine within one task. Octopus names both in the
//! guided-failure form's `Instructions` paragraph, e.g. `'Deploy web (type Run a Script) on
//! web-03 ' in the current task failed. What would you like to do?`. The wording changed over
//! the years, so it is read defensively (quotes of any kind or none, spacing, a step name that
//! itself contains " on "); text that does not read yields no failure, and the caller falls back
//! to the task-wide count, which never allows more retries than before.

use std::fmt;

use octopus::Interruption;

/// One step on one machine.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Failure {
    pub step: String,
    pub machine: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' on {}", self.step, self.machine)
    }
}

const QUOTES: [char; 6] = ['\'', '"', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}'];

impl Failure {
    /// The failure an interruption's `Instructions` names, if they can be read.
    pub fn of(interruption: &Interruption) -> Option<Self> {
        Self::parse(interruption.paragraph("Instructions")?)
    }

    /// Reads `'<step> (type <step type>) on <machine>' in the current task failed...`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let lower = text.to_lowercase();
        // What the failure message is about: up to " in the current task", or the whole text.
        let end = lower.find(" in the current task").unwrap_or(text.len());
        let subject = text[..end]
            .trim()
            .trim_matches(|c: char| QUOTES.contains(&c) || c.is_whitespace());
        let subject_lower = subject.to_lowercase();
        let (step, machine) = match subject_lower.rfind("(type ") {
            Some(type_at) => {
                let after_type = &subject_lower[type_at..];
                let on_at = type_at + after_type.find(") on ")?;
                (&subject[..type_at], &subject[on_at + ") on ".len()..])
            }
            None => {
                let on_at = subject_lower.rfind(" on ")?;
                (&subject[..on_at], &subject[on_at + " on ".len()..])
            }
        };
        let clean = |s: &str| s.trim().trim_matches(|c: char| QUOTES.contains(&c)).trim().to_owned();
        let (step, machine) = (clean(step), clean(machine));
        (!step.is_empty() && !machine.is_empty()).then_some(Self { step, machine })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Option<(String, String)> {
        Failure::parse(text).map(|f| (f.step, f.machine))
    }

    fn pair(step: &str, machine: &str) -> Option<(String, String)> {
        Some((step.to_owned(), machine.to_owned()))
    }

    #[test]
    fn reads_the_step_and_machine_of_the_real_2024_wording_with_its_stray_space() {
        let text = "'Step that will fail (type Run a Script) on DynamicWorker 24-08-11-0600-bi7ri ' in the current \
                    task failed. What would you like to do?";
        assert_eq!(
            parsed(text),
            pair("Step that will fail", "DynamicWorker 24-08-11-0600-bi7ri")
        );
    }

    #[test]
    fn tolerates_other_quotes_spacing_and_a_step_name_containing_on() {
        assert_eq!(
            parsed("  \u{2018}Deploy on Linux  (type Deploy a Package) on web-03\u{2019} in the current task failed."),
            pair("Deploy on Linux", "web-03")
        );
        assert_eq!(
            parsed("\"Deploy web (type Run a Script) on web-01\" in the current task failed"),
            pair("Deploy web", "web-01")
        );
        assert_eq!(
            parsed("'Deploy web on web-02' in the current task failed."),
            pair("Deploy web", "web-02")
        );
    }

    #[test]
    fn text_that_does_not_name_a_step_and_a_machine_yields_no_failure() {
        for text in [
            "",
            "The deployment failed. What would you like to do?",
            "'Deploy web (type Run a Script)' in the current task failed.",
            "' (type Run a Script) on web-01' in the current task failed.",
        ] {
            assert_eq!(parsed(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_same_step_on_the_same_machine_is_the_same_failure_and_reads_well() {
        let a = Failure::parse("'Deploy web (type Run a Script) on web-03' in the current task failed.").unwrap();
        let b = Failure::parse("'Deploy web (type Run a Script) on web-03 ' in the current task failed.").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "'Deploy web' on web-03");
    }
}
