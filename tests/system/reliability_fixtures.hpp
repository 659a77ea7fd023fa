// Fixtures for the reliability [system] tests: a PV on a device-mapper stack the test controls
// (linear over a loop device, switched to error/flakey/delay at will), device snapshots, and
// helpers shared by the fault, concurrency and hostile-input tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lvmkit/dm.hpp"
#include "lvmkit/setup.hpp"
#include "system/fixtures.hpp"

namespace lvmkit::test {

/// A loop device with a dm device on top (`/dev/mapper/<name>`) whose table the test swaps:
/// `linear` (healthy), `error` (every I/O fails), `flakey` (writes fail, reads work), `delay`.
class StackedPv {
  public:
    StackedPv(std::uint64_t size_bytes, const std::string& name);
    ~StackedPv();
    StackedPv(const StackedPv&) = delete;
    StackedPv& operator=(const StackedPv&) = delete;

    /// `/dev/mapper/<name>`, the path setup is given.
    std::string path() const { return "/dev/mapper/" + name_; }
    const std::string& loop_path() const { return loop_.path(); }

    void heal() { swap(linear()); }
    void fail_all_io();
    void fail_writes();
    void delay_io(unsigned milliseconds);

  private:
    dm::Table linear() const;
    void swap(const dm::Table& table);

    LoopDevice loop_;
    std::string name_;
    Sectors sectors_;
};

/// Steps of @p spec's plan that are still to do, probe excluded.
std::vector<setup::StepKind> steps_to_do(const setup::ThinPoolSpec& spec);

/// Runs @p operation (setup::apply or setup::grow) on @p spec in a forked child that SIGKILLs
/// itself right before step @p killed_before; returns the child's wait status (lvmkit's handle
/// is released first).
int run_killed_before(
    const std::function<void(const setup::ThinPoolSpec&, const setup::ApplyOptions&)>& operation,
    const setup::ThinPoolSpec& spec, setup::StepKind killed_before);

/// run_killed_before() with setup::apply.
int apply_killed_before(const setup::ThinPoolSpec& spec, setup::StepKind killed_before);

/// The first and last MiB of a device, to prove a refusal touched nothing.
std::string edges_of(const std::string& device);

/// Every regular file below @p dir (path -> content), symlinks by their target, FIFOs, sockets
/// and device nodes by their kind (never opened).
std::map<std::string, std::string> files_below(const std::string& dir);

/// blockdev::assess() says the device is free (no signatures, no holders).
bool device_is_blank(const std::string& device);

/// No dm device whose name starts with @p prefix.
bool no_dm_devices_named(const std::string& prefix);

std::string read_text(const std::string& path);

}  // namespace lvmkit::test
