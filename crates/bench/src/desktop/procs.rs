//! The app's processes and their memory, read from `/proc` (Linux).
//!
//! Memory is PSS (proportional set size): each shared page is split between the processes
//! that map it, so the sum over the app and its WebKit helpers counts every page once.
//! RSS would count the shared WebKit libraries once per process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One process of the app: its id, short name and PSS in KiB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// `comm`: the first 15 bytes of the program name.
    pub name: String,
    /// Proportional set size, KiB.
    pub pss_kib: u64,
    /// Of that, anonymous memory (heap, stacks: the process's own data rather than mapped
    /// files such as its program and libraries), KiB.
    pub anon_kib: u64,
}

/// The parent pid from `/proc/PID/stat`.
///
/// The name field sits in parentheses and may itself contain spaces and parentheses, so
/// the fields are counted from its last `)`: then come the state and the parent pid.
pub fn parse_ppid(stat: &str) -> Option<u32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// The `Pss:` line of `/proc/PID/smaps_rollup`, in KiB.
pub fn parse_pss_kib(rollup: &str) -> Option<u64> {
    rollup_field(rollup, "Pss:")
}

/// A `Name:  N kB` line of `/proc/PID/smaps_rollup`, in KiB.
fn rollup_field(rollup: &str, name: &str) -> Option<u64> {
    rollup.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
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
            Some((pid, parse_ppid(&stat)?))
        })
        .collect()
}

/// `pid` and its descendants, now.
pub fn tree_now(pid: u32) -> Vec<u32> {
    tree(pid, &children(&all_parents()))
}

/// Whether `pid` still runs (a zombie waiting for its parent counts as gone).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(proc_path(pid, "stat"))
        .ok()
        .and_then(|stat| {
            let state = stat[stat.rfind(')')? + 1..]
                .split_whitespace()
                .next()?
                .to_owned();
            Some(state != "Z")
        })
        .unwrap_or(false)
}

/// `pid` and its descendants (the WebKit web and network processes), with their PSS.
pub fn memory(pid: u32) -> Vec<Process> {
    tree_now(pid)
        .into_iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(proc_path(pid, "smaps_rollup")).ok()?;
            let name = std::fs::read_to_string(proc_path(pid, "comm")).ok()?;
            Some(Process {
                pid,
                name: name.trim().to_string(),
                pss_kib: parse_pss_kib(&rollup)?,
                anon_kib: rollup_field(&rollup, "Pss_Anon:").unwrap_or(0),
            })
        })
        .collect()
}

/// Copies `/proc/PID/smaps` of `pid` and its descendants into `dir` as `LABEL-NAME.smaps`
/// (a diagnostic: a process that cannot be read is skipped, a failed write is reported).
pub fn save_smaps(pid: u32, dir: &Path, label: &str) {
    if let Err(error) = std::fs::create_dir_all(dir) {
        eprintln!("cannot create {}: {error}", dir.display());
        return;
    }
    for pid in tree_now(pid) {
        let (Ok(smaps), Ok(name)) = (
            std::fs::read_to_string(proc_path(pid, "smaps")),
            std::fs::read_to_string(proc_path(pid, "comm")),
        ) else {
            continue;
        };
        let path = dir.join(format!("{label}-{}.smaps", name.trim()));
        if let Err(error) = std::fs::write(&path, smaps) {
            eprintln!("cannot write {}: {error}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_is_counted_from_the_end_of_the_name() {
        let stat = "4242 (Web Content (x)) S 4200 4242 4200 0 -1 4194560 9 0 0 0 1 2 0 0 20 0 \
                    12 0 987654 1000 200 18446744073709551615";
        assert_eq!(parse_ppid(stat), Some(4200));
        assert_eq!(parse_ppid("garbage"), None);
    }

    #[test]
    fn pss_is_read_in_kib() {
        let rollup = "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  120000 kB\nPss:   81234 kB\n";
        assert_eq!(parse_pss_kib(rollup), Some(81234));
        assert_eq!(parse_pss_kib("Rss: 1 kB\n"), None);
        assert_eq!(
            rollup_field("Pss: 9 kB\nPss_Anon:  7 kB\n", "Pss_Anon:"),
            Some(7)
        );
    }

    #[test]
    fn a_tree_holds_every_descendant_once() {
        let pairs = [(10, 1), (11, 10), (12, 10), (13, 11), (20, 1)];
        let mut below = tree(10, &children(&pairs));
        below.sort_unstable();
        assert_eq!(below, vec![10, 11, 12, 13]);
    }

    #[test]
    fn this_process_is_visible_with_its_memory() {
        let me = std::process::id();
        let processes = memory(me);
        assert!(processes.iter().any(|p| p.pid == me && p.pss_kib > 0));
    }
}
