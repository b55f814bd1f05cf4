//! Listening TCP sockets from `/proc/PID/net/tcp` and `tcp6` (the process's network namespace).

use super::hostfs::HostFs;
use crate::snapshot::ListeningSocket;

/// Listening sockets in the network namespace of process `pid`.
pub fn listening(host: &HostFs, pid: u32) -> Result<Vec<ListeningSocket>, String> {
    let mut out = Vec::new();
    for proto in ["tcp", "tcp6"] {
        let file = format!("/proc/{pid}/net/{proto}");
        let text = match std::fs::read_to_string(host.resolve_proc(&file)) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && proto == "tcp6" => continue,
            Err(e) => return Err(format!("cannot read {file}: {e}")),
        };
        out.extend(parse(proto, &text));
    }
    out.sort_by(|a, b| (a.port, &a.address).cmp(&(b.port, &b.address)));
    out.dedup();
    Ok(out)
}

/// Parses a `/proc/net/tcp` table, keeping sockets in state LISTEN (0A).
pub fn parse(proto: &str, text: &str) -> Vec<ListeningSocket> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.get(3) != Some(&"0A") {
                return None;
            }
            let (addr, port) = f.get(1)?.split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            let address = decode(addr)?;
            let wildcard = address == "0.0.0.0" || address == "::";
            Some(ListeningSocket {
                proto: proto.to_string(),
                address,
                port,
                wildcard,
            })
        })
        .collect()
}

/// The kernel prints addresses as little-endian 32-bit words in hex.
fn decode(hex: &str) -> Option<String> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    let mut ordered = Vec::with_capacity(bytes.len());
    for word in bytes.chunks(4) {
        ordered.extend(word.iter().rev());
    }
    match ordered.len() {
        4 => Some(
            std::net::Ipv4Addr::new(ordered[0], ordered[1], ordered[2], ordered[3]).to_string(),
        ),
        16 => {
            let arr: [u8; 16] = ordered.try_into().ok()?;
            Some(std::net::Ipv6Addr::from(arr).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listening_sockets() {
        let v4 = "  sl  local_address rem_address   st\n   0: 00000000:0016 00000000:0000 0A 0\n   1: 0100007F:1F90 00000000:0000 0A 0\n   2: 0100007F:1F91 0100007F:C350 01 0\n";
        let s = parse("tcp", v4);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].address.as_str(), s[0].port, s[0].wildcard),
            ("0.0.0.0", 22, true)
        );
        assert_eq!(
            (s[1].address.as_str(), s[1].port, s[1].wildcard),
            ("127.0.0.1", 8080, false)
        );
        let v6 = "  sl\n   0: 00000000000000000000000000000000:0911 00000000000000000000000000000000:0000 0A 0\n";
        let s = parse("tcp6", v6);
        assert_eq!(
            (s[0].address.as_str(), s[0].port, s[0].wildcard),
            ("::", 2321, true)
        );
    }
}
