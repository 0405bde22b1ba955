#!/usr/bin/env bash
# Installs what hacore's demo and test suite need on a fresh Debian machine
# (run as root): the lab tools from Debian's packages, then the npm workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
pkgs=(iproute2 nftables tcpdump tshark keepalived ipvsadm iputils-ping fping openssl xz-utils binutils
      qemu-system-x86 busybox-static kmod cpio exim4-daemon-light nsd socat frr gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
# The Debian package test (test/packaging/deb.test.mjs) lints what it builds.
pkgs+=(lintian)
# test/core/sd-notify.test.mjs receives sd_notify datagrams with python3 (Node has no AF_UNIX datagram sockets).
pkgs+=(python3)
# The web console's browser test drives Debian's Chromium (playwright-core, no browser download).
pkgs+=(chromium)
# bench/checks-http serves its 10,000 targets with nginx (BENCH_SERVER=nginx), so the servers are not what is measured.
pkgs+=(nginx)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
# The IPVS VM harness fetches its kernel with `apt-get download`, which needs package lists.
if [ "${#missing[@]}" -gt 0 ] || ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
  # exim4, nsd and frr (test servers and peers started by the tests in namespaces) would be started
  # as system services by their postinst: a policy-rc.d that refuses every start keeps
  # any package from leaving a daemon running (an existing one is kept).
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
# Nor at the next boot.
for svc in nsd frr; do
  if [ -d /run/systemd/system ] && systemctl is-enabled -q "$svc" 2>/dev/null; then systemctl disable --now -q "$svc"; fi
done
npm ci --no-audit --no-fund
