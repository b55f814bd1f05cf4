//! Who is in the docker group: listed in `/etc/group` or holding it as primary group.

use std::collections::BTreeMap;

use super::error::HostFileError;
use super::hostfs::HostFs;
use crate::snapshot::GroupFacts;

/// Reads group `name` and its members from the host; `Ok(None)` when the group does not exist.
pub fn collect(host: &HostFs, name: &str) -> Result<Option<GroupFacts>, HostFileError> {
    let group = host
        .read_to_string("/etc/group")
        .map_err(HostFileError::read("/etc/group"))?;
    let mut facts: Option<GroupFacts> = None;
    for (n, line) in group.lines().enumerate() {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() >= 4 && f[0] == name {
            let Ok(gid) = f[2].parse() else {
                return Err(HostFileError::BadLine {
                    path: "/etc/group".into(),
                    line: n + 1,
                    problem: format!("group {name} has a bad gid '{}'", f[2]),
                });
            };
            let mut g = GroupFacts {
                name: name.to_string(),
                gid,
                members: Vec::new(),
                sources: BTreeMap::new(),
            };
            for m in f[3].split(',').map(str::trim).filter(|m| !m.is_empty()) {
                g.members.push(m.to_string());
                g.sources
                    .insert(m.to_string(), format!("/etc/group:{}", n + 1));
            }
            facts = Some(g);
            break;
        }
    }
    let Some(mut g) = facts else { return Ok(None) };
    // Without passwd the members holding the group as primary group are unknown: the list
    // would look complete and could pass, so it is an error instead.
    let passwd = host
        .read_to_string("/etc/passwd")
        .map_err(|source| HostFileError::ReadFor {
            path: "/etc/passwd".into(),
            purpose: format!("for users whose primary group is {name}"),
            source,
        })?;
    for (n, line) in passwd.lines().enumerate() {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() >= 4
            && f[3].parse::<u32>().ok() == Some(g.gid)
            && !g.members.iter().any(|m| m == f[0])
        {
            g.members.push(f[0].to_string());
            g.sources.insert(
                f[0].to_string(),
                format!("/etc/passwd:{} (primary group)", n + 1),
            );
        }
    }
    g.members.sort();
    Ok(Some(g))
}
