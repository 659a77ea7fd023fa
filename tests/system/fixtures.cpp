#include "system/fixtures.hpp"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace lvmkit::test {
namespace {

std::string temp_dir() {
    const char* dir = std::getenv("TMPDIR");
    return (dir != nullptr && *dir != '\0') ? dir : "/tmp";
}

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// Retries: another process may grab the free loop device between GET_FREE and SET_FD.
// Returns the device with *loop_fd left open: with LO_FLAGS_AUTOCLEAR the kernel detaches the
// loop device at its last close, so closing here would free it again at once.
std::string attach_loop(int backing_fd, int* loop_fd_out) {
    const int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control < 0)
        fail("open /dev/loop-control");
    for (int attempt = 0; attempt < 10; ++attempt) {
        const int index = ::ioctl(control, LOOP_CTL_GET_FREE);
        if (index < 0)
            break;
        const std::string path = "/dev/loop" + std::to_string(index);
        const int loop_fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (loop_fd < 0)
            continue;
        const bool attached = ::ioctl(loop_fd, LOOP_SET_FD, backing_fd) == 0;
        if (attached) {
            loop_info64 info{};
            info.lo_flags = LO_FLAGS_AUTOCLEAR;
            ::ioctl(loop_fd, LOOP_SET_STATUS64, &info);
        }
        if (attached) {
            ::close(control);
            *loop_fd_out = loop_fd;
            return path;
        }
        ::close(loop_fd);
    }
    ::close(control);
    fail("attach loop device");
}

}  // namespace

const char* system_suite_unavailable() {
    if (::geteuid() != 0)
        return "not root";
    // The node alone proves nothing: libdevmapper mknods it even on kernels without dm.
    const int control = ::open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
    if (control < 0)
        return "the kernel has no device-mapper (/dev/mapper/control does not open)";
    ::close(control);
    if (::access("/dev/loop-control", F_OK) != 0)
        return "no /dev/loop-control";
    return nullptr;
}

LoopDevice::LoopDevice(std::uint64_t size_bytes, const std::string& name_hint) {
    std::string pattern = temp_dir() + "/" + name_hint + "-XXXXXX.img";
    const int fd = ::mkstemps(pattern.data(), 4);
    if (fd < 0)
        fail("create " + pattern);
    file_ = pattern;
    if (::ftruncate(fd, static_cast<off_t>(size_bytes)) != 0) {
        ::close(fd);
        ::unlink(file_.c_str());
        fail("truncate " + file_);
    }
    try {
        device_ = attach_loop(fd, &loop_fd_);
    } catch (...) {
        ::close(fd);
        ::unlink(file_.c_str());
        throw;
    }
    ::close(fd);
}

LoopDevice::~LoopDevice() {
    // If a dm device still holds it, CLR_FD fails and AUTOCLEAR detaches it at the last close.
    ::ioctl(loop_fd_, LOOP_CLR_FD, 0);
    ::close(loop_fd_);
    ::unlink(file_.c_str());
}

ScratchDir::ScratchDir() {
    std::string pattern = temp_dir() + "/lvmkit-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        fail("mkdtemp " + pattern);
    path_ = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

CommandResult run_command(const std::vector<std::string>& argv) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        fail("pipe");
    const pid_t pid = ::fork();
    if (pid < 0)
        fail("fork");
    if (pid == 0) {
        ::dup2(pipe_fds[1], STDOUT_FILENO);
        ::dup2(pipe_fds[1], STDERR_FILENO);
        // The CLI tools must not inherit this process's descriptors (libdevmapper's control fd
        // is not close-on-exec); lvm would print a warning into the captured output.
        ::close_range(3, ~0U, 0);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        std::_Exit(127);
    }
    ::close(pipe_fds[1]);
    CommandResult result;
    std::array<char, 4096> buffer{};
    ssize_t n = 0;
    while ((n = ::read(pipe_fds[0], buffer.data(), buffer.size())) > 0)
        result.output.append(buffer.data(), static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

bool load_module(const std::string& name) {
    return run_command({"modprobe", name}).exit_code == 0;
}

}  // namespace lvmkit::test
