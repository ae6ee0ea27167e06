//! The calls of the operator CLI, on the same requests, retries and paging as the responder's:
//! what the server is, who the API key is and what it may do, subscriptions managed as code, and
//! projects, environments and tenants looked up by name.
//!
//! Writes follow `submit`: a create (`POST`) is never sent again once Octopus may have acted on
//! it (its error says [`OctopusError::may_have_been_applied`]; read the subscriptions back by name
//! before trying again), while an update (`PUT` of the whole resource) and a delete are retried
//! like reads. A 400 carries Octopus's `ErrorMessage` and `Errors` in the error's message.

use messaging::{OctopusId, SpaceId};
use reqwest::Method;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

use super::{Call, HttpOctopus};
use crate::api::Deadline;
use crate::error::OctopusError;
use crate::model::{Named, NamedResource, RootDocument, Subscription, SubscriptionWrite, User, UserPermissions};

impl HttpOctopus {
    /// `GET /api`: the server's version (needs no permission).
    pub async fn root(&self, deadline: Deadline) -> Result<RootDocument, OctopusError> {
        self.send(Call::new(Method::GET, Vec::new()), deadline).await
    }

    /// `GET /api/users/me`: the API key's user.
    pub async fn current_user(&self, deadline: Deadline) -> Result<User, OctopusError> {
        self.send(Call::new(Method::GET, vec!["users", "me"]), deadline).await
    }

    /// `GET /api/users/{id}/permissions`: what `user_id` may do, space by space. Octopus documents
    /// it for the calling user's own id.
    pub async fn permissions(&self, user_id: &OctopusId, deadline: Deadline) -> Result<UserPermissions, OctopusError> {
        let call = Call::new(Method::GET, vec!["users", user_id.as_str(), "permissions"]);
        self.send(call, deadline).await
    }

    /// `POST /api/{space}/subscriptions` (needs `SubscriptionCreate`): the new subscription, as
    /// Octopus answers it (201). Not idempotent: see the module documentation.
    pub async fn create_subscription(
        &self,
        space: &SpaceId,
        subscription: &SubscriptionWrite,
        deadline: Deadline,
    ) -> Result<Subscription, OctopusError> {
        let body = subscription.body(space);
        let call = Call {
            body: Some(&body),
            idempotent: false,
            ..Call::new(Method::POST, vec![space.as_str(), "subscriptions"])
        };
        self.send(call, deadline).await
    }

    /// `PUT /api/{space}/subscriptions/{id}` (needs `SubscriptionView` to read it and
    /// `SubscriptionEdit`): the subscription is read first and written back with `subscription`
    /// laid over it ([`SubscriptionWrite::over`]), so what this client does not model (email
    /// settings, the delivery cursor) is kept. The same body sent twice changes nothing more.
    pub async fn update_subscription(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        subscription: &SubscriptionWrite,
        deadline: Deadline,
    ) -> Result<Subscription, OctopusError> {
        let route = vec![space.as_str(), "subscriptions", id.as_str()];
        let current: Map<String, Value> = self.send(Call::new(Method::GET, route.clone()), deadline).await?;
        let body = subscription.over(current, space);
        let call = Call {
            body: Some(&body),
            ..Call::new(Method::PUT, route)
        };
        self.send(call, deadline).await
    }

    /// `DELETE /api/{space}/subscriptions/{id}` (needs `SubscriptionDelete`). A 404 is an error,
    /// unless it answers a retry after an attempt that may have deleted it.
    pub async fn delete_subscription(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        deadline: Deadline,
    ) -> Result<(), OctopusError> {
        let call = Call {
            done_when_gone: true,
            ..Call::new(Method::DELETE, vec![space.as_str(), "subscriptions", id.as_str()])
        };
        self.send::<IgnoredAny>(call, deadline).await.map(|_| ())
    }

    /// The projects, environments or tenants of `space` named `name` (ignoring case and
    /// surrounding white space), over all pages. `partialName` only narrows what the server sends
    /// (it is a substring filter, and a server may ignore it): the exact match is made here, so
    /// `Web App` never finds `Web App Legacy`. Usually one; several when names differ only in case.
    pub async fn named(
        &self,
        space: &SpaceId,
        kind: Named,
        name: &str,
        deadline: Deadline,
    ) -> Result<Vec<NamedResource>, OctopusError> {
        let query = vec![("partialName", name.trim().to_owned())];
        let candidates: Vec<NamedResource> = self
            .all_pages(vec![space.as_str(), kind.segment()], query, deadline)
            .await?;
        Ok(candidates.into_iter().filter(|c| c.is_named(name)).collect())
    }
}
