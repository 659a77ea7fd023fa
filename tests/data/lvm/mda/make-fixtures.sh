#!/bin/bash
# Makes the metadata-area fixtures of tests/unit/vg_metadata_test.cpp: real PVs written by LVM in
# the project's guest, each saved up to its first physical extent (label + metadata area).
#   tests/vm/run tests/data/lvm/mda/make-fixtures.sh BUILD_DIR > log
# The guest sees this tree read-only: the images come out as a base64 tar after "=== FIXTURES";
#   sed -n '/^=== FIXTURES/{n;p}' log | base64 -d | tar -xz -C tests/data/lvm/mda
set -euo pipefail
build=$1 out=/tmp/mda-fixtures
cli=$build/examples/lvmkit-docker/lvmkit-docker
export LVM_SUPPRESS_FD_WARNINGS=1
mkdir -p "$out"
mk() { # size -> loop device
	local image
	image=$(mktemp /tmp/mda-img.XXXXXX) && truncate -s "$1" "$image" && losetup -f --show "$image"
}
save() { # device name: the bytes before the first PE
	local start
	start=$(pvs --noheadings --units b --nosuffix -o pe_start "$1" | tr -d ' ')
	dd if="$1" of="$out/$2.bin" bs=512 count=$((start / 512)) status=none
	echo "$2: pe_start $start"
}

# An orphan PV: a label, an empty metadata area.
d=$(mk 64M)
pvcreate -q --metadatasize 60k "$d" >/dev/null
save "$d" orphan

# The seed's state: lvmkit-docker setup on a 4 GiB disk (the pool, its profile, monitored).
d=$(mk 4G)
mkdir -p /tmp/root
"$cli" setup --yes --quiet --device "$d" --root /tmp/root
save "$d" seed
lvs -a -o lv_name,segtype,lv_size,lv_attr docker
vgs -o vg_name,vg_free_count,vg_extent_count,vg_seqno,vg_uuid docker
lvs -a -o lv_name,lv_uuid,seg_monitor,lv_active docker
dmsetup info -c -o name,uuid

# Two PVs, a striped LV over both and a linear one: free extents counted over both.
a=$(mk 64M) && b=$(mk 64M)
vgcreate -q --metadatasize 60k -s 1m two "$a" "$b" >/dev/null
lvcreate -q -n striped -i 2 -l 20 two >/dev/null
lvcreate -q -n linear -l 30 two >/dev/null
save "$a" two-a
save "$b" two-b
vgs -o vg_name,vg_free_count,vg_extent_count,vg_seqno two

# A small metadata area written until its text wraps round the circular buffer.
d=$(mk 64M)
vgcreate -q --metadatasize 60k -s 1m ring "$d" >/dev/null
for i in $(seq 1 30); do
	lvcreate -q -n "lv$i" -l 1 ring >/dev/null
	lvremove -q -y "ring/lv$i" >/dev/null
done
lvcreate -q -n keep -l 3 ring >/dev/null
save "$d" ring
vgs -o vg_name,vg_free_count,vg_extent_count,vg_seqno ring
vgremove -q -f docker two ring >/dev/null
rm -rf /dev/docker /dev/two /dev/ring  # no udev in the guest: the VG directories stay

echo "=== FIXTURES"
tar -C "$out" -cz . | base64 -w0
echo
