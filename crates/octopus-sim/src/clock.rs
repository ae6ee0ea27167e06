//! Wall-clock timestamps in the form Octopus writes them: `2026-09-10T08:15:03.538+00:00`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The current UTC time, millisecond precision.
pub(crate) fn now_iso() -> String {
    format_iso(SystemTime::now())
}

fn millis(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis()
}

/// Now, or `t` plus a millisecond when now would not format later than `t`.
pub(crate) fn later_than(t: SystemTime) -> SystemTime {
    let now = SystemTime::now();
    if millis(now) > millis(t) {
        now
    } else {
        let whole = UNIX_EPOCH + Duration::from_millis(u64::try_from(millis(t)).unwrap_or(u64::MAX));
        whole + Duration::from_millis(1)
    }
}

pub(crate) fn format_iso(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_iso(UNIX_EPOCH), "1970-01-01T00:00:00.000+00:00");
        let t = UNIX_EPOCH + Duration::from_millis(951_868_800_000 + 3_723_456);
        assert_eq!(format_iso(t), "2000-03-01T01:02:03.456+00:00");
        let t = UNIX_EPOCH + Duration::from_secs(1_709_164_800);
        assert_eq!(format_iso(t), "2024-02-29T00:00:00.000+00:00");
    }

    #[test]
    fn later_than_formats_strictly_later() {
        let future = SystemTime::now() + Duration::from_secs(60);
        assert!(format_iso(later_than(future)) > format_iso(future));
        let past = UNIX_EPOCH + Duration::from_secs(1);
        assert!(later_than(past) > past + Duration::from_secs(1_000_000));
    }
}
