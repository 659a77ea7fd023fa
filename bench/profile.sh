#!/bin/bash
# Where does a setup spend its time? Runs inside the guest (root + device-mapper):
#   tests/vm/run bench/profile.sh [BUILD_DIR] [FOREIGN]
# lvmkit's setup with its log timestamped (LVMKIT_BENCH_TRACE=1), then under `strace -f -c`,
# then the seven lvm commands each under `strace -c` (summary lines), with FOREIGN extra loop
# devices present (half of them PVs of other VGs).
set -u
build=${1:-build} foreign=${2:-0}
seed=$build/bench/bench-lvm_seed
export LVM_SUPPRESS_FD_WARNINGS=1
mk() { # size -> a fresh loop device (called in $(...): the image name must not need state)
	local image
	image=$(mktemp /tmp/profile-img.XXXXXX) && truncate -s "$1" "$image" && losetup -f --show "$image"
}
for ((g = 0; g < foreign / 4; g++)); do
	devs=$(for i in 1 2 3 4; do mk 64M; done)
	((g % 2 == 0)) && lvm vgcreate -q "foreign$g" $devs >/dev/null
done
# Warm up: binaries into the page cache, dmeventd started.
d=$(mk 4G) && mkdir -p /tmp/warm && "$seed" --child-setup /tmp/warm "$d" && lvm vgremove -f docker >/dev/null
rm -f "$LVM_SYSTEM_DIR/profile/docker-thinpool.profile"

echo "== lvmkit setup, timestamped log ($foreign foreign devices)"
d=$(mk 4G) && mkdir -p /tmp/r1
LVMKIT_BENCH_TRACE=1 "$seed" --child-setup /tmp/r1 "$d" 2>&1 | cut -c1-200
lvm vgremove -f docker >/dev/null && rm -f "$LVM_SYSTEM_DIR/profile/docker-thinpool.profile"

echo "== lvmkit setup under strace -f -c"
d=$(mk 4G) && mkdir -p /tmp/r2
strace -f -c -o /tmp/strace-lvmkit.txt "$seed" --child-setup /tmp/r2 "$d"
head -25 /tmp/strace-lvmkit.txt
lvm vgremove -f docker >/dev/null && rm -f "$LVM_SYSTEM_DIR/profile/docker-thinpool.profile"

echo "== the seven lvm commands, each under strace -c (total line) and timed"
d=$(mk 4G)
printf 'activation {\nthin_pool_autoextend_threshold=80\nthin_pool_autoextend_percent=20\n}\n' \
	>"$LVM_SYSTEM_DIR/profile/docker-thinpool.profile"
while read -r cmd; do
	start=$(date +%s%N)
	# shellcheck disable=SC2086
	strace -f -c -o /tmp/strace-cmd.txt lvm $cmd >/dev/null
	echo "$(( ($(date +%s%N) - start) / 1000000 )) ms lvm $cmd: $(grep -E 'total' /tmp/strace-cmd.txt)"
	grep -E ' (openat|read|pread64|io_submit|ioctl|newfstatat|stat)$' /tmp/strace-cmd.txt | sed 's/^/    /'
done <<CMDS
pvcreate $d
vgcreate docker $d
lvcreate --wipesignatures y -n thinpool docker -l 95%VG
lvcreate --wipesignatures y -n thinpoolmeta docker -l 1%VG
lvconvert -y --zero n -c 512K --thinpool docker/thinpool --poolmetadata docker/thinpoolmeta
lvchange --metadataprofile docker-thinpool docker/thinpool
lvchange --monitor y docker/thinpool
CMDS
