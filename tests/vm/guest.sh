#!/bin/bash
# Runs inside the guest, chrooted into the host's root (read-only), as root.
# tests/vm/run copies this file into the per-run results share next to `job`
# (cwd, argv and passed-through variables), so editing it needs no initramfs
# rebuild. Its own output goes to the guest console (console.log on the host);
# the command's stdout/stderr go to the host through two virtio-serial ports.
set -uo pipefail

share=/run/lvmkit-vm/share
ports=/dev/virtio-ports
# shellcheck source=/dev/null
source "$share/job"   # sets: cwd, argv, debug; exports LVMKIT_*/CATCH_* from the host
: "${cwd:?}" "${argv:?}" "${debug:=0}"

log() { echo "lvmkit-vm guest: $*"; }
[[ $debug == 1 ]] && set -x

# The command's streams. A port can be opened only once at a time, so the
# command writes into pipes and a relay copies them to the ports; that way a
# command may still reopen /dev/stdout or /dev/stderr.
exec 3>"$ports/lvmkit.stdout" 4>"$ports/lvmkit.stderr" || {
	log "virtio-serial ports missing"
	exit 1
}

report() { # Write the exit status atomically; the host treats its absence as a crash.
	echo "$1" >"$share/status.tmp" && mv "$share/status.tmp" "$share/status"
}

setup_env() {
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export HOME=/tmp TMPDIR=/tmp LANG=C.UTF-8 TERM=dumb
	export DM_DISABLE_UDEV=1 LVMKIT_IN_VM=1
	umask 022
}

# The guest has no udev/kmod helper to autoload modules, so load every one tests use
# (virtio_blk for the --disk images).
setup_modules() {
	modprobe -a dm-mod dm-thin-pool dm-flakey dm-delay dm-zero dm-log-writes loop virtio_blk ||
		{ echo "lvmkit-vm: modprobe of the dm/loop modules failed" >&4; return 1; }
}

# A writable copy of /etc/lvm for a guest without udev. Each setting is
# commented out wherever it is already set and re-added first in its section
# (one sed for all: every exec from the 9p root costs time under TCG).
setup_lvm_conf() {
	local dir=/run/lvmkit-vm/lvm conf text kv section key value sed_args=()
	local settings=(activation/udev_sync=0 activation/udev_rules=0 activation/monitoring=1
		devices/obtain_device_list_from_udev=0 global/use_lvmlockd=0)
	cp -a /etc/lvm "$dir" || return 1
	conf=$dir/lvm.conf
	for kv in "${settings[@]}"; do
		section=${kv%%/*} key=${kv#*/} key=${key%=*} value=${kv#*=}
		sed_args+=(-e "s/^([[:space:]]*)(${key}[[:space:]]*=)/\1# \2/"
			-e "/^${section}[[:space:]]*\{/a\\	$key = $value")
	done
	sed -i -E "${sed_args[@]}" "$conf" || return 1
	text=$(<"$conf")
	for kv in "${settings[@]}"; do
		key=${kv#*/} key=${key%=*} value=${kv#*=}
		[[ $text == *$'\n\t'"$key = $value"$'\n'* ]] || { log "could not set $kv in $conf"; return 1; }
	done
	export LVM_SYSTEM_DIR=$dir
}

setup_env
if ! setup_modules || ! setup_lvm_conf; then
	echo "lvmkit-vm: guest setup failed (see console log with LVMKIT_VM_DEBUG=1)" >&4
	report 125
	exit 1
fi

cd "$cwd" || { echo "lvmkit-vm: cannot cd to $cwd in the guest" >&4; report 125; exit 1; }

# Relays from pipes to the ports (see above).
relay=/run/lvmkit-vm/relay
mkdir -p "$relay" && mkfifo "$relay/out" "$relay/err"
cat <"$relay/out" >&3 &
out_pid=$!
cat <"$relay/err" >&4 &
err_pid=$!

"${argv[@]}" <"/dev/null" >"$relay/out" 2>"$relay/err" 3>&- 4>&-
status=$?

# A background process the command left behind may keep a pipe open; give
# the relays a few seconds to drain, then stop them.
for _ in {1..50}; do
	kill -0 "$out_pid" "$err_pid" 2>/dev/null || break
	sleep 0.1
done
kill "$out_pid" "$err_pid" 2>/dev/null
wait
exec 3>&- 4>&-

report "$status"
log "command exited with $status; cleaning up"
# Leave no dm or loop device behind (dm first: it sits on the loop devices).
shopt -s nullglob
dm_devices=(/sys/block/dm-*) bound_loops=(/sys/block/loop*/loop)
if ((${#dm_devices[@]} + ${#bound_loops[@]})); then
	timeout 60 sh -c 'dmsetup remove_all || dmsetup remove_all --force; losetup -D'
fi
exit 0
