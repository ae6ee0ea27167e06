//! The doctor's answer: one line per check, what was found and, when something is wrong, how to
//! fix it. Read by a person, so plain text in aligned columns.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Works, but worth a look (e.g. a token that cannot be read back).
    Warn,
    Fail,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "FAIL",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub what: String,
    pub status: Status,
    /// What was found.
    pub found: String,
    /// How to fix it (empty when nothing is wrong).
    pub fix: String,
}

impl Check {
    pub fn ok(what: impl Into<String>, found: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            status: Status::Ok,
            found: found.into(),
            fix: String::new(),
        }
    }

    pub fn warn(what: impl Into<String>, found: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            status: Status::Warn,
            fix: fix.into(),
            ..Self::ok(what, found)
        }
    }

    pub fn fail(what: impl Into<String>, found: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            status: Status::Fail,
            fix: fix.into(),
            ..Self::ok(what, found)
        }
    }
}

/// Every finding of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report(pub Vec<Check>);

impl Report {
    pub fn push(&mut self, check: Check) {
        self.0.push(check);
    }

    /// Whether anything failed: the process's exit code says so.
    pub fn failed(&self) -> bool {
        self.0.iter().any(|c| c.status == Status::Fail)
    }

    pub fn failures(&self) -> usize {
        self.0.iter().filter(|c| c.status == Status::Fail).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.0.iter().map(|c| c.what.chars().count()).max().unwrap_or(0);
        for check in &self.0 {
            writeln!(
                f,
                "{:<4}  {:<width$}  {}",
                check.status.as_str(),
                check.what,
                check.found
            )?;
            if !check.fix.is_empty() {
                writeln!(f, "{:<4}  {:<width$}  fix: {}", "", "", check.fix)?;
            }
        }
        let failures = self.failures();
        match failures {
            0 => write!(f, "\nall {} checks passed", self.0.len()),
            n => write!(f, "\n{n} of {} checks failed", self.0.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_aligns_its_checks_and_gives_the_fix_under_a_failure() {
        let mut report = Report::default();
        report.push(Check::ok("server", "https://octopus.example.com, Octopus 2026.1.3777"));
        report.push(Check::fail(
            "permissions in Spaces-1",
            "missing InterruptionSubmit",
            "grant the responder's user InterruptionSubmit in Spaces-1",
        ));
        let text = report.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "ok    server                   https://octopus.example.com, Octopus 2026.1.3777"
        );
        assert_eq!(lines[1], "FAIL  permissions in Spaces-1  missing InterruptionSubmit");
        assert_eq!(
            lines[2],
            "                               fix: grant the responder's user InterruptionSubmit in Spaces-1"
        );
        assert_eq!(lines.last(), Some(&"1 of 2 checks failed"));
        assert!(report.failed());
    }

    #[test]
    fn warnings_do_not_fail_the_run() {
        let report = Report(vec![Check::warn(
            "token",
            "cannot be read back",
            "run apply --rewrite-tokens",
        )]);
        assert!(!report.failed());
        assert!(report.to_string().ends_with("all 1 checks passed"));
    }
}
