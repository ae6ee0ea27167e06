//! Query-string parsing: case-insensitive names, comma-separated (or repeated) lists, typed values.

use crate::error::ApiError;

/// The decoded query parameters of one request.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw {
            None => Ok(Self::default()),
            Some(q) => serde_urlencoded::from_str(q)
                .map(Self)
                .map_err(|_| ApiError::bad_request("The query string could not be parsed.")),
        }
    }

    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The last value given for `name`, if any and not empty.
    pub(crate) fn single(&self, name: &str) -> Option<String> {
        self.values(name)
            .last()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// Every comma-separated item of every value given for `name`.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        self.values(name)
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub(crate) fn usize_or(&self, name: &str, default: usize) -> Result<usize, ApiError> {
        match self.single(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| ApiError::invalid_value(name, &v)),
        }
    }

    /// `true`/`false` in any letter case.
    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.single(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid_value(name, &v)),
        }
    }

    /// The value of the `apikey` parameter, if any.
    pub(crate) fn api_key(raw: Option<&str>) -> Option<String> {
        Self::parse(raw).ok()?.single("apikey")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_bools_and_numbers() -> Result<(), ApiError> {
        let p = Params::parse(Some("Regarding=A,B&regarding=C&pendingOnly=True&take=5"))?;
        assert_eq!(p.list("regarding"), ["A", "B", "C"]);
        assert_eq!(p.bool("pendingonly")?, Some(true));
        assert_eq!(p.usize_or("take", 30)?, 5);
        assert_eq!(p.usize_or("skip", 0)?, 0);
        assert!(p.bool("take").is_err());
        Ok(())
    }
}
