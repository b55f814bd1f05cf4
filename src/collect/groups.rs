//! Who is in the docker group, or in the group of a daemon's socket: listed in `/etc/group` or
//! holding it as primary group in `/etc/passwd`.

use std::collections::BTreeMap;
use std::io;

use super::error::HostFileError;
use super::hostfs::HostFs;
use crate::snapshot::GroupFacts;

/// The host's `/etc/group` and `/etc/passwd`, as [`HostFs`] read them once for the owners'
/// names, for every group asked of them (the docker group, each socket's group). A file that
/// could not be read is an error for each group asked, when the answer needs it.
pub struct Accounts<'h> {
    group: &'h io::Result<String>,
    passwd: &'h io::Result<String>,
}

impl<'h> Accounts<'h> {
    /// Both files, as the host read them.
    pub fn of(host: &'h HostFs) -> Accounts<'h> {
        let files = host.accounts();
        Accounts {
            group: &files.group,
            passwd: &files.passwd,
        }
    }

    /// Group `name` (a name, or a gid as dockerd's `--group` also takes) and its members;
    /// `Ok(None)` when no such group exists. Membership goes by gid, as the kernel grants it:
    /// the members of every `/etc/group` line with the group's gid count. Accounts of uid 0
    /// are left out: they need no group to control the daemon.
    pub fn group(&self, name: &str) -> Result<Option<GroupFacts>, HostFileError> {
        let group = self
            .group
            .as_ref()
            .map_err(|e| HostFileError::read("/etc/group")(again(e)))?;
        let lines: Vec<(usize, Vec<&str>)> = group
            .lines()
            .enumerate()
            .map(|(n, line)| (n + 1, line.split(':').collect::<Vec<_>>()))
            .filter(|(_, f)| f.len() >= 4)
            .collect();
        let gid_of = |line: usize, f: &[&str]| {
            f[2].parse::<u32>().map_err(|_| HostFileError::BadLine {
                path: "/etc/group".into(),
                line,
                problem: format!("group {} has a bad gid '{}'", f[0], f[2]),
            })
        };
        let by_name = lines.iter().find(|(_, f)| f[0] == name);
        let (group_name, gid) = match (by_name, name.parse::<u32>()) {
            (Some((line, f)), _) => (f[0].to_string(), gid_of(*line, f)?),
            (None, Ok(gid)) => {
                let named = lines
                    .iter()
                    .find(|(_, f)| f[2].parse::<u32>() == Ok(gid))
                    .map_or_else(|| name.to_string(), |(_, f)| f[0].to_string());
                (named, gid)
            }
            (None, Err(_)) => return Ok(None),
        };
        let mut g = GroupFacts {
            name: group_name,
            gid,
            members: Vec::new(),
            sources: BTreeMap::new(),
        };
        for (line, f) in &lines {
            if f[2].parse::<u32>() != Ok(gid) {
                continue;
            }
            for m in f[3].split(',').map(str::trim).filter(|m| !m.is_empty()) {
                if !g.members.iter().any(|known| known == m) {
                    g.members.push(m.to_string());
                    g.sources
                        .insert(m.to_string(), format!("/etc/group:{line}"));
                }
            }
        }
        // Without passwd the members holding the group as primary group are unknown: the list
        // would look complete and could pass, so it is an error instead.
        let passwd = self
            .passwd
            .as_ref()
            .map_err(|source| HostFileError::ReadFor {
                path: "/etc/passwd".into(),
                purpose: format!("for users whose primary group is {name}"),
                source: again(source),
            })?;
        let mut superusers = Vec::new();
        for (n, line) in passwd.lines().enumerate() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 4 {
                continue;
            }
            if f[2].parse::<u32>() == Ok(0) {
                superusers.push(f[0]);
            } else if f[3].parse::<u32>().ok() == Some(g.gid)
                && !g.members.iter().any(|m| m == f[0])
            {
                g.members.push(f[0].to_string());
                g.sources.insert(
                    f[0].to_string(),
                    format!("/etc/passwd:{} (primary group)", n + 1),
                );
            }
        }
        // An account of uid 0 holds every right without the group: being in it grants nothing,
        // and listing it would fail every host whose sockets belong to group root.
        g.members.retain(|m| !superusers.contains(&m.as_str()));
        g.sources.retain(|m, _| !superusers.contains(&m.as_str()));
        g.members.sort();
        Ok(Some(g))
    }

    /// The group that may connect to each of `sockets` (host paths), keyed by path: the group
    /// that owns the socket and its members, for every socket whose mode lets its group write
    /// (connect). A socket that is gone by now has no entry; one that cannot be stat'ed, or
    /// whose group cannot be read, is an error naming it.
    pub fn of_sockets(
        &self,
        host: &HostFs,
        sockets: &[String],
    ) -> Result<BTreeMap<String, GroupFacts>, HostFileError> {
        let mut groups = BTreeMap::new();
        for socket in sockets {
            let file = host.stat(socket)?;
            let mode = file
                .mode
                .as_deref()
                .and_then(|m| u32::from_str_radix(m, 8).ok());
            let (Some(gid), Some(mode)) = (file.gid, mode) else {
                continue;
            };
            if mode & 0o020 == 0 {
                continue;
            }
            if let Some(group) = self.group(&gid.to_string())? {
                groups.insert(socket.clone(), group);
            }
        }
        Ok(groups)
    }
}

/// The same error again, for each group asked of a file that could not be read.
fn again(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(group: &str, passwd: &str) -> (tempfile::TempDir, HostFs) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/group"), group).unwrap();
        std::fs::write(dir.path().join("etc/passwd"), passwd).unwrap();
        let host = HostFs::new(dir.path());
        (dir, host)
    }

    #[test]
    fn a_group_given_by_gid_and_every_line_of_that_gid_count() {
        let (_dir, host) = host(
            "root:x:0:\ndocker:x:105:mallory\ndockerops:x:105:bob\n",
            "root:x:0:0::/root:/bin/sh\ncarol:x:1001:105::/home/carol:/bin/sh\n",
        );
        let accounts = Accounts::of(&host);
        for name in ["105", "docker"] {
            let g = accounts.group(name).unwrap().expect("the group");
            assert_eq!((g.name.as_str(), g.gid), ("docker", 105), "{name}");
            assert_eq!(g.members, ["bob", "carol", "mallory"], "{name}");
            assert_eq!(g.sources["bob"], "/etc/group:3");
            assert_eq!(g.sources["carol"], "/etc/passwd:2 (primary group)");
        }
        // A gid no line names: only users holding it as primary group are in it.
        let g = accounts.group("1001").unwrap().expect("a gid");
        assert_eq!((g.name.as_str(), g.members.len()), ("1001", 0));
        assert!(accounts.group("nosuchgroup").unwrap().is_none());
    }

    #[test]
    fn accounts_of_uid_0_are_no_members_that_matter() {
        // Group root: root holds it as primary group and toor is listed, both of uid 0;
        // only alice gains something by being in it.
        let (_dir, host) = host(
            "root:x:0:toor,alice\n",
            "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n",
        );
        let g = Accounts::of(&host).group("0").unwrap().expect("group root");
        assert_eq!(
            (g.name.as_str(), g.members.as_slice()),
            ("root", ["alice".to_string()].as_slice())
        );
        assert_eq!(g.sources.keys().collect::<Vec<_>>(), ["alice"]);
    }
}
