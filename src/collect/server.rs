//! Which engine serves the Docker API: dockerd, or another engine behind a
//! Docker-compatible socket (Podman), and whether it runs rootless — from the API's own
//! answers (`/version` Components and Platform, `/info` SecurityOptions).

use serde_json::Value;

use crate::snapshot::ServerFacts;

/// The component name Podman gives itself in `/version`.
const PODMAN_COMPONENT: &str = "Podman Engine";

/// The engine behind the API, from `GET /version` and `GET /info` (either may be missing).
pub fn identify(version: Option<&Value>, info: Option<&Value>) -> Option<ServerFacts> {
    let version = version?;
    let components = version
        .get("Components")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let component = |name: &str| {
        components
            .iter()
            .find(|c| c.get("Name").and_then(Value::as_str) == Some(name))
    };
    let text = |v: Option<&Value>, key: &str| {
        v.and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let platform = version
        .pointer("/Platform/Name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let rootless = info
        .and_then(|i| i.get("SecurityOptions"))
        .and_then(Value::as_array)
        .is_some_and(|opts| {
            opts.iter()
                .filter_map(Value::as_str)
                .any(|o| o.split(',').any(|kv| kv == "name=rootless"))
        });
    let (product, version_text, dockerd) = if let Some(podman) = component(PODMAN_COMPONENT) {
        ("Podman", text(Some(podman), "Version"), false)
    } else if platform.starts_with("Docker Engine") || component("Engine").is_some() {
        (
            "Docker Engine",
            text(component("Engine"), "Version").or_else(|| text(Some(version), "Version")),
            true,
        )
    } else if let Some(v) = text(Some(version), "Version") {
        // An answer that names no engine: old dockerd releases send no Components.
        return Some(ServerFacts {
            product: "Docker Engine".into(),
            version: v,
            dockerd: true,
            rootless,
        });
    } else {
        return None;
    };
    Some(ServerFacts {
        product: product.into(),
        version: version_text.unwrap_or_default(),
        dockerd,
        rootless,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn podman_is_told_from_its_component() {
        // As Debian's podman 4.3.1 answers (trimmed).
        let v = json!({"Platform": {"Name": "linux/amd64/debian-12"}, "Version": "4.3.1",
            "Components": [{"Name": "Podman Engine", "Version": "4.3.1"}, {"Name": "Conmon"}]});
        let s = identify(Some(&v), None).unwrap();
        assert_eq!(
            (s.product.as_str(), s.version.as_str(), s.dockerd),
            ("Podman", "4.3.1", false)
        );
    }

    #[test]
    fn dockerd_and_rootless_dockerd() {
        let v = json!({"Platform": {"Name": "Docker Engine - Community"}, "Version": "27.0.1",
            "Components": [{"Name": "Engine", "Version": "27.0.1"}]});
        let info = json!({"SecurityOptions": ["name=seccomp,profile=builtin", "name=rootless"]});
        let s = identify(Some(&v), Some(&info)).unwrap();
        assert_eq!(
            (s.product.as_str(), s.version.as_str(), s.dockerd),
            ("Docker Engine", "27.0.1", true)
        );
        assert!(s.rootless);
        let s = identify(
            Some(&v),
            Some(&json!({"SecurityOptions": ["name=seccomp"]})),
        )
        .unwrap();
        assert!(!s.rootless);
    }
}
