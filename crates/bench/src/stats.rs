//! Small statistics over measured durations, and the critical path of a request log.

use std::time::Duration;

use octopus_sim::RequestRecord;

/// The `p`-th percentile (0..=100) by nearest rank; zero for no samples.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn median(samples: &[Duration]) -> Duration {
    percentile(samples, 50.0)
}

pub fn max(samples: &[Duration]) -> Duration {
    samples.iter().copied().max().unwrap_or_default()
}

pub fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

/// The longest chain of requests where each starts after the previous one finished: the number
/// of sequential round trips, however many ran alongside.
pub fn critical_path(requests: &[RequestRecord]) -> usize {
    let mut sorted: Vec<&RequestRecord> = requests.iter().collect();
    sorted.sort_by_key(|r| r.started);
    let mut chain = vec![0usize; sorted.len()];
    for i in 0..sorted.len() {
        let before = (0..i)
            .filter(|&j| sorted[j].finished <= sorted[i].started)
            .map(|j| chain[j])
            .max()
            .unwrap_or(0);
        chain[i] = before + 1;
    }
    chain.into_iter().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn request(start_ms: u64, end_ms: u64, base: Instant) -> RequestRecord {
        RequestRecord {
            method: "GET".into(),
            path: "/api".into(),
            query: None,
            status: 200,
            started: base + Duration::from_millis(start_ms),
            finished: base + Duration::from_millis(end_ms),
        }
    }

    #[test]
    fn concurrent_reads_count_once_on_the_critical_path() {
        let base = Instant::now();
        let log = [
            request(0, 50, base),
            request(1, 52, base),
            request(53, 103, base),
            request(104, 154, base),
        ];
        assert_eq!(critical_path(&log), 3);
        assert_eq!(critical_path(&log[..2]), 1);
        assert_eq!(critical_path(&[]), 0);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
        assert_eq!(median(&samples), Duration::from_millis(5));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(10));
        assert_eq!(max(&samples), Duration::from_millis(10));
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
