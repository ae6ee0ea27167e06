//! `subscriptions plan` and `subscriptions apply`: read the rules and what Octopus has, show the
//! difference, and (apply) make Octopus match. Reads everything first; then creates, updates
//! and deletes one subscription at a time, saying each as it is done, so a run that stops half
//! way says how far it got, and running it again finishes the job.

use messaging::SpaceId;
use octopus::{Deadline, HttpOctopus, OctopusError, Space};

use crate::changes::{Change, Existing};

/// What Octopus has: every subscription of every space the key can see.
pub async fn existing(
    octopus: &HttpOctopus,
    spaces: &[Space],
    deadline: Deadline,
) -> Result<Vec<Existing>, OctopusError> {
    let mut existing = Vec::new();
    for space in spaces {
        let Some(id) = SpaceId::parse(&space.id) else { continue };
        for subscription in octopus.subscriptions(&id, deadline).await? {
            existing.push(Existing::from_octopus(&space.id, &subscription));
        }
    }
    Ok(existing)
}

/// Whether the server takes the header value as a sensitive property: what its subscriptions
/// show (a hidden value, or one echoed in clear), else what its version says.
pub fn sensitive_header_values(existing: &[Existing], by_version: bool) -> bool {
    use crate::changes::HeaderValue;
    if existing.iter().any(|e| e.header_value == HeaderValue::Hidden) {
        return true;
    }
    if existing.iter().any(|e| matches!(e.header_value, HeaderValue::Known(_))) {
        return false;
    }
    by_version
}

/// The plan, printed one line per subscription the rules want or the CLI owns.
pub fn print_plan(changes: &[Change]) {
    if changes.is_empty() {
        println!("no rules and no subscriptions owned by this environment: nothing to do");
        return;
    }
    for change in changes {
        println!("{change}");
    }
    let count = |verb: &str| changes.iter().filter(|c| c.verb() == verb).count();
    println!(
        "\n{} to create, {} to update, {} to delete, {} unchanged",
        count("create"),
        count("update"),
        count("delete"),
        count("unchanged")
    );
}

/// Carries out `changes`; stops at the first error, which says what was done before it.
pub async fn apply(
    octopus: &HttpOctopus,
    changes: &[Change],
    sensitive: bool,
    deadline: Deadline,
) -> Result<usize, ApplyError> {
    let mut done = 0;
    for change in changes.iter().filter(|c| c.changes_something()) {
        let space = SpaceId::parse(change.space_id()).ok_or_else(|| ApplyError {
            done,
            error: format!("{} is not a space id", change.space_id()),
        })?;
        let result = match change {
            Change::Create(desired) => octopus
                .create_subscription(&space, &desired.write(sensitive), deadline)
                .await
                .map(|_| ()),
            Change::Update { id, desired, .. } => {
                let id = octopus_id(id, done)?;
                octopus
                    .update_subscription(&space, &id, &desired.write(sensitive), deadline)
                    .await
                    .map(|_| ())
            }
            Change::Delete(existing) => {
                let id = octopus_id(&existing.id, done)?;
                octopus.delete_subscription(&space, &id, deadline).await
            }
            Change::Unchanged(_) => Ok(()),
        };
        if let Err(error) = result {
            return Err(ApplyError {
                done,
                error: format!("{} {} failed: {error}", change.verb(), change.name()),
            });
        }
        done += 1;
        println!("{:<9} {} {}: done", change.verb(), change.space_id(), change.name());
    }
    Ok(done)
}

fn octopus_id(id: &str, done: usize) -> Result<messaging::OctopusId, ApplyError> {
    messaging::OctopusId::parse(id).ok_or_else(|| ApplyError {
        done,
        error: format!("{id} is not an Octopus id"),
    })
}

/// An apply that stopped: how many changes were made before, and why.
#[derive(Debug, thiserror::Error)]
#[error(
    "{error}; {done} change(s) were made before it. Fix it and run apply again: what is done already is not redone"
)]
pub struct ApplyError {
    pub done: usize,
    pub error: String,
}
