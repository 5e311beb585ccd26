//! What the benchmarks read about their own process from `/proc/self` (Linux): CPU time and
//! resident memory. Both answer 0 where the file is missing or unreadable, so a benchmark
//! still runs (and prints 0) elsewhere.

/// User + system CPU seconds of this process, from `/proc/self/stat` (clock ticks of
/// 1/100 s, the value Linux reports through USER_HZ on every mainstream architecture).
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    ticks(11).saturating_add(ticks(12)) as f64 / 100.0
}

/// Resident memory of this process in KiB (`VmRSS` of `/proc/self/status`).
pub fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| vm_rss(&status))
        .unwrap_or(0)
}

/// The `VmRSS:  1234 kB` line of a `/proc/PID/status` text, in KiB.
fn vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_reads_the_kib_figure() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    4321 kB\nRssAnon:\t 100 kB\n";
        assert_eq!(vm_rss(status), Some(4321));
        assert_eq!(vm_rss("Name:\tx\n"), None);
        assert_eq!(vm_rss("VmRSS:\tlots kB\n"), None);
    }

    #[test]
    fn this_process_is_resident_and_has_used_cpu_time() {
        assert!(resident_kib() > 0);
        assert!(cpu_seconds() >= 0.0);
    }
}
