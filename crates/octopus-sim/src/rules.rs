//! Server-side rules for taking responsibility and submitting an interruption.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use crate::error::ApiError;
use crate::state::{Interruption, State};
use crate::types::{Permission, Submission};

pub(crate) const NOT_PENDING: &str = "The interruption is not pending input";
pub(crate) const NOT_RESPONSIBLE: &str = "You must take responsibility for this interruption before submitting it";
pub(crate) const NO_PERMISSION: &str = "You do not have permission to take responsibility for this interruption";

impl State {
    /// The interruption `id` if it exists in `space`.
    pub(crate) fn interruption_in(&self, space: &str, id: &str) -> Result<&Interruption, ApiError> {
        self.interruption(id)
            .filter(|i| i.space_id == space)
            .ok_or_else(ApiError::not_found)
    }

    /// `PUT .../responsible`: 403 if the caller may not, 400 if not pending; stealing is allowed
    /// (and recorded); taking it again as the holder is a no-op.
    pub(crate) fn take_responsibility(&mut self, space: &str, id: &str, user: &str) -> Result<(), ApiError> {
        let i = self.interruption_in(space, id)?;
        self.require(user, space, Permission::InterruptionSubmit)?;
        if i.cannot_take.contains(user) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, NO_PERMISSION));
        }
        if !i.pending {
            return Err(ApiError::bad_request(NOT_PENDING));
        }
        let stolen = i.responsible_user.as_deref().is_some_and(|u| u != user);
        if stolen {
            self.steals.push(id.to_owned());
        }
        if let Some(i) = self.interruption_mut(id) {
            i.responsible_user = Some(user.to_owned());
        }
        Ok(())
    }

    /// `POST .../submit`: pending, then responsibility, then the button value; records it.
    pub(crate) fn submit(
        &mut self,
        space: &str,
        id: &str,
        user: &str,
        values: BTreeMap<String, Option<String>>,
    ) -> Result<(), ApiError> {
        let i = self.interruption_in(space, id)?;
        self.require(user, space, Permission::InterruptionSubmit)?;
        if !i.pending {
            return Err(ApiError::bad_request(NOT_PENDING));
        }
        if i.responsible_user.as_deref() != Some(user) {
            return Err(ApiError::bad_request(NOT_RESPONSIBLE));
        }
        let element = i.kind.button_element();
        let allowed: Vec<&str> = i.buttons.iter().map(|b| b.value.as_str()).collect();
        let chosen = values.get(element).cloned().flatten();
        let problem = match chosen.as_deref() {
            None => Some(format!("A value is required for {element}.")),
            Some(v) if !allowed.contains(&v) => Some(format!("The value '{v}' is not valid for {element}.")),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            let detail = format!("{element} must be one of: {}.", allowed.join(", "));
            return Err(
                ApiError::bad_request("There was a problem with your request.").with_errors(vec![problem, detail])
            );
        }
        self.submissions.push(Submission {
            interruption_id: id.to_owned(),
            user_id: user.to_owned(),
            values: values.clone(),
        });
        self.complete(id, &values, user);
        Ok(())
    }
}
