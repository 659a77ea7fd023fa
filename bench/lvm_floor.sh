#!/bin/bash
# How little LVM work can give the seed's end state? Runs inside the guest (root + device-mapper):
#   tests/vm/run bench/lvm_floor.sh [ROUNDS] [SIZE]
# Times, in one `lvm` shell process each (one start-up, as lvmkit's one process), on fresh loop
# devices, alternating:
#   seven  the seed's seven commands, with lvmkit's settings (zero_metadata=0, a device filter)
#   two    vgcreate (it writes the PV label itself) + one `lvcreate --type thin-pool` given the
#          metadata size, chunk, zeroing, profile and monitoring at creation
#   three  as two, but the profile attached afterwards by `lvchange --metadataprofile`, as the
#          seed does
# and then compares what each left with what seven left: `lvs -a` (names, attributes, sizes,
# segment type, chunk, zeroing, profile, monitoring), the pool's dm table and the metadata spare.
# Prints one line per run and a DIFF/SAME verdict per peer, and the extents each LV occupies
# (shown, not compared: the seed's comparison does not look at the layout). Nothing here is
# asserted by the test suite.
set -u
rounds=${1:-3} size=${2:-4G}
export LVM_SUPPRESS_FD_WARNINGS=1
profile=$LVM_SYSTEM_DIR/profile/docker-thinpool.profile
printf 'activation {\nthin_pool_autoextend_threshold=80\nthin_pool_autoextend_percent=20\n}\n' >"$profile"

fresh() { # -> a fresh loop device
	local image
	image=$(mktemp /tmp/floor-img.XXXXXX) && truncate -s "$size" "$image" && losetup -f --show "$image"
}

# lvmkit's settings for every command: only this device, metadata LVs not zeroed beyond 4 KiB.
config() { echo "--config 'devices/filter=[\"a|^$1\$|\",\"r|.*|\"] allocation/zero_metadata=0 activation/monitoring=1'"; }

seven() { # device
	local c
	c=$(config "$1")
	cat <<EOF
pvcreate $c $1
vgcreate $c docker $1
lvcreate $c --wipesignatures y --yes -n thinpool docker -l 95%VG
lvcreate $c --wipesignatures y --yes -n thinpoolmeta docker -l 1%VG
lvconvert $c -y --zero n -c 512K --thinpool docker/thinpool --poolmetadata docker/thinpoolmeta
lvchange $c --metadataprofile docker-thinpool docker/thinpool
lvchange $c --monitor y docker/thinpool
EOF
}

# The same sizes in extents (1023-extent VG: 95% = 971, 1% = 10), given outright. The low water
# mark of the pool's table comes from the profile's threshold when the profile is known at
# activation; the seed activates before attaching it (low water mark 0), so the threshold is
# pinned at LVM's default for this one activation, to give the seed's table.
two() { # device
	local c extents data meta
	c=$(config "$1")
	extents=$(($(blockdev --getsize64 "$1") / 4194304 - 1))
	data=$((extents * 95 / 100)) meta=$((extents / 100))
	cat <<EOF
vgcreate $c docker $1
lvcreate ${c%\'} activation/thin_pool_autoextend_threshold=100' --type thin-pool -n thinpool -l $data --poolmetadatasize $((meta * 4))m -c 512K --zero n --metadataprofile docker-thinpool docker
EOF
}

three() { # device
	local c
	c=$(config "$1")
	two "$1" | sed 's/ --metadataprofile docker-thinpool//'
	echo "lvchange $c --metadataprofile docker-thinpool docker/thinpool"
}

describe() { # device -> what the seed's comparison looks at
	lvm lvs -a --config "devices/filter=[\"a|^$1\$|\",\"r|.*|\"]" --noheadings --units b --nosuffix \
		-o lv_name,lv_attr,lv_size,segtype,chunk_size,zero,discards,lv_profile,seg_monitor docker | sort
	dmsetup table docker-thinpool | awk '{$4=$5=""; print "table:", $0}'
}

layout() { # device -> where each LV lies on the PV
	lvm lvs -a --config "devices/filter=[\"a|^$1\$|\",\"r|.*|\"]" --noheadings -o lv_name,seg_pe_ranges docker |
		sort | tr -s ' ' | paste -sd ';'
}

run_peer() { # name device -> "name ms"
	local start ms out
	start=$(date +%s%N)
	out=$("$1" "$2" | lvm 2>&1)
	ms=$((($(date +%s%N) - start) / 1000000))
	if [[ $out == *"Run \`"* || $out == *rror* ]]; then
		echo "$1 FAILED: $out" >&2
	fi
	echo "$1 $ms"
}

# Warm-up: binaries into the page cache, dmeventd started.
d=$(fresh) && seven "$d" | lvm >/dev/null 2>&1 && lvm vgremove -f docker >/dev/null 2>&1

for ((r = 1; r <= rounds; r++)); do
	for peer in seven two three; do
		d=$(fresh)
		before=$(awk '{print $5, $7}' "/sys/block/${d#/dev/}/stat")
		line=$(run_peer "$peer" "$d")
		after=$(awk '{print $5, $7}' "/sys/block/${d#/dev/}/stat")
		read -r w0 ws0 <<<"$before"
		read -r w1 ws1 <<<"$after"
		echo "round $r $line ms, PV writes $((w1 - w0)) ($(((ws1 - ws0) / 2)) KiB)"
		describe "$d" >"/tmp/floor-$peer.txt"
		((r == 1)) && echo "layout $peer: $(layout "$d")"
		lvm vgremove -f docker >/dev/null 2>&1
		losetup -d "$d"
	done
	for peer in two three; do
		if diff /tmp/floor-seven.txt "/tmp/floor-$peer.txt" >/dev/null; then
			echo "round $r $peer: SAME end state as seven"
		else
			echo "round $r $peer: DIFF end state from seven:"
			diff /tmp/floor-seven.txt "/tmp/floor-$peer.txt"
		fi
	done
done
echo "== end state of the seven commands"
cat /tmp/floor-seven.txt
