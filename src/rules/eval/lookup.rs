//! Where a fact's value is found: the document node a fact path leads to for an instance,
//! the source evidence names for it, and why it is missing or could not be read.

use super::super::path::{render, render_onto, FactPath, Root, Segment};
use super::super::value::V;
use super::{Context, Instance, Item, Lookup, Source, SourceKind};
use crate::facts::plan::PLANNED_HOST_FACTS;
use crate::snapshot::ContainerFacts;

use std::fmt::Write;

impl Context<'_, '_> {
    pub(super) fn missing_reason(&self, root: &str, segs: &[Segment], fact: &str) -> String {
        if root == "host" {
            // A key never looked at is no missing fact ([`Self::lookup`]).
            let host = &self.snapshot.host;
            match segs {
                [Segment::Key(f), Segment::Key(path), ..]
                    if f == "files" && host.files.get(path).is_some_and(|f| !f.exists) =>
                {
                    return format!("{path} does not exist");
                }
                [Segment::Key(t), Segment::Key(dir)]
                    if t == "trees" && matches!(host.trees.get(dir), Some(None)) =>
                {
                    return format!("{dir} does not exist");
                }
                [Segment::Key(s), Segment::Key(name)]
                    if s == "sysctl" && matches!(host.sysctl.get(name), Some(None)) =>
                {
                    return format!("this kernel has no {name}");
                }
                _ => {}
            }
        }
        format!("{fact} is not set")
    }

    /// A collection error at or above the fact, if any.
    #[inline(always)]
    pub(super) fn collection_error(
        &self,
        kind: Root,
        root: &str,
        segs: &[Segment],
        inst: &Instance<'_>,
    ) -> Option<Lookup<'static>> {
        // Most snapshots have no errors under most roots: skip the prefix walk then, it would
        // dominate evaluation time.
        let container_errors = matches!(inst, Instance::Container(c) if kind == Root::Container && !c.errors.is_empty());
        let image_errors = kind == Root::Image && self.image_errors;
        if !(self.error_roots.contains(&kind) || container_errors || image_errors) {
            return None;
        }
        self.error_at_or_above(root, segs, inst)
    }

    /// [`Self::collection_error`] once errors are possible: each prefix of the path looked up.
    #[inline(never)]
    fn error_at_or_above(
        &self,
        root: &str,
        segs: &[Segment],
        inst: &Instance<'_>,
    ) -> Option<Lookup<'static>> {
        if let Some(m) = self.errors.get(root) {
            return Some(Lookup::Error(m.to_string()));
        }
        // Each prefix is the one before and a segment: written into one text, not a text each.
        let mut prefix = String::with_capacity(root.len() + 48);
        prefix.push_str(root);
        // An image's errors are the snapshot's, under the image's own place in it.
        let mut global = match (inst, root) {
            (Instance::Image(img), "image") => Some(format!("images[\"{}\"]", img.id)),
            _ => None,
        };
        for seg in segs {
            let seg = std::slice::from_ref(seg);
            render_onto(&mut prefix, seg);
            if let Some(m) = self.errors.get(prefix.as_str()) {
                return Some(Lookup::Error(m.to_string()));
            }
            if let Some(m) = self.not_collected.get(prefix.as_str()) {
                return Some(Lookup::NotCollected(m.to_string()));
            }
            if let Some(global) = &mut global {
                render_onto(global, seg);
                if let Some(m) = self.errors.get(global.as_str()) {
                    return Some(Lookup::Error(m.to_string()));
                }
            }
            if let Instance::Container(c) = inst {
                if root == "container" {
                    let local = prefix.trim_start_matches("container.");
                    if let Some(m) = c.errors.get(local) {
                        return Some(Lookup::Error(format!("container {}: {m}", c.name)));
                    }
                }
            }
        }
        None
    }

    #[inline]
    pub(super) fn lookup<'v>(
        &'v self,
        path: &FactPath,
        segs: &[Segment],
        inst: &Instance<'v>,
        item: Option<&Item<'v>>,
    ) -> Lookup<'v> {
        let (root, kind) = (path.root.as_str(), path.root_kind());
        if let Some(error) = self.collection_error(kind, root, segs, inst) {
            return error;
        }
        let first = match segs.first() {
            Some(Segment::Key(k)) => k.as_str(),
            _ => "",
        };
        // Where the walk starts (a document node: every fact is one), the segments left to
        // walk, and the source for evidence.
        let (start, rest, source): (V<'v>, &[Segment], Source) = match (kind, inst) {
            (Root::Item, _) => match item {
                Some(it) => (it.value, segs, it.source),
                None => return Lookup::Error("`item` used outside `every`".into()),
            },
            (Root::Host, _) => (
                V::Doc(self.facts.host.root()),
                segs,
                self.fact_source(path, || host_source(segs)),
            ),
            (Root::Daemon, _) => (
                V::Doc(self.facts.daemon.root()),
                segs,
                self.fact_source(path, || daemon_source(segs)),
            ),
            (Root::Container, Instance::Container(c)) => match first {
                "inspect" => (
                    V::Doc(c.inspect.root()),
                    &segs[1..],
                    self.instance_source(SourceKind::Inspect, |out| {
                        out.push_str("docker inspect ");
                        out.push_str(&c.name);
                    }),
                ),
                _ => {
                    let doc = c.facts_doc();
                    let source = match first {
                        "processes" | "execs" => self.container_source(c),
                        _ => self.derived_source(c, first),
                    };
                    (V::Doc(doc.root()), segs, source)
                }
            },
            (Root::Image, Instance::Image(i)) => {
                let name = i.tags.first().unwrap_or(&i.id);
                let source = match first {
                    "inspect" => self.instance_source(SourceKind::Inspect, |out| {
                        out.push_str("docker image inspect ");
                        out.push_str(name);
                    }),
                    "history" => self.instance_source(SourceKind::History, |out| {
                        out.push_str("docker image history ");
                        out.push_str(name);
                    }),
                    _ => self.instance_source(SourceKind::Facts, |out| {
                        out.push_str("image ");
                        out.push_str(name);
                    }),
                };
                let doc = i.facts_doc();
                (V::Doc(doc.root()), segs, source)
            }
            _ => return Lookup::Error(format!("fact root '{root}' has no value in this scope")),
        };
        let mut cur = start;
        let skipped = segs.len() - rest.len();
        for (i, s) in rest.iter().enumerate() {
            let next = match s {
                Segment::Key(k) => {
                    match path.hint_slot(skipped + i).and_then(|h| self.hints.get(h)) {
                        Some(hint) => cur.get_hinted(k, hint),
                        None => cur.get(k),
                    }
                }
                Segment::Index(i) => cur.index(*i),
            };
            match next {
                Some(v) => cur = v,
                // Collection leaves an entry for every key it looks at, even where nothing
                // is there: a key without one was never looked at, which is no absence.
                None if kind == Root::Host && skipped + i == 1 && is_planned(&segs[0]) => {
                    return Lookup::NotCollected(format!(
                        "{} was not collected in this snapshot (collect again with the rules that read it)",
                        render("host", &segs[..2])
                    ));
                }
                None => return Lookup::Missing(source),
            }
        }
        // A sourced value ({value, source}) carries its own provenance. Only daemon settings
        // are sourced.
        let (cur, source) = match cur.sourced() {
            Some((inner, src)) => (inner, self.held_source(src)),
            None => (cur, source),
        };
        if cur.is_null() {
            return Lookup::Missing(source);
        }
        Lookup::Found { value: cur, source }
    }

    /// Where a container's fact `first` (other than inspect) comes from: facts bollwerk works
    /// out from others name what they were worked out from.
    #[inline]
    pub(super) fn derived_source(&self, c: &ContainerFacts, first: &str) -> Source {
        match (first, &c.capabilities) {
            ("capabilities", Some(caps)) => {
                self.instance_source(SourceKind::Capabilities, |out| out.push_str(&caps.source))
            }
            ("security_opt", _) => self.instance_source(SourceKind::SecurityOpt, |out| {
                let _ = write!(
                    out,
                    "docker inspect {}: HostConfig.SecurityOpt, entries Docker added itself set apart",
                    c.name
                );
            }),
            _ => self.container_source(c),
        }
    }

    /// Where a container's facts other than inspect come from.
    #[inline]
    pub(super) fn container_source(&self, c: &ContainerFacts) -> Source {
        self.instance_source(SourceKind::Facts, |out| {
            let _ = match &c.runtime {
                Some(r) => write!(out, "/proc/{} of container {}", r.pid, c.name),
                None => write!(out, "container {}", c.name),
            };
        })
    }
}

/// Whether `seg` names a host fact gathered per key of the collection plan.
fn is_planned(seg: &Segment) -> bool {
    matches!(seg, Segment::Key(k) if PLANNED_HOST_FACTS.contains(&k.as_str()))
}

fn host_source(segs: &[Segment]) -> String {
    match segs {
        [Segment::Key(a), Segment::Key(p), ..] if a == "files" => format!("stat {p}"),
        [Segment::Key(a), Segment::Key(k), ..] if a == "sysctl" || a == "sysctl_each" => {
            crate::facts::sysctl_file(k, None)
        }
        [Segment::Key(a), ..] if a == "docker_group" => "/etc/group and /etc/passwd".into(),
        [Segment::Key(a), Segment::Key(socket), ..] if a == "socket_groups" => {
            format!("stat {socket}, /etc/group and /etc/passwd")
        }
        [Segment::Key(a), ..] if a == "socket_groups" => {
            "stat of the daemon's sockets, /etc/group and /etc/passwd".into()
        }
        [Segment::Key(a), ..] if a == "docker_root" => "/proc/1/mountinfo".into(),
        _ => render("host", segs),
    }
}

fn daemon_source(segs: &[Segment]) -> String {
    match segs.first() {
        Some(Segment::Key(k)) if k == "info" => "docker info".into(),
        Some(Segment::Key(k)) if k == "version" => "docker version".into(),
        _ => render("daemon", segs),
    }
}
