// The process-wide liblvm2cmd handle: one lvm2_run at a time, with the process state liblvm2cmd
// changes put back after each call.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "internal/lvm_command.hpp"

namespace lvmkit::lvm::internal {

/// lvm2_run's success value (LVM2_COMMAND_SUCCEEDED).
inline constexpr int kLvmSucceeded = 1;

/// What one lvm2_run produced.
struct RunResult {
    int return_code = 0;              ///< lvm2_run's value; 1 (LVM2_COMMAND_SUCCEEDED) is success
    std::vector<std::string> output;  ///< level-4 (print) lines: reports, "created" messages
    std::vector<std::string> errors;  ///< level 2-3 messages
};

/// Runs @p line with its settings on the shared handle (created on first use, for the first
/// command's settings). Every message goes to the lvmkit log sink (category lvm). Never throws for
/// a failed command; throws Error(lvm_failed) only when the handle can not be created.
RunResult run_lvm(const CommandLine& line);

/// @p path as the real system directory names it, when LVM reported it under the handle's
/// private one (see lvm_system_dir.hpp); else @p path.
std::string real_path_of(const std::string& path);

/// Test seam: when set, called with each command line (with its settings as `--config`) before
/// it runs; a non-empty returned RunResult (return_code != 0) is used instead of running it.
using RunInterceptor = std::function<RunResult(const std::string&)>;
void set_run_interceptor(RunInterceptor interceptor);

}  // namespace lvmkit::lvm::internal
