#!/bin/bash
# /init of the hacore test VM: mount the basics, load the modules, mount the two
# 9p shares (the project at its host path, and this run's directory), run the
# command the host wrote into the run directory with its output on the
# virtio-serial port, store the exit code in the run directory, power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/busybox
export HOME=/root TMPDIR=/tmp LANG=C.UTF-8 HACORE_VM=1

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
ln -sf /proc/self/fd /dev/fd
# hacore.debug on the kernel command line (HACORE_VM_DEBUG=1) traces this script.
case " $(cat /proc/cmdline) " in *" hacore.debug "*) exec 2>/dev/ttyS0; set -x ;; esac

fail() {
  echo "hacore-vm init: $*" >/dev/ttyS0
  poweroff -f
}

while read -r mod args; do
  [ -n "$mod" ] || continue
  # shellcheck disable=SC2086 # module parameters are separate words
  insmod "$mod" $args 2>/dev/ttyS0 || echo "hacore-vm init: insmod $mod failed" >/dev/ttyS0
done </etc/hacore-vm/modules

mkdir -p /run/hacore-vm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 hacorerun /run/hacore-vm || fail "cannot mount the run directory"
# shellcheck source=/dev/null
. /run/hacore-vm/env || fail "no env in the run directory"

mkdir -p "$HACORE_PROJECT"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose hacoreproj "$HACORE_PROJECT" ||
  fail "cannot mount the project"

out=
for p in /sys/class/virtio-ports/*; do
  if [ "$(cat "$p/name" 2>/dev/null)" = hacore.out ]; then out=/dev/${p##*/}; fi
done
[ -n "$out" ] || fail "no virtio-serial output port"

ip link set lo up
hostname hacore-vm
ulimit -n 65536

cd "$HACORE_PROJECT" || fail "cannot enter $HACORE_PROJECT"
bash /run/hacore-vm/cmd.sh >"$out" 2>&1 </dev/null
rc=$?
echo "$rc" >/run/hacore-vm/rc.tmp && mv /run/hacore-vm/rc.tmp /run/hacore-vm/rc
sync
umount "$HACORE_PROJECT" 2>/dev/null
umount /run/hacore-vm 2>/dev/null
poweroff -f
