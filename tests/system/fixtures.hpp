// Fixtures for [system] tests: sparse-file loop devices, scratch directories and a way to run the
// real LVM CLI for side-by-side comparisons (the library itself never spawns it; tests may).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lvmkit::test {

/// nullptr when the suite can run here (root, /dev/mapper/control, loop control); else why not.
const char* system_suite_unavailable();

/// A fresh sparse file attached to a free loop device; both removed on destruction.
class LoopDevice {
  public:
    explicit LoopDevice(std::uint64_t size_bytes, const std::string& name_hint = "lvmkit");
    ~LoopDevice();
    LoopDevice(const LoopDevice&) = delete;
    LoopDevice& operator=(const LoopDevice&) = delete;

    const std::string& path() const { return device_; }
    const std::string& backing_file() const { return file_; }

  private:
    std::string file_;
    std::string device_;
    int loop_fd_ = -1;  // held open for the device's lifetime (see attach_loop)
};

/// A directory under $TMPDIR removed (recursively) on destruction.
class ScratchDir {
  public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

/// Runs argv (no shell) and captures its output. For comparing with the real CLI in tests only.
CommandResult run_command(const std::vector<std::string>& argv);

/// Loads a kernel module with modprobe (tests only); true when it is loaded afterwards.
bool load_module(const std::string& name);

}  // namespace lvmkit::test
