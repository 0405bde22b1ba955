#!/usr/bin/env bash
# Installs what hacore's demo and test suite need on a fresh Debian machine
# (run as root): the lab tools from Debian's packages, then the npm workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
pkgs=(iproute2 nftables tcpdump tshark keepalived ipvsadm iputils-ping fping openssl xz-utils binutils
      qemu-system-x86 busybox-static kmod cpio gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
# The IPVS VM harness fetches its kernel with `apt-get download`, which needs package lists.
if [ "${#missing[@]}" -gt 0 ] || ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
