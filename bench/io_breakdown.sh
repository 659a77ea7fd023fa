#!/bin/bash
# Which seed command does the I/O on the PV? Runs inside the guest (root + device-mapper):
#   tests/vm/run bench/io_breakdown.sh [SIZE]
# Prints, per lvm command, the reads/writes (requests and KiB) /sys/block/loopN/stat saw; then the
# same sequence with allocation/zero_metadata=0 (LVM zeroes only the metadata LV's first 4 KiB;
# the kernel formats the rest), to show how far LVM's default is from the least I/O.
set -u
size=${1:-4G}
export LVM_SUPPRESS_FD_WARNINGS=1
profile=$LVM_SYSTEM_DIR/profile/docker-thinpool.profile
printf 'activation {\nthin_pool_autoextend_threshold=80\nthin_pool_autoextend_percent=20\n}\n' >"$profile"

stat_of() { awk '{print $1, $3, $5, $7}' "/sys/block/$1/stat"; }

sequence() { # extra-config
	local image dev name before after total_r=0 total_rk=0 total_w=0 total_wk=0
	image=$(mktemp /tmp/io-img.XXXXXX) && truncate -s "$size" "$image"
	dev=$(losetup -f --show "$image") && name=${dev#/dev/}
	echo "== zero_metadata=${1} on $dev ($size)"
	while read -r cmd; do
		read -r r0 rs0 w0 ws0 < <(stat_of "$name")
		# shellcheck disable=SC2086
		lvm $cmd --config "allocation/zero_metadata=$1" >/dev/null || echo "   FAILED: $cmd"
		read -r r1 rs1 w1 ws1 < <(stat_of "$name")
		printf '  %-95s reads %4d (%6d KiB)  writes %4d (%7d KiB)\n' "lvm $cmd" \
			$((r1 - r0)) $(((rs1 - rs0) / 2)) $((w1 - w0)) $(((ws1 - ws0) / 2))
		total_r=$((total_r + r1 - r0)) total_rk=$((total_rk + (rs1 - rs0) / 2))
		total_w=$((total_w + w1 - w0)) total_wk=$((total_wk + (ws1 - ws0) / 2))
	done <<CMDS
pvcreate $dev
vgcreate docker $dev
lvcreate --wipesignatures y -n thinpool docker -l 95%VG
lvcreate --wipesignatures y -n thinpoolmeta docker -l 1%VG
lvconvert -y --zero n -c 512K --thinpool docker/thinpool --poolmetadata docker/thinpoolmeta
lvchange --metadataprofile docker-thinpool docker/thinpool
lvchange --monitor y docker/thinpool
CMDS
	printf '  %-95s reads %4d (%6d KiB)  writes %4d (%7d KiB)\n' total "$total_r" "$total_rk" \
		"$total_w" "$total_wk"
	lvm vgremove -f docker >/dev/null
	losetup -d "$dev"
	rm -f "$image"
}
sequence 1
sequence 0
