// The process-wide liblvm2cmd handle: one lvm2_run at a time, with the process state liblvm2cmd
// changes put back after each call.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace lvmkit::lvm::internal {

/// lvm2_run's success value (LVM2_COMMAND_SUCCEEDED).
inline constexpr int kLvmSucceeded = 1;

/// What one lvm2_run produced.
struct RunResult {
    int return_code = 0;              ///< lvm2_run's value; 1 (LVM2_COMMAND_SUCCEEDED) is success
    std::vector<std::string> output;  ///< level-4 (print) lines: reports, "created" messages
    std::vector<std::string> errors;  ///< level 2-3 messages
};

/// Runs @p command_line on the shared handle (created on first use). Every message goes to the
/// lvmkit log sink (category lvm). Never throws for a failed command; throws Error(lvm_failed)
/// only when the handle can not be created.
RunResult run_lvm(const std::string& command_line);

/// Test seam: when set, called with each command line before it runs; a non-empty returned
/// RunResult (return_code != 0) is used instead of running the command.
using RunInterceptor = std::function<RunResult(const std::string&)>;
void set_run_interceptor(RunInterceptor interceptor);

}  // namespace lvmkit::lvm::internal
