//! Octopus document ids. They end up in URL paths, queue group ids and de-duplication ids, so
//! they are checked once, here: `Prefix-Suffix` made of ASCII letters, digits, `-` and `_`.

use std::fmt;

const MAX_LEN: usize = 100;

/// A validated Octopus id such as `Events-98765` or `Interruptions-5012`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OctopusId(String);

impl OctopusId {
    pub fn parse(value: &str) -> Option<Self> {
        let shaped = !value.is_empty()
            && value.len() <= MAX_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && value
                .split_once('-')
                .is_some_and(|(prefix, rest)| !prefix.is_empty() && !rest.is_empty());
        shaped.then(|| Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the id starts with `prefix` (e.g. `ServerTasks-`), ignoring ASCII case.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.0.len() > prefix.len() && self.0[..prefix.len()].eq_ignore_ascii_case(prefix)
    }
}

impl fmt::Display for OctopusId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A space id, `Spaces-N`: the first segment of every space-scoped route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpaceId(OctopusId);

impl SpaceId {
    pub fn parse(value: &str) -> Option<Self> {
        let id = OctopusId::parse(value)?;
        let digits = &value["Spaces-".len().min(value.len())..];
        (id.has_prefix("Spaces-") && digits.bytes().all(|b| b.is_ascii_digit())).then_some(Self(id))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for SpaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The document an interruption belongs to: the server task, the deployment or the runbook run.
/// Interruptions and events are both queried `regarding` it, and it keys per-deployment ordering.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId(OctopusId);

impl DocumentId {
    /// Prefixes in order of preference. A server task id covers deployments and runbook runs
    /// alike and is what interruptions carry as `TaskId`; the others are fallbacks.
    pub const PREFIXES: [&'static str; 3] = ["ServerTasks-", "Deployments-", "RunbookRuns-"];

    /// Picks the document from an event's `RelatedDocumentIds` by prefix, never by position.
    pub fn select<S: AsRef<str>>(related: &[S]) -> Option<Self> {
        Self::PREFIXES.iter().find_map(|prefix| {
            related
                .iter()
                .filter_map(|id| OctopusId::parse(id.as_ref()))
                .find(|id| id.has_prefix(prefix))
                .map(Self)
        })
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_octopus_shaped_ids() {
        for ok in [
            "Events-98765",
            "Spaces-1",
            "Interruptions-5012",
            "users-system",
            "ServerTasks-2041_x",
        ] {
            assert!(OctopusId::parse(ok).is_some(), "{ok}");
        }
    }

    #[test]
    fn refuses_ids_that_could_escape_a_url_path_or_are_not_ids() {
        for bad in [
            "",
            "Events",
            "-1",
            "Spaces-",
            "Spaces-1/../x",
            "Spaces-1?x=1",
            "Events-1 ",
            "Évents-1",
        ] {
            assert!(OctopusId::parse(bad).is_none(), "{bad:?}");
        }
        assert!(OctopusId::parse(&format!("Events-{}", "9".repeat(100))).is_none());
    }

    #[test]
    fn accepts_only_numbered_space_ids() {
        assert!(SpaceId::parse("Spaces-1").is_some());
        assert!(SpaceId::parse("Spaces-abc").is_none());
        assert!(SpaceId::parse("Projects-1").is_none());
    }

    #[test]
    fn picks_the_server_task_wherever_it_stands_in_the_list() {
        let related = ["Deployments-1207", "Projects-42", "ServerTasks-2041", "Environments-3"];
        assert_eq!(DocumentId::select(&related).unwrap().as_str(), "ServerTasks-2041");
    }

    #[test]
    fn falls_back_to_the_deployment_then_the_runbook_run() {
        assert_eq!(
            DocumentId::select(&["Projects-1", "Deployments-7"]).unwrap().as_str(),
            "Deployments-7"
        );
        assert_eq!(
            DocumentId::select(&["RunbookRuns-3", "Projects-1"]).unwrap().as_str(),
            "RunbookRuns-3"
        );
    }

    #[test]
    fn finds_no_document_among_unrelated_or_malformed_ids() {
        assert!(DocumentId::select(&["Projects-42", "Environments-3", "ServerTasks-1/../2"]).is_none());
        assert!(DocumentId::select::<&str>(&[]).is_none());
    }
}
