// The scripts the guest runs. Stage 1 lives in the initramfs; the rest is written into
// the run's I/O directory (the writable 9p share, /ocirt-vm in the guest) on every run,
// so changing them never needs a new initramfs.

/** The guest's mount point of the I/O share. */
export const GUEST_IO = '/ocirt-vm';

/** Modules for virtio 9p and overlayfs, in an order where each finds what it needs. */
export const STAGE1_MODULES = [
  'drivers/virtio/virtio_ring',
  'drivers/virtio/virtio',
  'drivers/virtio/virtio_pci_legacy_dev',
  'drivers/virtio/virtio_pci_modern_dev',
  'drivers/virtio/virtio_pci',
  'fs/netfs/netfs',
  'fs/fscache/fscache',
  'net/9p/9pnet',
  'net/9p/9pnet_virtio',
  'fs/9p/9p',
  'fs/overlayfs/overlay',
];

/**
 * /init of the initramfs: the host's root (read-only 9p) under a tmpfs overlay becomes
 * the guest's root; then either the plain stage 2 or systemd runs as PID 1. A failure
 * powers off at once, so the host sees "did not boot" instead of waiting for its timeout.
 */
export function stage1Init(): string {
  const mods = STAGE1_MODULES.map((m) => m.split('/').pop()).join(' ');
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /lower /rw /newroot
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() { echo "ocirt-vm: stage 1 failed: $*" >/dev/console; echo o >/proc/sysrq-trigger; sleep 60; }
for m in ${mods}; do insmod /modules/$m.ko || fail "insmod $m"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /lower || fail "mount the host root"
mount -t tmpfs -o mode=0755 tmpfs /rw && mkdir /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "overlay root"
mkdir -p /newroot${GUEST_IO}
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmio /newroot${GUEST_IO} || fail "mount the I/O share"
mount --move /dev /newroot/dev
# The host's scratch space stays out of the guest (systemd would clean it through the
# overlay, slowly), and so does the host's container marker: the guest is a machine.
# A checkout that lives there (a CI clone in /tmp) is kept: moved aside, then back.
project=
for w in $(cat /proc/cmdline); do case $w in ocirt_vm.project=*) project=\${w#ocirt_vm.project=} ;; esac; done
case "$project" in /tmp/*|/var/tmp/*) mkdir -p /project && mount --bind /newroot$project /project || fail "keep the checkout" ;; *) project= ;; esac
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
mount -t tmpfs -o mode=1777 tmpfs /newroot/var/tmp
if [ -n "$project" ]; then mkdir -p /newroot$project && mount --move /project /newroot$project || fail "keep the checkout"; fi
rm -f /newroot/.dockerenv /newroot/run/.containerenv
modules=
for w in $(cat /proc/cmdline); do case $w in ocirt_vm.modules=*) modules=\${w#ocirt_vm.modules=} ;; esac; done
if [ -n "$modules" ]; then
  mkdir -p /newroot/lib/modules/$(uname -r) && mount --bind /lower$modules /newroot/lib/modules/$(uname -r)
fi
if grep -q ocirt_vm.systemd /proc/cmdline; then
  cp /newroot${GUEST_IO}/ocirt-vm.target /newroot${GUEST_IO}/ocirt-vm-run.service /newroot/etc/systemd/system/ || fail "install the units"
  umount /proc /sys
  exec switch_root /newroot /lib/systemd/systemd --unit=ocirt-vm.target
fi
umount /proc /sys
exec switch_root /newroot /bin/sh ${GUEST_IO}/stage2.sh
`;
}

/**
 * Shared by both modes: modprobe for the kernel's requests; private copies of the build
 * outputs (the host may rebuild them while the guest runs, and a file rewritten under
 * a running node crashes it); then the command. Its exit status is taken when it
 * exits: processes it left behind may hold its output open, so nothing waits for them.
 */
function runCommand(): string {
  return `[ -e /sbin/modprobe ] || ln -s /bin/busybox /sbin/modprobe
for p in $(cat ${GUEST_IO}/snapshot 2>/dev/null); do [ -e "$p" ] && find "$p" -type f -exec touch -c {} + ; done
# a process killed by a fault is worth seeing on the console (the kernel logs it at info level)
(dmesg --follow --level=info,notice,warn,err 2>/dev/null | grep --line-buffered -E 'segfault|traps:|general protection' >/dev/console) &
mkfifo /run/ocirt-vm-output
tee ${GUEST_IO}/output.log </run/ocirt-vm-output >/dev/console &
tee_pid=$!
sh ${GUEST_IO}/command.sh >/run/ocirt-vm-output 2>&1 </dev/null
echo $? > ${GUEST_IO}/status
for i in 1 2 3 4 5 6 7 8; do kill -0 $tee_pid 2>/dev/null || break; sleep 0.25; done
`;
}

/**
 * Stage 2 without systemd: what a host's init would mount, cgroup v2 alone at
 * /sys/fs/cgroup with every controller enabled for children, then the command.
 */
export function stage2Plain(): string {
  return `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control; done
mount -t bpf bpf /sys/fs/bpf
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
hostname ocirt-vm
ip link set lo up
${runCommand()}echo o > /proc/sysrq-trigger
exec sleep 60 2>/dev/null
`;
}

/** The systemd mode's service body: systemd mounted everything; the unit powers off after. */
export function stageSystemd(): string {
  return `#!/bin/sh
${runCommand()}`;
}

/** Units for systemd mode: a target with little more than basic.target and D-Bus, and the command. */
export function systemdUnits(): { target: string; service: string } {
  return {
    target: `[Unit]
Description=ocirt test VM
Requires=basic.target ocirt-vm-run.service
Wants=dbus.socket
After=basic.target
AllowIsolate=yes
`,
    service: `[Unit]
Description=ocirt test VM command
Wants=dbus.socket dbus.service
After=basic.target dbus.socket dbus.service
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/bin/sh ${GUEST_IO}/stage-systemd.sh
StandardOutput=journal
StandardError=journal
TimeoutStartSec=infinity
`,
  };
}

/** command.sh: the environment the host chose, the working directory, the command. */
export function commandScript(command: string, cwd: string, env: Record<string, string>): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${q(v)}`);
  return ['#!/bin/sh', ...exports, `cd ${q(cwd)} || exit 125`, command, ''].join('\n');
}
