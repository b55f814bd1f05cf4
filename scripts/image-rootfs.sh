#!/usr/bin/env bash
# Lays out the root file system of bollwerk's container image in DIR: the binary as /bollwerk
# plus exactly the shared libraries it loads (and the dynamic loader), as ldd lists them, and
# empty /host, /out and /tmp. The image then builds offline FROM scratch (see Containerfile).
#
# Usage: scripts/image-rootfs.sh BINARY DIR
set -euo pipefail
bin=${1:?usage: scripts/image-rootfs.sh BINARY DIR}
dir=${2:?usage: scripts/image-rootfs.sh BINARY DIR}
[ -x "$bin" ] || { echo "scripts/image-rootfs.sh: $bin is not an executable file" >&2; exit 2; }
rm -rf "$dir"
mkdir -p "$dir/host" "$dir/out" "$dir/tmp"
chmod 1777 "$dir/tmp"
cp "$bin" "$dir/bollwerk"
# ldd prints "libX.so => /path (addr)" and the loader as "/lib64/ld-linux-x86-64.so.2 (addr)".
ldd "$bin" | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }' | sort -u | while read -r lib; do
  mkdir -p "$dir$(dirname "$lib")"
  cp -L "$lib" "$dir$lib"
done
