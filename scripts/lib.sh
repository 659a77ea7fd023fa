# Shared by scripts/test and scripts/demo: paths, build, and how to reach a real kernel.
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${LVMKIT_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)

# Configures (once) and builds lvmkit with tests, examples and benchmarks.
build_lvmkit() {
    if [[ ! -f $build_dir/build.ninja ]]; then
        cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DLVMKIT_WARNINGS_AS_ERRORS=ON -Wno-dev >/dev/null
    fi
    cmake --build "$build_dir" -j "$jobs"
}

# True when this host's kernel runs device-mapper itself (root, dm in the kernel or loadable).
# A /dev/mapper/control node alone proves nothing: packages create it on kernels without dm.
kernel_has_device_mapper() { grep -qw device-mapper /proc/misc 2>/dev/null; }
host_has_device_mapper() {
    [[ $(id -u) -eq 0 ]] || return 1
    kernel_has_device_mapper && return 0
    modprobe dm-thin-pool >/dev/null 2>&1 && kernel_has_device_mapper
}

# Runs a command as root with device-mapper: directly where the host has it, else inside the
# project's QEMU guest (tests/vm/run), which boots the installed Debian kernel.
with_real_kernel() {
    if [[ ${LVMKIT_FORCE_VM:-0} != 1 ]] && host_has_device_mapper; then
        "$@"
    else
        "$root/tests/vm/run" --timeout "${LVMKIT_VM_TIMEOUT:-3000}" "$@"
    fi
}

# "passed failed" from a Catch2 console log; no summary (a crash) counts as one failure.
catch_counts() {
    local log=$1 line passed failed
    line=$(grep -E '^All tests passed \(|^test cases:' "$log" | tail -1 || true)
    if [[ $line == All* ]]; then
        passed=$(sed -E 's/.* in ([0-9]+) test cases?\)$/\1/' <<<"$line")
        echo "$passed 0"
    elif [[ $line == test* ]]; then
        passed=$(sed -nE 's/.*\| *([0-9]+) passed.*/\1/p' <<<"$line")
        failed=$(sed -nE 's/.*\| *([0-9]+) failed.*/\1/p' <<<"$line")
        echo "${passed:-0} ${failed:-0}"
    else
        echo "0 1"
    fi
}
