// Reading one thin pool's typed status in-process (lvmkit::dm::thin_pool_status, N=1000) next to
// `dmsetup status` run as a process (N=20). Needs root and device-mapper with dm-thin-pool:
//   tests/vm/run build/bench/bench-dm_status [N_INPROCESS N_PROCESS] [existing-pool-name]
// Without a pool name it makes a raw pool over two sparse-file loop devices and removes it after.
#include <fcntl.h>
#include <linux/loop.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
namespace dm = lvmkit::dm;

/// A sparse file on a loop device, detached and deleted on destruction.
class Loop {
  public:
    explicit Loop(std::uint64_t bytes) {
        const char* tmp = std::getenv("TMPDIR");
        std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/bench-dm-XXXXXX";
        const int file = ::mkstemp(path.data());
        if (file < 0 || ::ftruncate(file, static_cast<off_t>(bytes)) != 0)
            throw std::runtime_error("can not create " + path);
        file_ = path;
        const int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        const int index = control < 0 ? -1 : ::ioctl(control, LOOP_CTL_GET_FREE);
        if (control >= 0)
            ::close(control);
        if (index < 0)
            throw std::runtime_error("no free loop device");
        device_ = "/dev/loop" + std::to_string(index);
        fd_ = ::open(device_.c_str(), O_RDWR | O_CLOEXEC);
        if (fd_ < 0 || ::ioctl(fd_, LOOP_SET_FD, file) != 0)
            throw std::runtime_error("can not attach " + device_);
        ::close(file);
    }
    ~Loop() {
        ::ioctl(fd_, LOOP_CLR_FD, 0);
        ::close(fd_);
        ::unlink(file_.c_str());
    }
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;
    const std::string& path() const { return device_; }

  private:
    std::string file_;
    std::string device_;
    int fd_ = -1;
};

int run_quietly(const std::vector<std::string>& argv) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        return -1;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

int measure(const std::string& pool, int n_in_process, int n_process) {
    // Warm up (first call opens /dev/mapper/control, loads pages).
    (void)dm::thin_pool_status(pool);

    std::uint64_t checksum = 0;
    auto start = Clock::now();
    for (int i = 0; i < n_in_process; ++i) {
        const auto status = dm::thin_pool_status(pool);
        if (const auto* usage = std::get_if<dm::ThinPoolUsage>(&status))
            checksum += usage->total_data_blocks;
    }
    const double typed = seconds_since(start) / n_in_process;

    start = Clock::now();
    for (int i = 0; i < n_in_process; ++i)
        checksum += dm::status(pool, true).size();
    const double raw = seconds_since(start) / n_in_process;

    // What plain `dmsetup status` makes the kernel do: commit metadata first (fewer rounds: slow).
    const int n_commit = std::max(1, n_in_process / 10);
    start = Clock::now();
    for (int i = 0; i < n_commit; ++i) {
        const auto status = dm::thin_pool_status(pool, true);
        checksum += status.index();
    }
    const double committed = seconds_since(start) / n_commit;

    start = Clock::now();
    for (int i = 0; i < n_process; ++i) {
        if (run_quietly({"dmsetup", "status", pool}) != 0) {
            std::fprintf(stderr, "dmsetup status %s failed\n", pool.c_str());
            return 1;
        }
    }
    const double process = seconds_since(start) / n_process;

    std::printf("pool: %s (checksum %llu)\n", pool.c_str(),
                static_cast<unsigned long long>(checksum));
    std::printf("lvmkit dm::thin_pool_status (typed, table+status), N=%d: %.1f us/call\n",
                n_in_process, typed * 1e6);
    std::printf("lvmkit dm::status (raw status line, noflush), N=%d: %.1f us/call\n", n_in_process,
                raw * 1e6);
    std::printf("lvmkit dm::thin_pool_status(commit_first=true), N=%d: %.1f us/call\n", n_commit,
                committed * 1e6);
    std::printf("dmsetup status as a process, N=%d: %.1f us/call\n", n_process, process * 1e6);
    std::printf("ratio dmsetup / typed in-process: %.0fx\n", process / typed);
    std::printf("ratio dmsetup / in-process with the same commit: %.0fx\n", process / committed);
    std::printf(
        "RESULT dm_status typed_us=%.1f raw_us=%.1f committed_us=%.1f dmsetup_us=%.1f "
        "ratio=%.0f\n",
        typed * 1e6, raw * 1e6, committed * 1e6, process * 1e6, process / typed);
    return process / typed >= 100.0 ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
    const int n_in_process = argc > 1 ? std::atoi(argv[1]) : 1000;
    const int n_process = argc > 2 ? std::atoi(argv[2]) : 20;
    if (n_in_process <= 0 || n_process <= 0) {
        std::fprintf(stderr, "usage: %s [N_INPROCESS N_PROCESS] [pool-name]\n", argv[0]);
        return 64;
    }
    try {
        if (argc > 3)
            return measure(argv[3], n_in_process, n_process);
        Loop metadata(16ull << 20);
        Loop data(256ull << 20);
        dm::RawThinPoolSpec spec;
        spec.name = "lvmkit-bench-pool";
        spec.metadata_device = metadata.path();
        spec.data_device = data.path();
        spec.data_block_size = lvmkit::Sectors(1024);
        const dm::ThinPool pool = dm::create_thin_pool(spec);
        int rc = 1;
        try {
            rc = measure(pool.name(), n_in_process, n_process);
        } catch (...) {
            dm::remove_thin_pool(pool.name());
            throw;
        }
        dm::remove_thin_pool(pool.name());
        return rc;
    } catch (const lvmkit::Error& e) {
        std::fprintf(stderr, "bench-dm_status: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-dm_status: %s\n", e.what());
        return 1;
    }
}
