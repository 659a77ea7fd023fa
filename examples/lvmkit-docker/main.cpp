// lvmkit-docker: plan, set up, inspect and remove an LVM thin pool for Docker or containerd.
// Uses lvmkit's public API only (setup.hpp for the work, the config headers for `config`).
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "lvmkit/containerd_config.hpp"
#include "lvmkit/docker_config.hpp"
#include "lvmkit/docker_detect.hpp"
#include "lvmkit/files.hpp"
#include "lvmkit/graph_leftovers.hpp"
#include "lvmkit/grow.hpp"
#include "lvmkit/log.hpp"
#include "lvmkit/metrics.hpp"
#include "lvmkit/profile.hpp"

namespace lvmkit_docker {
namespace {

namespace setup = lvmkit::setup;
using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int signal_number) {
    g_stop_signal = signal_number;
}

// While apply() or teardown() runs, SIGINT/SIGTERM (Ctrl-C, systemctl stop) stop the run before
// its next step, so apply rolls back instead of dying half way. A second signal kills as usual.
class StopBetweenSteps {
  public:
    StopBetweenSteps() {
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        action.sa_flags = static_cast<int>(SA_RESETHAND);
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, &old_int_);
        ::sigaction(SIGTERM, &action, &old_term_);
    }
    ~StopBetweenSteps() {
        ::sigaction(SIGINT, &old_int_, nullptr);
        ::sigaction(SIGTERM, &old_term_, nullptr);
    }
    StopBetweenSteps(const StopBetweenSteps&) = delete;
    StopBetweenSteps& operator=(const StopBetweenSteps&) = delete;

    /// For ApplyOptions::before_step: throws once a signal has arrived.
    static void check(setup::StepKind next) {
        if (g_stop_signal == 0)
            return;
        throw lvmkit::Error(lvmkit::Errc::timeout, "interrupt", setup::to_string(next),
                            std::string("stopped by ") +
                                (g_stop_signal == SIGINT ? "SIGINT" : "SIGTERM") +
                                " before this step");
    }

  private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

// Test hook: with LVMKIT_DOCKER_PAUSE_AFTER_STEP=<step>[,<step>...] (names from `plan --json`),
// setup stops itself with SIGSTOP each time one of those steps has finished. A test (or a person)
// then kills the process, cuts the machine's power or lets it go on with SIGCONT, at an exact
// point between two steps.
class PauseAfterStep {
  public:
    static constexpr const char* kVariable = "LVMKIT_DOCKER_PAUSE_AFTER_STEP";

    /// Reads the variable; throws Errc::invalid_argument when a name is no step.
    PauseAfterStep() {
        const char* value = std::getenv(kVariable);
        if (value == nullptr)
            return;
        std::istringstream names(value);
        for (std::string name; std::getline(names, name, ',');)
            steps_.push_back(step_named(name));
    }

    void operator()(const setup::Progress& p) const {
        if (p.phase != setup::Progress::Phase::finished)
            return;
        if (std::find(steps_.begin(), steps_.end(), p.kind) == steps_.end())
            return;
        std::fflush(nullptr);
        ::raise(SIGSTOP);
    }

  private:
    static setup::StepKind step_named(const std::string& name) {
        std::string known;
        for (const auto kind : setup::all_step_kinds) {
            if (setup::is_teardown_step(kind))
                continue;  // the hook pauses setup only
            if (name == setup::to_string(kind))
                return kind;
            known += std::string(known.empty() ? "" : ", ") + setup::to_string(kind);
        }
        throw lvmkit::Error(lvmkit::Errc::invalid_argument, "read environment", kVariable,
                            "names no setup step: \"" + name + "\" (one of: " + known + ")");
    }

    std::vector<setup::StepKind> steps_;
};

bool is_terminal(FILE* stream) {
    return ::isatty(::fileno(stream)) == 1;
}

// The live line must fit one terminal row, or `\r` can not redraw it.
std::string fit_terminal(const std::string& text, std::size_t reserved, FILE* stream) {
    winsize size{};
    if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) != 0 || size.ws_col == 0)
        return text;
    const std::size_t room = size.ws_col > reserved + 4 ? size.ws_col - reserved : 4;
    return text.size() <= room ? text : text.substr(0, room - 3) + "...";
}

std::string seconds_text(std::chrono::milliseconds ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(ms.count()) / 1000.0);
    return buf;
}

// The library's messages: with -v its log, otherwise only the setup/config layers' warnings
// (LVM's and dm's own errors arrive in the Error's details, printed once, with a hint).
void install_log_sink(const Invocation& inv) {
    const int verbosity = inv.quiet ? -1 : inv.verbosity;
    lvmkit::set_log_level(verbosity >= 2   ? lvmkit::LogLevel::debug
                          : verbosity == 1 ? lvmkit::LogLevel::info
                                           : lvmkit::LogLevel::warning);
    lvmkit::set_log_sink([verbosity](lvmkit::LogCategory category, lvmkit::LogLevel level,
                                     std::string_view message) {
        if (verbosity < 0)
            return;
        const bool own =
            category == lvmkit::LogCategory::setup || category == lvmkit::LogCategory::config;
        if (verbosity == 0 && !own)
            return;
        std::fprintf(stderr, "lvmkit[%s] %s: %.*s\n", lvmkit::to_string(category),
                     lvmkit::to_string(level), static_cast<int>(message.size()), message.data());
    });
}

// Step progress: a live line with a ticking clock on a terminal, plain lines otherwise. Also
// records every step for the JSON document.
class ProgressView {
  public:
    // Live (a ticking line) on a terminal; nullptr shows nothing.
    explicit ProgressView(FILE* out) : ProgressView(out, out != nullptr && is_terminal(out)) {}
    ProgressView(FILE* out, bool live) : out_(out), live_(live && out != nullptr) {
        if (live_)
            ticker_ = std::thread([this] { tick(); });
    }
    ~ProgressView() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        if (ticker_.joinable())
            ticker_.join();
    }
    ProgressView(const ProgressView&) = delete;
    ProgressView& operator=(const ProgressView&) = delete;

    void operator()(const setup::Progress& p) {
        const std::lock_guard<std::mutex> lock(mutex_);
        using Phase = setup::Progress::Phase;
        if (p.phase == Phase::started) {
            // Probing only reads; any other step that started, setup's or teardown's, may have
            // changed something (teardown refuses a busy pool before its first step starts).
            changed_ = changed_ || p.kind != setup::StepKind::probe;
            current_ = p;
            running_ = true;
            started_ = Clock::now();
            if (out_ != nullptr && !live_)
                std::fprintf(out_, "[%2zu/%zu] ...     %s\n", p.index, p.total,
                             p.description.c_str());
            draw_live();
            return;
        }
        running_ = false;
        if (p.phase == Phase::finished || p.phase == Phase::skipped || p.phase == Phase::failed)
            records_.push_back(p);
        line(p);
    }

    bool changed_anything() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return changed_;
    }
    std::vector<setup::Progress> records() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return records_;
    }

  private:
    static const char* label(setup::Progress::Phase phase) {
        switch (phase) {
            case setup::Progress::Phase::finished:
                return "done   ";
            case setup::Progress::Phase::skipped:
                return "skip   ";
            case setup::Progress::Phase::failed:
                return "FAILED ";
            case setup::Progress::Phase::rolling_back:
                return "undo...";
            case setup::Progress::Phase::rolled_back:
                return "undone ";
            case setup::Progress::Phase::started:
                break;
        }
        return "...    ";
    }

    void line(const setup::Progress& p) {
        if (out_ == nullptr)
            return;
        const bool timed = p.phase == setup::Progress::Phase::finished ||
                           p.phase == setup::Progress::Phase::failed;
        std::fprintf(out_, "%s[%2zu/%zu] %s %s%s%s\n", live_ ? "\r\033[K" : "", p.index, p.total,
                     label(p.phase), p.description.c_str(), timed ? "  " : "",
                     timed ? seconds_text(p.elapsed).c_str() : "");
        std::fflush(out_);
    }

    void draw_live() {
        if (!live_ || !running_)
            return;
        const auto elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
        const std::string text = fit_terminal(current_.description, 30, out_);
        std::fprintf(out_, "\r\033[K[%2zu/%zu] ...     %s  %s", current_.index, current_.total,
                     text.c_str(), seconds_text(elapsed).c_str());
        std::fflush(out_);
    }

    void tick() {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stop_) {
            wake_.wait_for(lock, std::chrono::milliseconds(200));
            draw_live();
        }
    }

    FILE* out_;
    bool live_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::thread ticker_;
    bool stop_ = false;
    bool running_ = false;
    bool changed_ = false;
    setup::Progress current_;
    Clock::time_point started_;
    std::vector<setup::Progress> records_;
};

std::string error_json(const lvmkit::Error& e, int code) {
    std::string details = "[";
    for (const auto& d : e.details())
        details += (details.size() > 1 ? "," : "") + json_string(d);
    details += "]";
    return "{\"ok\":false,\"exit_code\":" + std::to_string(code) +
           ",\"error\":{\"code\":" + json_string(lvmkit::to_string(e.errc())) +
           ",\"operation\":" + json_string(e.operation()) +
           ",\"object\":" + json_string(e.object()) + ",\"message\":" + json_string(e.message()) +
           ",\"details\":" + details + ",\"hint\":" + json_string(hint_for(e)) + "}}";
}

std::string steps_json(const std::vector<setup::Progress>& records) {
    std::string out = "[";
    for (const auto& p : records) {
        if (out.size() > 1)
            out += ",";
        out += "{\"index\":" + std::to_string(p.index) +
               ",\"step\":" + json_string(setup::to_string(p.kind)) +
               ",\"description\":" + json_string(p.description) +
               ",\"outcome\":" + json_string(setup::to_string(p.phase)) +
               ",\"duration_ms\":" + std::to_string(p.elapsed.count()) + "}";
    }
    return out + "]";
}

// On a terminal: asks; elsewhere refuses (a script must say --yes).
int confirm(const Invocation& inv, const char* question) {
    if (inv.yes)
        return kExitOk;
    if (!is_terminal(stdin)) {
        std::fprintf(stderr,
                     "lvmkit-docker: refusing to %s without --yes: stdin is not a terminal, so "
                     "nobody can confirm\n  hint: review `lvmkit-docker plan` first, then add "
                     "--yes\n",
                     question);
        return kExitUsage;
    }
    std::fprintf(stderr, "Proceed to %s? [y/N] ", question);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer == "y" || answer == "Y" || answer == "yes")
        return kExitOk;
    std::fprintf(stderr, "lvmkit-docker: nothing done\n");
    return kExitRefused;
}

int report_error(const Invocation& inv, const lvmkit::Error& e, int code) {
    if (!inv.json)
        std::fputs(describe_error(e).c_str(), stderr);
    return code;
}

// Progress of setup's and grow's steps goes to stdout, or to stderr when stdout carries the JSON
// document.
FILE* step_progress_stream(const Invocation& inv) {
    return inv.quiet ? nullptr : (inv.json ? stderr : stdout);
}

// The JSON document of a command that runs steps: its plan (setup and grow), the steps as they
// ran, the result (an error, or success with @p result_fields) and what follows it.
std::string steps_document(const std::optional<std::string>& plan_json, const ProgressView& view,
                           const std::string& result, const std::string& after = {}) {
    return "{" + (plan_json ? "\"plan\":" + *plan_json + "," : std::string()) +
           "\"steps\":" + steps_json(view.records()) + ",\"result\":" + result + after + "}\n";
}

std::string success_result(const std::string& fields) {
    return "{\"ok\":true,\"exit_code\":0," + fields + "}";
}

// A step that failed: its exit code (what changed decides it), the document or the message.
int report_step_error(const Invocation& inv, const std::optional<std::string>& plan_json,
                      const ProgressView& view, const lvmkit::Error& e) {
    const int code = exit_code_for(e, view.changed_anything());
    if (inv.json)
        std::cout << steps_document(plan_json, view, error_json(e, code));
    return report_error(inv, e, code);
}

int run_plan(const Invocation& inv) {
    const setup::Plan plan = setup::plan(inv.spec);
    if (inv.json)
        std::cout << plan.to_json() << "\n";
    else
        std::cout << "Plan for " << inv.spec.vg.str() << "/" << inv.spec.pool.str() << ":\n"
                  << plan.to_text();
    return kExitOk;
}

int run_setup(const Invocation& inv) {
    std::optional<PauseAfterStep> pause;
    try {
        pause.emplace();
    } catch (const lvmkit::Error& e) {
        // Nothing has been read or written yet; a bad hook value is a usage error.
        if (inv.json)
            std::cout << "{\"plan\":null,\"steps\":[],\"result\":" << error_json(e, kExitUsage)
                      << "}\n";
        return report_error(inv, e, kExitUsage);
    }
    ProgressView view(step_progress_stream(inv));
    setup::ApplyOptions options;
    options.on_progress = [&view, &pause](const setup::Progress& p) {
        view(p);
        (*pause)(p);
    };
    options.before_step = &StopBetweenSteps::check;
    // The plan shown is the one apply() built under its lock: a run with nothing to do reads the
    // system once (no plan() of its own, and apply() hands back the closing status). A plan with
    // work that needs a person's yes stops apply() before its first step; the question is asked
    // without the lock held, then apply() runs again (and re-reads, as a separate plan() would).
    std::optional<setup::Plan> shown;
    options.on_plan = [&inv, &shown](const setup::Plan& plan) {
        if (!shown && !inv.json && !inv.quiet)
            std::cout << "Plan for " << inv.spec.vg.str() << "/" << inv.spec.pool.str() << ":\n"
                      << plan.to_text() << std::flush;
        const bool first = !shown;
        shown = plan;
        return !first || plan.nothing_to_do() || inv.yes;
    };
    std::optional<StopBetweenSteps> stop_guard(std::in_place);
    setup::ApplyResult result;
    auto run = [&]() -> int {
        try {
            result = setup::apply(inv.spec, options);
            return kExitOk;
        } catch (const lvmkit::Error& e) {
            return report_step_error(inv, shown ? shown->to_json() : "null", view, e);
        }
    };
    if (const int code = run(); code != kExitOk)
        return code;
    if (result.stopped) {
        stop_guard.reset();  // at the question, Ctrl-C ends the program as usual
        if (const int code = confirm(inv, "set up the pool"); code != kExitOk)
            return code;
        stop_guard.emplace();
        if (const int code = run(); code != kExitOk)
            return code;
    }
    const setup::PoolStatus status =
        result.status ? std::move(*result.status) : setup::status(inv.spec);
    if (inv.json) {
        std::cout << steps_document(
            result.plan.to_json(), view,
            success_result(
                "\"nothing_to_do\":" + std::string(result.nothing_to_do ? "true" : "false") +
                ",\"duration_ms\":" + std::to_string(result.duration.count())),
            ",\"status\":" + status.to_json());
        return kExitOk;
    }
    if (!inv.quiet) {
        std::cout << (result.nothing_to_do
                          ? "Nothing to do: the pool is already set up.\n"
                          : "Setup complete in " + seconds_text(result.duration) + ".\n")
                  << "\n"
                  << status.to_text();
    }
    return kExitOk;
}

// grow: the plan with the sizes before and after, a confirmation, the steps, the new status.
int run_grow(const Invocation& inv) {
    const setup::GrowPlan plan = setup::plan_grow(inv.spec);  // refusals: main's catch, exit 3
    if (!inv.json && !inv.quiet)
        std::cout << "Grow " << inv.spec.vg.str() << "/" << inv.spec.pool.str() << ":\n"
                  << plan.to_text() << std::flush;
    if (inv.dry_run || plan.nothing_to_do()) {
        if (inv.json)
            std::cout << "{\"plan\":" << plan.to_json() << "}\n";
        return kExitOk;
    }
    if (const int code = confirm(inv, "grow the pool"); code != kExitOk)
        return code;
    ProgressView view(step_progress_stream(inv));
    setup::ApplyOptions options;
    options.on_progress = [&view](const setup::Progress& p) { view(p); };
    options.before_step = &StopBetweenSteps::check;
    const StopBetweenSteps stop_guard;
    setup::GrowResult result;
    try {
        result = setup::grow(inv.spec, options);
    } catch (const lvmkit::Error& e) {
        return report_step_error(inv, plan.to_json(), view, e);
    }
    const setup::PoolStatus status = setup::status(inv.spec);
    if (inv.json) {
        std::cout << steps_document(
            result.plan.to_json(), view,
            success_result("\"duration_ms\":" + std::to_string(result.duration.count())),
            ",\"status\":" + status.to_json());
    } else if (!inv.quiet) {
        std::cout << "Grow complete in " << seconds_text(result.duration) << ".\n\n"
                  << status.to_text();
    }
    return kExitOk;
}

// metrics: status in Prometheus' text format, on stdout or atomically into --output.
int run_metrics(const Invocation& inv) {
    const setup::PoolStatus status = setup::status(inv.spec);
    const std::string text = setup::prometheus_text(inv.spec, status);
    if (inv.metrics_output.empty())
        std::cout << text << std::flush;
    else
        setup::write_metrics_file(inv.metrics_output, text);
    return kExitOk;
}

int print_status(const Invocation& inv) {
    const setup::PoolStatus status = setup::status(inv.spec);
    if (inv.json)
        std::cout << status.to_json() << "\n";
    else
        std::cout << status.to_text();
    std::cout << std::flush;
    return status.exists ? kExitOk : kExitFailed;
}

int run_status(const Invocation& inv) {
    if (!inv.watch)
        return print_status(inv);
    const bool clear = !inv.json && is_terminal(stdout);
    for (;;) {
        if (clear)
            std::cout << "\033[H\033[2J";
        print_status(inv);
        if (!clear)
            std::cout << "\n";
        std::this_thread::sleep_for(std::chrono::seconds(*inv.watch));
    }
}

int run_teardown(const Invocation& inv) {
    if (const int code = confirm(inv, "remove the pool, its VG and PV labels"); code != kExitOk)
        return code;
    ProgressView view(inv.quiet || inv.json ? nullptr : stdout);
    setup::TeardownOptions options;
    options.force = inv.force;
    options.on_progress = [&view](const setup::Progress& p) { view(p); };
    // On stderr, so --json's stdout stays one document.
    options.on_forced_removal = [](const setup::PoolContents& contents) {
        std::cerr << "lvmkit-docker: --force destroys what the pool holds: " << contents.summary()
                  << "\n";
    };
    const auto start = Clock::now();
    try {
        setup::teardown(inv.spec, options);
    } catch (const lvmkit::Error& e) {
        return report_step_error(inv, std::nullopt, view, e);
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (inv.json)
        std::cout << steps_document(
            std::nullopt, view, success_result("\"duration_ms\":" + std::to_string(took.count())));
    else if (!inv.quiet)
        std::cout << "Teardown complete in " << seconds_text(took) << ".\n";
    return kExitOk;
}

std::string leftovers_json(const std::vector<setup::GraphLeftover>& devices) {
    std::string out = "[";
    for (const auto& device : devices)
        out += (out.size() > 1 ? "," : "") + std::string("{\"id\":") + std::to_string(device.id) +
               ",\"name\":" + json_string(device.name) +
               ",\"data_bytes\":" + std::to_string(device.data.count()) + "}";
    return out + "]";
}

// cleanup-leftovers: the list, a confirmation, the deletes, the pool's data before and after.
int run_cleanup(const Invocation& inv) {
    const setup::GraphLeftovers found = setup::find_graph_leftovers(inv.spec);
    if (!inv.json && !inv.quiet) {
        std::cout << "Docker's graph-driver leftovers in " << inv.spec.vg.str() << "/"
                  << inv.spec.pool.str() << ": " << found.summary() << "\n";
        for (const auto& device : found.devices)
            std::cout << "  id " << device.id << "  " << device.name << "  "
                      << lvmkit::format_human(device.data) << "\n";
        if (!found.note.empty())
            std::cout << "  not attributed: " << found.note << "\n";
    }
    if (inv.dry_run || found.empty() || !found.note.empty()) {
        if (inv.json)
            std::cout << "{\"leftovers\":" << leftovers_json(found.devices)
                      << ",\"note\":" << json_string(found.note) << "}\n";
        if (!found.note.empty())
            throw lvmkit::Error(lvmkit::Errc::io_error, "cleanup-leftovers",
                                inv.spec.vg.str() + "/" + inv.spec.pool.str(),
                                "lvmkit can not tell which devices are Docker's; none removed",
                                {found.note});
        return kExitOk;
    }
    if (const int code = confirm(inv, "delete these thin devices (their data is lost)");
        code != kExitOk)
        return code;
    setup::LeftoverCleanupOptions options;
    options.force = inv.force;
    options.on_remove = [&inv](const setup::GraphLeftover& device) {
        if (!inv.quiet && !inv.json)
            std::cout << "deleting thin device " << device.id << " (" << device.name << ")\n";
    };
    const setup::LeftoverCleanupResult result = setup::remove_graph_leftovers(inv.spec, options);
    if (inv.json)
        std::cout << "{\"removed\":" << leftovers_json(result.removed)
                  << ",\"data_used_before_bytes\":" << result.data_used_before.count()
                  << ",\"data_used_after_bytes\":" << result.data_used_after.count() << "}\n";
    else if (!inv.quiet)
        std::cout << "Deleted " << result.removed.size() << " thin device(s); pool data used "
                  << lvmkit::format_human(result.data_used_before) << " -> "
                  << lvmkit::format_human(result.data_used_after) << "\n";
    return kExitOk;
}

// The file writer's read: a FIFO, socket or device is refused by its stat, never opened (an
// ifstream would wait on a FIFO for a writer).
std::optional<std::string> read_under_root(const std::string& root, const std::string& path) {
    return lvmkit::FileWriter{lvmkit::TargetRoot(root)}.read(path, true);
}

lvmkit::DeferredDeletion deferred(setup::DeferredDeletionChoice choice) {
    switch (choice) {
        case setup::DeferredDeletionChoice::enable:
            return lvmkit::DeferredDeletion::enable;
        case setup::DeferredDeletionChoice::disable:
            return lvmkit::DeferredDeletion::disable;
        case setup::DeferredDeletionChoice::automatic:
            break;
    }
    return lvmkit::DeferredDeletion::automatic;
}

lvmkit::OnConflict on_conflict(const setup::ThinPoolSpec& spec) {
    return spec.replace_conflicting_config ? lvmkit::OnConflict::replace
                                           : lvmkit::OnConflict::refuse;
}

// Docker's daemon.json of the snapshotter mode: asked for, or Docker 25 and later (found in --root
// when no version is given).
bool snapshotter_mode(const setup::ThinPoolSpec& spec) {
    if (spec.docker_storage != setup::DockerStorage::automatic)
        return spec.docker_storage == setup::DockerStorage::snapshotter;
    auto version = spec.docker_version;
    if (!version)
        if (const auto found = lvmkit::find_installed_docker(spec.target_root))
            version = found->version;
    return version &&
           lvmkit::check_docker_version(*version).support == lvmkit::DockerSupport::removed;
}

// What setup would write, merged with the files already under --root; writes nothing.
int run_config(const Invocation& inv) {
    const auto& spec = inv.spec;
    const bool all = inv.config_part == ConfigPart::all;
    std::vector<std::pair<std::string, std::string>> parts;  // (name, text)
    if (all || inv.config_part == ConfigPart::daemon_json) {
        const auto decision = lvmkit::decide_deferred_deletion(lvmkit::running_kernel_release(),
                                                               deferred(spec.deferred_deletion));
        const auto config = lvmkit::docker_devicemapper_config(spec.vg, spec.pool, decision);
        const auto existing = read_under_root(spec.target_root, spec.daemon_json);
        parts.emplace_back(
            spec.daemon_json,
            snapshotter_mode(spec)
                ? lvmkit::merge_daemon_json_snapshotter(existing, {config.thinpool_device},
                                                        on_conflict(spec))
                      .text
                : lvmkit::merge_daemon_json(existing, config, on_conflict(spec)).text);
    }
    if (all || inv.config_part == ConfigPart::profile) {
        lvmkit::LvmProfile profile;
        profile.name = spec.profile_name;
        profile.autoextend_threshold = spec.autoextend_threshold;
        profile.autoextend_percent = spec.autoextend_percent;
        parts.emplace_back(lvmkit::profile_file_name(spec.profile_name),
                           lvmkit::render_profile(profile));
    }
    if (all || inv.config_part == ConfigPart::containerd) {
        auto config = lvmkit::containerd_devmapper_config(spec.vg, spec.pool);
        config.cri_default = spec.cri_default_snapshotter;
        parts.emplace_back(spec.containerd_config,
                           lvmkit::merge_containerd_config(
                               read_under_root(spec.target_root, spec.containerd_config), config,
                               on_conflict(spec))
                               .text);
    }
    if (inv.json) {
        std::string doc = "{";
        for (const auto& [name, text] : parts)
            doc += (doc.size() > 1 ? "," : "") + json_string(name) + ":" + json_string(text);
        std::cout << doc << "}\n";
        return kExitOk;
    }
    for (const auto& [name, text] : parts) {
        if (parts.size() > 1)
            std::cout << "# ---- " << name << "\n";
        std::cout << text;
    }
    return kExitOk;
}

int dispatch(const Invocation& inv) {
    switch (inv.command) {
        case Command::plan:
            return run_plan(inv);
        case Command::setup:
            return run_setup(inv);
        case Command::status:
            return run_status(inv);
        case Command::teardown:
            return run_teardown(inv);
        case Command::config:
            return run_config(inv);
        case Command::grow:
            return run_grow(inv);
        case Command::metrics:
            return run_metrics(inv);
        case Command::cleanup:
            return run_cleanup(inv);
    }
    return kExitUsage;
}

}  // namespace
}  // namespace lvmkit_docker

int main(int argc, char** argv) {
    using namespace lvmkit_docker;
    const ParseOutcome parsed = parse_command_line(argc, argv);
    std::cout << parsed.out;
    std::cerr << parsed.err;
    if (!parsed.invocation)
        return parsed.exit_code;
    const Invocation& inv = *parsed.invocation;
    install_log_sink(inv);
    try {
        return dispatch(inv);
    } catch (const lvmkit::Error& e) {
        // plan/status/config: they change nothing, so a failure is a refusal or a read error.
        const int code = inv.command == Command::status || inv.command == Command::metrics
                             ? kExitFailed
                             : exit_code_for(e, false);
        if (inv.json)
            std::cout << "{\"result\":" << error_json(e, code) << "}\n";
        return report_error(inv, e, code);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lvmkit-docker: unexpected failure: %s\n", e.what());
        return kExitFailed;
    }
}
