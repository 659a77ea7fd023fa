#!/bin/bash
# Runs inside the QEMU guest (tests/vm/run, one boot): every benchmark program in turn, each
# framed by "=== BEGIN <name>" and "=== END <name> rc=<code> ms=<wall>" for bench/run to parse.
#   bench/guest.sh BUILD_DIR quick|full [PROGRAM,...]   (default: all of them)
set -uo pipefail
build=$1 mode=$2 only=${3:-}

if [[ $mode == quick ]]; then
	seed_growth=(--rounds 1 --warm-up 0 --grid 0:1,8:1 --size-mib 1024)
	seed_pvs=(--rounds 1 --warm-up 0 --grid 0:2 --size-mib 1024)
	status=(--foreign 0,8 --calls 100,3)
	dm_status=(100 3)
	blockdev=(3)
	hot=(--rounds 1 --calls 2)
else
	seed_growth=(--rounds 5 --grid 0:1,16:1,64:1,128:1)
	seed_pvs=(--rounds 3 --grid 0:4,0:16)
	status=(--foreign 0,16,64,128 --calls 1000,20)
	dm_status=(1000 20)
	blockdev=(50)
	hot=(--rounds 7 --calls 20)
fi

bench() { # name binary args...
	local name=$1 start rc
	shift
	[[ -z $only || ,$only, == *,$name,* ]] || return 0
	echo "=== BEGIN $name"
	start=$(date +%s%N)
	"$@" 2>&1
	rc=$?
	echo "=== END $name rc=$rc ms=$((($(date +%s%N) - start) / 1000000))"
}

echo "=== GUEST kernel=$(uname -r) cpus=$(nproc) mem_kib=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
echo "=== GUEST cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
bench lvm_seed "$build/bench/bench-lvm_seed" "${seed_growth[@]}" \
	--cli "$build/examples/lvmkit-docker/lvmkit-docker"
bench lvm_seed_pvs "$build/bench/bench-lvm_seed" "${seed_pvs[@]}"
bench pool_status "$build/bench/bench-pool_status" "${status[@]}"
bench hot_paths "$build/bench/bench-hot_paths" --cli "$build/examples/lvmkit-docker/lvmkit-docker" \
	"${hot[@]}"
bench dm_status "$build/bench/bench-dm_status" "${dm_status[@]}"
bench blockdev "$build/bench/bench-blockdev" "${blockdev[@]}"
bench config "$build/bench/bench-config"
