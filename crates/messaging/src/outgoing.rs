//! One message for the work queue, as both producers (accept-message, the sweep) build it.

/// One message for the queue: the (redacted) payload, String attributes, and the FIFO keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub body: String,
    pub attributes: Vec<(&'static str, String)>,
    /// Orders messages of one deployment on a FIFO queue (the task or deployment id).
    pub group_id: String,
    /// De-duplicates re-sent webhooks on a FIFO queue (the Octopus event id).
    pub deduplication_id: String,
}

impl OutgoingMessage {
    /// The size SQS counts against its limit: the body plus each attribute's name, type and value.
    pub fn size(&self) -> usize {
        self.body.len()
            + self
                .attributes
                .iter()
                .map(|(name, value)| name.len() + "String".len() + value.len())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_counts_the_body_and_each_attribute_name_type_and_value() {
        let message = OutgoingMessage {
            body: "body".to_owned(),
            attributes: vec![("Type", "Guidance".to_owned())],
            group_id: "ServerTasks-1".to_owned(),
            deduplication_id: "Events-1".to_owned(),
        };
        assert_eq!(message.size(), 4 + "Type".len() + "String".len() + "Guidance".len());
    }
}
