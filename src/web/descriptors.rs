//! The process's open-file limit (`RLIMIT_NOFILE`): raised to its hard limit at start, and the share of it connections may take.
//!
//! Every connection is a file descriptor. A server that accepts past its limit gets `EMFILE`
//! from `accept` and from every file it then opens, the store's and the index's included, so
//! the connection cap is kept below the limit with [`RESERVED`] descriptors to spare.

/// Descriptors kept for everything but connections: the store's connections (each a database,
/// a WAL and a shared-memory file), the index's segment files and its watcher, the listener,
/// the runtime's own, standard streams and logs.
pub const RESERVED: u64 = 256;

/// The fewest connections allowed, however low the limit.
const MIN_CONNECTIONS: usize = 16;

/// Raises the soft open-file limit to the hard one, as servers commonly do at start, and
/// returns the soft limit in force afterwards (`None` where there is no such limit).
pub fn raise() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            // SAFETY: as above. A refusal (macOS caps the soft limit below an infinite hard
            // one) leaves the limit as it was.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                limit = raised;
            }
        }
        if limit.rlim_cur == libc::RLIM_INFINITY {
            return None;
        }
        #[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not everywhere
        Some(limit.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The connection cap for an open-file limit of `limit`: `wanted`, or fewer to leave
/// [`RESERVED`] descriptors free.
pub fn connection_cap(wanted: usize, limit: Option<u64>) -> usize {
    let Some(limit) = limit else {
        return wanted;
    };
    let fits = usize::try_from(limit.saturating_sub(RESERVED)).unwrap_or(usize::MAX);
    wanted.min(fits).max(MIN_CONNECTIONS.min(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_for_the_store_and_the_index() {
        assert_eq!(connection_cap(4096, Some(1024)), 1024 - RESERVED as usize);
        assert_eq!(connection_cap(4096, Some(1 << 20)), 4096);
        assert_eq!(connection_cap(4096, None), 4096);
        assert_eq!(connection_cap(4096, Some(100)), MIN_CONNECTIONS);
        assert_eq!(connection_cap(2, Some(100)), 2);
    }

    #[test]
    fn raising_leaves_the_soft_limit_at_the_hard_one() {
        let soft = raise();
        #[cfg(target_os = "linux")]
        {
            let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
            let line = limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .unwrap();
            let fields: Vec<&str> = line.split_whitespace().collect();
            // "Max open files  SOFT  HARD  files"
            assert_eq!(fields[3], fields[4], "{line}");
            if let Some(soft) = soft {
                assert_eq!(fields[3], soft.to_string());
            }
        }
        let _ = soft;
    }
}
