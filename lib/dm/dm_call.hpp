// One libdevmapper call in progress: holds the process-wide libdevmapper lock, installs the dm
// layer's log hook and udev policy, and collects libdevmapper's warnings and errors so a failure
// can carry them in Error::details().
#pragma once

#include <libdevmapper.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "internal/libdm_lock.hpp"
#include "lvmkit/error.hpp"

namespace lvmkit::dm::internal {

struct TaskDeleter {
    void operator()(dm_task* task) const noexcept { dm_task_destroy(task); }
};
using TaskPtr = std::unique_ptr<dm_task, TaskDeleter>;

/// Which error code an errno means depends on what was attempted (EBUSY on remove is "open",
/// on create it is "a target's device is held by someone else").
enum class Op { read, create, reload, suspend, resume, rename, remove, message, list };

class LibdmCall {
  public:
    LibdmCall();
    ~LibdmCall();
    LibdmCall(const LibdmCall&) = delete;
    LibdmCall& operator=(const LibdmCall&) = delete;

    /// dm_task_create, or throws dm_failed.
    TaskPtr task(int type, const std::string& operation, const std::string& object);
    /// Throws dm_failed with the collected messages when a setter returned 0.
    void check(int setter_result, const std::string& operation, const std::string& object,
               const char* what);
    /// dm_task_run; on failure throws the Errc that fits @p op and the task's errno.
    void run(dm_task* task, Op op, const std::string& operation, const std::string& object);
    /// Like run(), with a udev cookie when udev sync is on (always paired with a timed wait),
    /// else libdevmapper's own node operations are flushed afterwards.
    void run_with_nodes(dm_task* task, Op op, const std::string& operation,
                        const std::string& object);

    const std::vector<std::string>& messages() const noexcept { return messages_; }

  private:
    void wait_for_udev(std::uint32_t cookie, const std::string& operation,
                       const std::string& object);

    std::unique_lock<std::recursive_mutex> lock_;
    std::vector<std::string>* previous_capture_;
    std::vector<std::string> messages_;
    bool udev_sync_;
};

/// Maps an errno from a failed ioctl to lvmkit's code for @p op.
Errc errc_for(Op op, int sys_errno) noexcept;

/// Test seam: makes udev_sync_enabled() see this environment instead of the process's.
/// (Decides only from its arguments, so unit tests can check the policy without udev.)
bool udev_sync_policy(const char* dm_disable_udev_env, bool udev_control_exists) noexcept;

/// Test seam: when set, called with the name of each step of create() ("create", "load",
/// "resume", "undo") before the step runs; a test makes a step fail by throwing from it.
using FailPoint = void (*)(const char* step);
void set_create_fail_point(FailPoint hook) noexcept;
void hit_create_fail_point(const char* step);

}  // namespace lvmkit::dm::internal
