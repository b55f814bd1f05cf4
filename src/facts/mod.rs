//! The facts layer's vocabulary beside the snapshot: what a collection plan is, how
//! placeholders in fact paths are written and resolved, and which daemon settings exist.
//! It depends on nothing above it (collect, rules, report, cli); both collection and the
//! rules read these definitions, so they cannot drift apart.

pub mod daemon_settings;
pub mod fact_paths;
pub mod placeholder;
pub mod plan;

/// A kernel setting's file under `/proc/sys`, as sysctl names it: dots separate its levels, a
/// slash in a level stands for a dot (`net.ipv4.conf.eth0/100.rp_filter` is interface
/// `eth0.100`'s), and a `*` level is `each` when given (`host.sysctl_each` entries).
/// Collection reads this file and evidence and SARIF name it.
pub fn sysctl_file(name: &str, each: Option<&str>) -> String {
    let mut out = String::from("/proc/sys");
    for level in name.split('.') {
        out.push('/');
        match each {
            Some(each) if level == "*" => out.push_str(each),
            _ => out.push_str(&level.replace('/', ".")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sysctl_name_is_its_file_a_slash_standing_for_a_dot() {
        use super::sysctl_file;
        assert_eq!(
            sysctl_file("kernel.kptr_restrict", None),
            "/proc/sys/kernel/kptr_restrict"
        );
        assert_eq!(
            sysctl_file("net.ipv4.conf.eth0/100.rp_filter", None),
            "/proc/sys/net/ipv4/conf/eth0.100/rp_filter"
        );
        assert_eq!(
            sysctl_file("net.ipv4.conf.*.send_redirects", Some("eth0.100")),
            "/proc/sys/net/ipv4/conf/eth0.100/send_redirects"
        );
    }
}
