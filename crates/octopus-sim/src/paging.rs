//! Skip/take paging and the Octopus paged-collection shape with its `Page.*` links.

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::params::Params;

/// What `Page.All` asks for, as real servers write it.
const ALL: usize = 2_147_483_647;

/// The `ids` and `partialName` (case-insensitive) filters of a collection of named things,
/// echoed in the page's links.
#[derive(Debug)]
pub(crate) struct ByName {
    ids: Vec<String>,
    needle: Option<String>,
}

impl ByName {
    pub(crate) fn read(params: &Params, page: &mut Page) -> Self {
        let ids = params.list("ids");
        let partial = params.single("partialName");
        if !ids.is_empty() {
            page.filter("ids", ids.join(","));
        }
        if let Some(p) = &partial {
            page.filter("partialName", p.clone());
        }
        Self {
            ids,
            needle: partial.map(|p| p.to_lowercase()),
        }
    }

    pub(crate) fn matches(&self, id: &str, name: &str) -> bool {
        (self.ids.is_empty() || self.ids.iter().any(|i| i == id))
            && self.needle.as_deref().is_none_or(|n| name.to_lowercase().contains(n))
    }
}

/// A request for one page, plus the filters to echo in the links.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) skip: usize,
    pub(crate) take: usize,
    filters: Vec<(&'static str, String)>,
}

impl Page {
    /// Reads `skip` (default 0) and `take` (default 30).
    pub(crate) fn from_params(params: &Params) -> Result<Self, ApiError> {
        Ok(Self {
            skip: params.usize_or("skip", 0)?,
            take: params.usize_or("take", 30)?,
            filters: Vec::new(),
        })
    }

    /// Adds a filter echoed in every link (in call order), after `skip` and `take`.
    pub(crate) fn filter(&mut self, name: &'static str, value: String) {
        self.filters.push((name, value));
    }

    /// The slice of `all` this page covers.
    pub(crate) fn window<'a, T>(&self, all: &'a [T]) -> &'a [T] {
        let start = self.skip.min(all.len());
        let end = start.saturating_add(self.take).min(all.len());
        all.get(start..end).unwrap_or_default()
    }

    fn href(&self, path: &str, skip: usize, take: usize) -> String {
        let mut href = format!("{path}?skip={skip}&take={take}");
        for (name, value) in &self.filters {
            href.push('&');
            href.push_str(name);
            href.push('=');
            href.push_str(&encode(value));
        }
        href
    }

    /// The paged collection: `total` counts all matches, `items` is this page only.
    pub(crate) fn collection(
        &self,
        item_type: &str,
        path: &str,
        template: &str,
        total: usize,
        items: Vec<Value>,
    ) -> Value {
        let pages = if self.take == 0 {
            1
        } else {
            total.div_ceil(self.take).max(1)
        };
        let last = pages - 1;
        let current = self.href(path, self.skip, self.take);
        let mut links = Map::new();
        links.insert("Self".into(), current.clone().into());
        links.insert("Template".into(), template.into());
        links.insert("Page.All".into(), self.href(path, 0, ALL).into());
        links.insert("Page.Current".into(), current.into());
        if self.take > 0 && self.skip.saturating_add(self.take) < total {
            let next = self.href(path, self.skip + self.take, self.take);
            links.insert("Page.Next".into(), next.into());
        }
        let last_href = self.href(path, last * self.take, self.take);
        links.insert("Page.Last".into(), last_href.into());
        json!({
            "ItemType": item_type,
            "TotalResults": total,
            "ItemsPerPage": self.take,
            "NumberOfPages": pages,
            "LastPageNumber": last,
            "Items": items,
            "Links": links,
        })
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (so `,` becomes `%2C`).
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_links_like_the_fixture() -> Result<(), ApiError> {
        let mut page = Page::from_params(&Params::parse(Some("take=2"))?)?;
        page.filter("eventCategories", "A,B".into());
        let v = page.collection("Event", "/api/Spaces-1/events", "t", 3, vec![]);
        assert_eq!(v["NumberOfPages"], 2);
        assert_eq!(v["LastPageNumber"], 1);
        assert_eq!(
            v["Links"]["Page.Next"],
            "/api/Spaces-1/events?skip=2&take=2&eventCategories=A%2CB"
        );
        assert_eq!(
            v["Links"]["Page.Last"],
            "/api/Spaces-1/events?skip=2&take=2&eventCategories=A%2CB"
        );
        assert_eq!(page.window(&[1, 2, 3]), &[1, 2]);
        Ok(())
    }
}
