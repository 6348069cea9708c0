//! The app's processes and their memory, read from `/proc` (Linux).
//!
//! Memory is PSS (proportional set size): each shared page is split between the processes
//! that map it, so the sum over the app and its WebKit helpers counts every page once.
//! RSS would count the shared WebKit libraries once per process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Linux reports process times in USER_HZ, which is 100 on every architecture.
const TICKS_PER_SECOND: f64 = 100.0;

/// One process of the app: its id, short name and PSS in KiB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// `comm`: the first 15 bytes of the program name.
    pub name: String,
    /// Proportional set size, KiB.
    pub pss_kib: u64,
}

/// The parent pid and start time (ticks since boot) from `/proc/PID/stat`.
///
/// The name field sits in parentheses and may itself contain spaces and parentheses, so
/// the fields are counted from its last `)`.
pub fn parse_stat(stat: &str) -> Option<(u32, u64)> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name: state(3) ppid(4) ... starttime(22), so indices 1 and 19 here.
    let ppid = fields.get(1)?.parse().ok()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((ppid, start))
}

/// The `Pss:` line of `/proc/PID/smaps_rollup`, in KiB.
pub fn parse_pss_kib(rollup: &str) -> Option<u64> {
    rollup.lines().find_map(|line| {
        let rest = line.strip_prefix("Pss:")?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// The children of each process, from a list of (pid, ppid).
pub fn children(pairs: &[(u32, u32)]) -> HashMap<u32, Vec<u32>> {
    let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(pid, ppid) in pairs {
        map.entry(ppid).or_default().push(pid);
    }
    map
}

/// `root` and everything below it.
pub fn tree(root: u32, children: &HashMap<u32, Vec<u32>>) -> Vec<u32> {
    let mut out = vec![root];
    let mut i = 0;
    while let Some(&pid) = out.get(i) {
        out.extend(children.get(&pid).into_iter().flatten().copied());
        i += 1;
    }
    out
}

fn proc_path(pid: u32, file: &str) -> PathBuf {
    Path::new("/proc").join(pid.to_string()).join(file)
}

/// Every process's (pid, ppid) now.
fn all_parents() -> Vec<(u32, u32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(proc_path(pid, "stat")).ok()?;
            Some((pid, parse_stat(&stat)?.0))
        })
        .collect()
}

/// The process below `ancestor` running `program`, if there is one.
pub fn find_program(ancestor: u32, program: &Path) -> Option<u32> {
    let program = program.canonicalize().ok()?;
    tree(ancestor, &children(&all_parents()))
        .into_iter()
        .find(|&pid| std::fs::read_link(proc_path(pid, "exe")).ok().as_deref() == Some(&*program))
}

/// `pid` and its descendants (the WebKit web and network processes), with their PSS.
pub fn memory(pid: u32) -> Vec<Process> {
    tree(pid, &children(&all_parents()))
        .into_iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(proc_path(pid, "smaps_rollup")).ok()?;
            let name = std::fs::read_to_string(proc_path(pid, "comm")).ok()?;
            Some(Process {
                pid,
                name: name.trim().to_string(),
                pss_kib: parse_pss_kib(&rollup)?,
            })
        })
        .collect()
}

/// When `pid` started, to the 10 ms that Linux records.
pub fn started_at(pid: u32) -> Option<SystemTime> {
    let stat = std::fs::read_to_string(proc_path(pid, "stat")).ok()?;
    let (_, start_ticks) = parse_stat(&stat)?;
    // Uptime and the wall clock read together anchor "ticks since boot" to the clock.
    let uptime = std::fs::read_to_string("/proc/uptime").ok()?;
    let now = SystemTime::now();
    let uptime: f64 = uptime.split_whitespace().next()?.parse().ok()?;
    let age = uptime - start_ticks as f64 / TICKS_PER_SECOND;
    now.checked_sub(Duration::from_secs_f64(age.max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_end_of_the_name() {
        let stat = "4242 (Web Content (x)) S 4200 4242 4200 0 -1 4194560 9 0 0 0 1 2 0 0 20 0 \
                    12 0 987654 1000 200 18446744073709551615";
        assert_eq!(parse_stat(stat), Some((4200, 987654)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn pss_is_read_in_kib() {
        let rollup = "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  120000 kB\nPss:   81234 kB\n";
        assert_eq!(parse_pss_kib(rollup), Some(81234));
        assert_eq!(parse_pss_kib("Rss: 1 kB\n"), None);
    }

    #[test]
    fn a_tree_holds_every_descendant_once() {
        let pairs = [(10, 1), (11, 10), (12, 10), (13, 11), (20, 1)];
        let mut below = tree(10, &children(&pairs));
        below.sort_unstable();
        assert_eq!(below, vec![10, 11, 12, 13]);
    }

    #[test]
    fn this_process_is_visible_with_memory_and_a_start_time() {
        let me = std::process::id();
        let processes = memory(me);
        assert!(processes.iter().any(|p| p.pid == me && p.pss_kib > 0));
        let started = started_at(me).expect("a start time");
        assert!(started <= SystemTime::now());
    }
}
