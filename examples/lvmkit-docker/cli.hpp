// lvmkit-docker's command line: what the user asked for, parsed into lvmkit's own types, and how
// failures map to exit codes and messages. Kept apart from main.cpp so unit tests can call it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lvmkit/error.hpp"
#include "lvmkit/setup.hpp"

namespace lvmkit_docker {

/// The documented exit codes (also in README.md and --help).
enum ExitCode : int {
    kExitOk = 0,      ///< done, or nothing to do
    kExitFailed = 1,  ///< failed, and everything this run created was removed again
    /// bad command line: unknown option, bad or out-of-range value, contradicting values, no
    /// device (whatever the machine holds; nothing read or touched)
    kExitUsage = 2,
    /// refused before any change, after looking at the machine (preflight), or the answer no
    kExitRefused = 3,
    kExitRollbackIncomplete = 4,  ///< failed and could not undo everything; message lists it
};

enum class Command { plan, setup, status, teardown, config, grow, metrics, cleanup };

/// What `config` prints.
enum class ConfigPart { all, daemon_json, profile, containerd };

/// A parsed command line.
struct Invocation {
    Command command = Command::plan;
    lvmkit::setup::ThinPoolSpec spec;
    bool yes = false;
    bool json = false;
    bool quiet = false;
    int verbosity = 0;
    bool force = false;             ///< teardown, cleanup: despite what the pool holds
    bool dry_run = false;           ///< grow, cleanup: show the plan only
    std::string metrics_output;     ///< metrics: the file to write (empty: stdout)
    std::optional<unsigned> watch;  ///< status: refresh every N seconds
    ConfigPart config_part = ConfigPart::all;
};

/// The outcome of parsing: an invocation, or an exit code and the text to print (help, version,
/// usage error) on stdout (`out`) or stderr (`err`).
struct ParseOutcome {
    std::optional<Invocation> invocation;
    int exit_code = kExitOk;
    std::string out;
    std::string err;
};

/// Parses argv (argv[0] is the program name). Never throws for bad input: usage errors come
/// back as exit code 2 with a message that names the option and the rule it breaks. Every value
/// is checked with the library's rules, and for plan, setup and teardown the whole spec with
/// setup::check_spec(), so a spec the library would refuse never gets past the parser.
ParseOutcome parse_command_line(int argc, const char* const* argv);

/// The exit code for an lvmkit::Error thrown by plan()/apply()/teardown(): 4 when the rollback
/// was incomplete, 2 for the spec check (the parser runs it first, so only as a backstop), 3 when
/// it was a refusal (preflight) or @p changed_anything is false (no step had started), else 1.
int exit_code_for(const lvmkit::Error& error, bool changed_anything = true);

/// One clear sentence, the detail lines (LVM/dm messages) and a hint, for a terminal.
std::string describe_error(const lvmkit::Error& error);

/// What a user can do about an error of this kind (may be empty).
std::string hint_for(const lvmkit::Error& error);

/// A JSON string literal for @p text (quotes included).
std::string json_string(const std::string& text);

}  // namespace lvmkit_docker
