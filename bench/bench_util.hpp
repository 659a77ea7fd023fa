// Shared by the setup and status benchmarks (header-only: the bench CMake glob builds each .cpp
// into its own program). Loop devices on sparse files, child processes with their rusage, block
// device I/O counters, foreign devices with other VGs' LVM labels, JSON lines and statistics.
// Benchmarks run as root under a real kernel (tests/vm/run); they may spawn the LVM CLI, which is
// what they compare against.
#pragma once

#include <fcntl.h>
#include <linux/loop.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

inline std::string temp_dir() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr ? tmp : "/tmp";
}

/// A sparse file attached to a free loop device; detached and deleted on destruction.
class Loop {
  public:
    explicit Loop(std::uint64_t bytes) {
        std::string path = temp_dir() + "/lvmkit-bench-XXXXXX";
        const int file = ::mkstemp(path.data());
        if (file < 0)
            throw std::runtime_error("can not create " + path);
        file_ = path;
        if (::ftruncate(file, static_cast<off_t>(bytes)) != 0) {
            ::close(file);
            throw std::runtime_error("can not size " + path);
        }
        attach(file);
        ::close(file);
    }
    ~Loop() {
        if (fd_ >= 0) {
            ::ioctl(fd_, LOOP_CLR_FD, 0);
            ::close(fd_);
        }
        ::unlink(file_.c_str());
    }
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    const std::string& path() const { return device_; }
    /// "loop7": the name under /sys/block.
    std::string kernel_name() const { return device_.substr(device_.rfind('/') + 1); }

  private:
    void attach(int file) {
        // LOOP_CTL_GET_FREE then LOOP_SET_FD can race with another attacher; retry a few times.
        for (int attempt = 0; attempt < 5; ++attempt) {
            const int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
            const int index = control < 0 ? -1 : ::ioctl(control, LOOP_CTL_GET_FREE);
            if (control >= 0)
                ::close(control);
            if (index < 0)
                throw std::runtime_error("no free loop device");
            device_ = "/dev/loop" + std::to_string(index);
            fd_ = ::open(device_.c_str(), O_RDWR | O_CLOEXEC);
            if (fd_ >= 0 && ::ioctl(fd_, LOOP_SET_FD, file) == 0)
                return;
            if (fd_ >= 0)
                ::close(fd_);
            fd_ = -1;
        }
        throw std::runtime_error("can not attach a loop device to " + file_);
    }

    std::string file_;
    std::string device_;
    int fd_ = -1;
};

using Loops = std::vector<std::unique_ptr<Loop>>;

inline std::vector<std::string> paths_of(const Loops& loops) {
    std::vector<std::string> paths;
    for (const auto& loop : loops)
        paths.push_back(loop->path());
    return paths;
}

/// Completed requests and sectors from /sys/block/<dev>/stat.
struct IoCounters {
    std::uint64_t reads = 0, read_sectors = 0, writes = 0, write_sectors = 0;

    IoCounters& operator+=(const IoCounters& o) {
        reads += o.reads;
        read_sectors += o.read_sectors;
        writes += o.writes;
        write_sectors += o.write_sectors;
        return *this;
    }
    IoCounters operator-(const IoCounters& o) const {
        return {reads - o.reads, read_sectors - o.read_sectors, writes - o.writes,
                write_sectors - o.write_sectors};
    }
};

inline IoCounters io_counters(const Loop& loop) {
    std::ifstream in("/sys/block/" + loop.kernel_name() + "/stat");
    std::uint64_t f[7] = {};
    for (auto& value : f)
        in >> value;
    if (!in)
        throw std::runtime_error("can not read /sys/block/" + loop.kernel_name() + "/stat");
    // Fields: reads, reads merged, sectors read, ms reading, writes, writes merged, sectors
    // written.
    return {f[0], f[2], f[4], f[6]};
}

inline IoCounters io_counters(const Loops& loops) {
    IoCounters sum;
    for (const auto& loop : loops)
        sum += io_counters(*loop);
    return sum;
}

/// What a finished child process cost.
struct ChildResult {
    int exit_code = -1;
    double cpu_seconds = 0;  ///< user + system
    long maxrss_kib = 0;     ///< peak resident set size
    std::string output;      ///< stdout and stderr
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Runs argv (no shell) with @p input on stdin and its output captured; waits with wait4 to read
/// the child's own CPU time and peak RSS.
inline ChildResult run(const std::vector<std::string>& argv, const std::string& input = {}) {
    std::string out_path = temp_dir() + "/lvmkit-bench-out-XXXXXX";
    const int out = ::mkstemp(out_path.data());
    int in_pipe[2] = {-1, -1};
    if (out < 0 || ::pipe2(in_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("can not set up a child's streams");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in_pipe[0]);
    ::close(out);
    ChildResult result;
    if (rc == 0) {
        // Inputs are a few KiB, below the pipe's capacity: write all, then close for EOF.
        if (!input.empty() && ::write(in_pipe[1], input.data(), input.size()) < 0)
            std::fprintf(stderr, "bench: writing to %s's stdin failed\n", argv[0].c_str());
        ::close(in_pipe[1]);
        int status = 0;
        struct rusage usage {};
        ::wait4(pid, &status, 0, &usage);
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        result.cpu_seconds =
            static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
            static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
        result.maxrss_kib = usage.ru_maxrss;
    } else {
        ::close(in_pipe[1]);
        result.output = "can not start " + argv[0] + "\n";
    }
    result.output += slurp(out_path);
    ::unlink(out_path.c_str());
    return result;
}

/// Runs argv and throws with its output when it fails (set-up and clean-up, never timed).
inline ChildResult run_checked(const std::vector<std::string>& argv,
                               const std::string& input = {}) {
    auto result = run(argv, input);
    if (result.exit_code != 0) {
        std::string line;
        for (const auto& a : argv)
            line += a + " ";
        throw std::runtime_error(line + "failed (" + std::to_string(result.exit_code) +
                                 "): " + result.output);
    }
    return result;
}

/// An lvm.conf `devices/filter` that accepts exactly @p devices (set-up and clean-up only: the
/// peers under measurement run as an administrator would, without it).
inline std::string filter_for(const std::vector<std::string>& devices) {
    std::string filter = "devices/filter=[";
    for (const auto& device : devices)
        filter += "\"a|^" + device + "$|\",";
    return filter + "\"r|.*|\"]";
}

/// Extra loop devices that LVM scans but the benchmark does not use: every other group of four
/// carries a VG of its own (foreign0, foreign1...), the rest are blank.
class ForeignDevices {
  public:
    static constexpr std::uint64_t kSize = 64ull << 20;
    static constexpr std::size_t kGroup = 4;

    /// Grows or shrinks to @p count devices (whole groups only are labelled).
    void resize(std::size_t count) {
        while (loops_.size() > count)
            loops_.pop_back();
        std::string commands;
        while (loops_.size() < count) {
            const std::size_t group = loops_.size() / kGroup;
            std::vector<std::string> members;
            for (std::size_t i = 0; i < kGroup && loops_.size() < count; ++i) {
                loops_.push_back(std::make_unique<Loop>(kSize));
                members.push_back(loops_.back()->path());
            }
            if (group % 2 == 0 && members.size() == kGroup) {
                commands += "vgcreate --config '" + filter_for(members) + "' foreign" +
                            std::to_string(group);
                for (const auto& m : members)
                    commands += " " + m;
                commands += "\n";
            }
        }
        if (!commands.empty())
            check_shell(run({"lvm"}, commands + "exit\n"));
    }
    std::size_t size() const { return loops_.size(); }
    /// Foreign VGs among the current devices.
    std::size_t labelled() const { return (loops_.size() / (2 * kGroup)) * kGroup; }

  private:
    static void check_shell(const ChildResult& result) {
        if (result.exit_code != 0 || result.output.find("already") != std::string::npos)
            throw std::runtime_error("creating foreign VGs failed: " + result.output);
    }
    Loops loops_;
};

/// Median, min and max of samples.
struct Summary {
    double median = 0, min = 0, max = 0;
};

inline Summary summarize(std::vector<double> samples) {
    if (samples.empty())
        return {};
    std::sort(samples.begin(), samples.end());
    const std::size_t n = samples.size();
    const double median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2.0;
    return {median, samples.front(), samples.back()};
}

/// Builds one JSON object, printed as one line prefixed "JSON " for bench/run to collect.
class JsonLine {
  public:
    JsonLine& add(const std::string& key, const std::string& value) {
        std::string escaped;
        for (const char c : value) {
            if (c == '"' || c == '\\')
                escaped += '\\';
            if (static_cast<unsigned char>(c) >= 0x20)
                escaped += c;
        }
        return raw(key, "\"" + escaped + "\"");
    }
    JsonLine& add(const std::string& key, const char* value) {
        return add(key, std::string(value));
    }
    JsonLine& add(const std::string& key, double value) {
        char text[64];
        std::snprintf(text, sizeof text, "%.6g", value);
        return raw(key, text);
    }
    JsonLine& add(const std::string& key, std::uint64_t value) {
        return raw(key, std::to_string(value));
    }
    JsonLine& add(const std::string& key, int value) { return raw(key, std::to_string(value)); }
    JsonLine& add(const std::string& key, long value) { return raw(key, std::to_string(value)); }
    JsonLine& add(const std::string& key, bool value) { return raw(key, value ? "true" : "false"); }
    void print() const {
        std::printf("JSON {%s}\n", body_.c_str());
        std::fflush(stdout);
    }

  private:
    JsonLine& raw(const std::string& key, const std::string& value) {
        if (!body_.empty())
            body_ += ", ";
        body_ += "\"" + key + "\": " + value;
        return *this;
    }
    std::string body_;
};

/// "0,16,64" -> {0, 16, 64}.
inline std::vector<std::size_t> parse_list(const std::string& text) {
    std::vector<std::size_t> values;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        values.push_back(static_cast<std::size_t>(std::stoul(item)));
    return values;
}

/// The profile directory the lvm CLI uses in this environment.
inline std::string profile_dir() {
    const char* system_dir = std::getenv("LVM_SYSTEM_DIR");
    return std::string(system_dir != nullptr ? system_dir : "/etc/lvm") + "/profile";
}

}  // namespace bench
