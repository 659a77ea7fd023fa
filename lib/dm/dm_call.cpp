#include "dm/dm_call.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "lvmkit/dm.hpp"
#include "lvmkit/log.hpp"

namespace lvmkit::dm {
namespace internal {
namespace {

// Where the running call collects warnings and errors; only touched under the libdm lock.
std::vector<std::string>* g_capture = nullptr;

std::atomic<long long> g_udev_timeout_ms{30000};

// libdevmapper's levels (dm-logging.h): 2 fatal, 3 error, 4 warning, 5 notice, 6 info, 7 debug,
// with flag bits (_LOG_STDERR 128, _LOG_ONCE 256) above them.
LogLevel to_log_level(int level) {
    switch (level & 7) {
        case 0:
        case 1:
        case 2:
        case 3:
            return LogLevel::error;
        case 4:
            return LogLevel::warning;
        case 5:
            return LogLevel::notice;
        case 6:
            return LogLevel::info;
        default:
            return LogLevel::debug;
    }
}

__attribute__((format(printf, 5, 6))) void log_hook(int level, const char* /*file*/, int /*line*/,
                                                    int /*dm_errno_or_class*/, const char* format,
                                                    ...) {
    char buffer[1024];
    va_list args;
    va_start(args, format);
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is just above.
    const int written = std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    if (written < 0)
        return;
    const LogLevel mapped = to_log_level(level);
    if (g_capture != nullptr && mapped >= LogLevel::warning)
        g_capture->emplace_back(buffer);
    log(LogCategory::dm, mapped, buffer);
}

std::string describe_failure(Op op, int sys_errno) {
    const bool making = op == Op::create || op == Op::reload;
    switch (sys_errno) {
        case 0:
            return "libdevmapper call failed (no errno)";
        case ENXIO:
        case ENODEV:
        case ENOENT:
            return making ? "a device named in the table does not exist"
                          : "no such device-mapper device";
        case EBUSY:
            return making ? "a device named in the table is in use (mounted, or held by another "
                            "device-mapper or md device)"
                          : "the device is busy (open, or in use)";
        case EEXIST:
            return "the object exists already";
        case ENODATA:
            return "the target has no such object (e.g. thin device id)";
        case EINVAL:
            return "the kernel refused the request (its reason is in the kernel log; "
                   "libdevmapper's message follows)";
        default:
            return "libdevmapper call failed";
    }
}

}  // namespace

namespace {
std::atomic<FailPoint> g_create_fail_point{nullptr};
}  // namespace

void set_create_fail_point(FailPoint hook) noexcept {
    g_create_fail_point.store(hook);
}

void hit_create_fail_point(const char* step) {
    if (const FailPoint hook = g_create_fail_point.load())
        hook(step);
}

bool udev_sync_policy(const char* dm_disable_udev_env, bool udev_control_exists) noexcept {
    // libdevmapper reads DM_DISABLE_UDEV as "set at all", so any value disables it.
    if (dm_disable_udev_env != nullptr)
        return false;
    return udev_control_exists;
}

Errc errc_for(Op op, int sys_errno) noexcept {
    switch (sys_errno) {
        case ENXIO:
        case ENODEV:
        case ENOENT:
        case ENODATA:  // a thin-pool message naming a thin id the pool does not have
            return Errc::not_found;
        case EEXIST:
            return Errc::already_exists;
        case EBUSY:
            return (op == Op::create || op == Op::reload) ? Errc::device_in_use : Errc::busy;
        case EACCES:
        case EPERM:
        case EROFS:
            return Errc::permission_denied;
        case ETIMEDOUT:
            return Errc::timeout;
        default:
            return Errc::dm_failed;
    }
}

LibdmCall::LibdmCall()
    : lock_(lvmkit::internal::libdm_mutex()),
      previous_capture_(g_capture),
      udev_sync_(udev_sync_enabled()) {
    // liblvm2cmd shares libdevmapper's globals and may have changed them: set ours every time.
    dm_log_with_errno_init(log_hook);
    dm_udev_set_sync_support(udev_sync_ ? 1 : 0);
    g_capture = &messages_;
}

LibdmCall::~LibdmCall() {
    g_capture = previous_capture_;
}

TaskPtr LibdmCall::task(int type, const std::string& operation, const std::string& object) {
    TaskPtr task(dm_task_create(type));
    if (task)
        return task;
    // dm_task_create fails when libdevmapper can not reach the kernel driver (it checks the
    // driver version the first time), not only when memory runs out.
    if (::access("/sys/class/misc/device-mapper", F_OK) != 0)
        throw Error(Errc::unsupported, operation, object,
                    "the kernel has no device-mapper driver (is dm-mod loaded?)", messages_);
    throw Error(Errc::dm_failed, operation, object,
                "libdevmapper could not start a task (can not talk to the device-mapper driver?)",
                messages_);
}

void LibdmCall::check(int setter_result, const std::string& operation, const std::string& object,
                      const char* what) {
    if (setter_result == 0)
        throw Error(Errc::dm_failed, operation, object, std::string(what) + " failed", messages_);
}

void LibdmCall::run(dm_task* task, Op op, const std::string& operation, const std::string& object) {
    if (dm_task_run(task) != 0)
        return;
    const int sys_errno = dm_task_get_errno(task);
    throw Error(errc_for(op, sys_errno), operation, object, describe_failure(op, sys_errno),
                messages_, sys_errno);
}

void LibdmCall::run_with_nodes(dm_task* task, Op op, const std::string& operation,
                               const std::string& object) {
    if (!udev_sync_) {
        // No udev: libdevmapper stacked the node operations; perform them now, even on failure
        // (a failed create may have stacked a removal of its half-made node).
        const int ok = dm_task_run(task);
        const int sys_errno = ok != 0 ? 0 : dm_task_get_errno(task);
        dm_task_update_nodes();
        if (ok == 0)
            throw Error(errc_for(op, sys_errno), operation, object, describe_failure(op, sys_errno),
                        messages_, sys_errno);
        return;
    }
    // As dmsetup does by default: udev's dm rules make the nodes; libdevmapper's fallback would
    // race with them.
    std::uint32_t cookie = 0;
    check(dm_task_set_cookie(task, &cookie, DM_UDEV_DISABLE_LIBRARY_FALLBACK), operation, object,
          "dm_task_set_cookie");
    const int ok = dm_task_run(task);
    const int sys_errno = ok != 0 ? 0 : dm_task_get_errno(task);
    // The cookie must be waited for whether the ioctl worked or not (libdevmapper completes it
    // itself when no uevent will come), else its semaphore leaks.
    wait_for_udev(cookie, operation, object);
    if (ok == 0)
        throw Error(errc_for(op, sys_errno), operation, object, describe_failure(op, sys_errno),
                    messages_, sys_errno);
}

void LibdmCall::wait_for_udev(std::uint32_t cookie, const std::string& operation,
                              const std::string& object) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(g_udev_timeout_ms.load());
    for (;;) {
        int ready = 0;
        if (dm_udev_wait_immediate(cookie, &ready) == 0)
            throw Error(Errc::dm_failed, operation, object, "waiting for udev failed", messages_);
        if (ready != 0)
            return;
        if (Clock::now() >= deadline) {
            throw Error(Errc::timeout, operation, object,
                        "udev did not finish processing the device within " +
                            std::to_string(g_udev_timeout_ms.load()) + " ms (cookie " +
                            std::to_string(cookie) + ")",
                        messages_, ETIMEDOUT);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace internal

bool udev_sync_enabled() {
    return internal::udev_sync_policy(std::getenv("DM_DISABLE_UDEV"),
                                      ::access("/run/udev/control", F_OK) == 0);
}

void set_udev_wait_timeout(std::chrono::milliseconds timeout) {
    internal::g_udev_timeout_ms.store(static_cast<long long>(timeout.count()));
}

}  // namespace lvmkit::dm
