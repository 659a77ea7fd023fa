// The one liblvm2cmd handle of the process. liblvm2cmd (lvm2 2.03) changes process state:
// - create_toolcontext(): setlocale(LC_ALL, ""), mallopt(M_MMAP_MAX, 0), and, when called on the
//   main thread, reopens stdin/stdout with its own line buffers (freed again at lvm2_exit);
// - every command: umask from global/umask (077 by default), signal handlers around waits;
// - libdevmapper (shared with lvmkit's dm layer): log hook, udev sync switch, the control fd.
// So: lvm2_init runs on a helper thread (no stream reopening), and every call saves and restores
// umask, locale, M_MMAP_MAX, signal dispositions and mask, with the log callback installed only
// for the duration of the call.
// liblvm2cmd is loaded with dlopen on the first command, not linked: it and its dependencies
// (libsystemd, libgcrypt, lz4/lzma/zstd, libaio, libdevmapper-event, ...) are most of a process's
// start-up, and the hot paths (the no-op check, status) never run an LVM command (issue 27).
#include "lvm/lvm_session.hpp"

#include <dirent.h>
#include <dlfcn.h>
#include <libdevmapper.h>
#include <lvm2cmd.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>

#include <array>
#include <clocale>
#include <cstdlib>
#include <set>
#include <thread>

#include "internal/libdm_lock.hpp"
#include "lvm/lvm_command.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"

namespace lvmkit::lvm::internal {
namespace {

// glibc's DEFAULT_MMAP_MAX; glibc offers no way to read the current value back.
constexpr int kDefaultMmapMax = 65536;

void* g_handle = nullptr;
RunResult* g_current = nullptr;  // the run collecting messages; guarded by libdm_mutex
RunInterceptor g_interceptor;
std::set<int> g_fds_before_init;

/// The four liblvm2cmd entry points lvmkit uses, resolved once from the dlopen'ed library.
struct Lvm2Cmd {
    decltype(&::lvm2_init) init = nullptr;
    decltype(&::lvm2_run) run = nullptr;
    decltype(&::lvm2_exit) exit = nullptr;
    decltype(&::lvm2_log_fn) log_fn = nullptr;
};

template <typename Fn>
void resolve(void* library, const char* name, Fn& into) {
    into = reinterpret_cast<Fn>(::dlsym(library, name));
    if (into == nullptr)
        throw Error(Errc::lvm_failed, "load liblvm2cmd", LVMKIT_LVM2CMD_SONAME,
                    std::string("no symbol ") + name);
}

/// Loads liblvm2cmd on first use; never unloaded (it registers exit-time state). Callers hold
/// libdm_mutex. @throws Error(lvm_failed) naming the library when it is missing or incomplete.
const Lvm2Cmd& lvm2cmd() {
    static Lvm2Cmd api;
    if (api.init != nullptr)
        return api;
    void* library = ::dlopen(LVMKIT_LVM2CMD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* why = ::dlerror();
        throw Error(Errc::lvm_failed, "load liblvm2cmd", LVMKIT_LVM2CMD_SONAME,
                    std::string(why != nullptr ? why : "dlopen failed") +
                        " (install LVM's command library: liblvm2cmd)");
    }
    Lvm2Cmd loaded;
    resolve(library, "lvm2_init", loaded.init);
    resolve(library, "lvm2_run", loaded.run);
    resolve(library, "lvm2_exit", loaded.exit);
    resolve(library, "lvm2_log_fn", loaded.log_fn);
    api = loaded;
    return api;
}

std::set<int> open_fds() {
    std::set<int> fds;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        const int own = ::dirfd(dir);
        while (const dirent* entry = ::readdir(dir)) {
            if (entry->d_name[0] == '.')
                continue;
            const int fd = std::atoi(entry->d_name);
            if (fd != own)
                fds.insert(fd);
        }
        ::closedir(dir);
    }
    return fds;
}

// Trailing newlines and LVM's two-space indent of CLI output are not part of a message.
std::string clean_message(const char* message) {
    std::string text = message ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

extern "C" void lvmkit_lvm_log(int level, const char* /*file*/, int /*line*/, int /*dm_errno*/,
                               const char* message) {
    const std::string text = clean_message(message);
    if (g_current != nullptr) {
        if (level == LVM2_LOG_PRINT)
            g_current->output.push_back(text);
        else if (level == LVM2_LOG_ERROR || level == LVM2_LOG_FATAL)
            g_current->errors.push_back(text);
    }
    // Report lines are data, not news: keep them at debug.
    const LogLevel mapped = level == LVM2_LOG_PRINT ? LogLevel::debug : map_lvm_level(level);
    lvmkit::log(LogCategory::lvm, mapped, text);
}

/// What liblvm2cmd may change in the process, captured before a call and put back after it.
class ProcessStateGuard {
  public:
    ProcessStateGuard() {
        umask_ = ::umask(022);
        ::umask(umask_);
        if (const char* locale = std::setlocale(LC_ALL, nullptr))
            locale_ = locale;
        ::sigprocmask(SIG_SETMASK, nullptr, &mask_);
        for (int sig = 1; sig < NSIG && sig < static_cast<int>(actions_.size()); ++sig)
            saved_[static_cast<std::size_t>(sig)] =
                ::sigaction(sig, nullptr, &actions_[static_cast<std::size_t>(sig)]) == 0;
        lvm2cmd().log_fn(lvmkit_lvm_log);
    }
    ~ProcessStateGuard() {
        lvm2cmd().log_fn(nullptr);
        ::umask(umask_);
        if (!locale_.empty())
            std::setlocale(LC_ALL, locale_.c_str());
        ::mallopt(M_MMAP_MAX, kDefaultMmapMax);
        for (int sig = 1; sig < NSIG && sig < static_cast<int>(actions_.size()); ++sig) {
            const auto i = static_cast<std::size_t>(sig);
            if (saved_[i] && sig != SIGKILL && sig != SIGSTOP)
                ::sigaction(sig, &actions_[i], nullptr);
        }
        ::sigprocmask(SIG_SETMASK, &mask_, nullptr);
    }
    ProcessStateGuard(const ProcessStateGuard&) = delete;
    ProcessStateGuard& operator=(const ProcessStateGuard&) = delete;

  private:
    mode_t umask_ = 022;
    std::string locale_;
    sigset_t mask_{};
    std::array<struct sigaction, 65> actions_{};
    std::array<bool, 65> saved_{};
};

void* create_handle() {
    g_fds_before_init = open_fds();
    void* handle = nullptr;
    // Off the main thread, create_toolcontext() leaves stdin/stdout and their buffering alone.
    std::thread init([&handle] { handle = lvm2cmd().init(); });
    init.join();
    if (handle == nullptr)
        throw Error(Errc::lvm_failed, "initialise liblvm2cmd", "",
                    "lvm2_init failed (see the lvm log for why)");
    return handle;
}

void release_handle(bool quiet) noexcept {
    std::lock_guard<std::recursive_mutex> lock(lvmkit::internal::libdm_mutex());
    if (g_handle == nullptr)
        return;
    {
        ProcessStateGuard guard;
        if (quiet)
            lvm2cmd().log_fn(nullptr);
        lvm2cmd().exit(g_handle);
        g_handle = nullptr;
        // liblvm2cmd leaves libdevmapper's control fd open; close it (it reopens on demand).
        dm_lib_release();
    }
    if (quiet)
        return;
    for (int fd : open_fds())
        if (g_fds_before_init.count(fd) == 0)
            lvmkit::log(LogCategory::lvm, LogLevel::debug,
                        "fd " + std::to_string(fd) + " opened while liblvm2cmd was in use");
}

// Releases the handle at exit, quietly: the log sink may already be gone.
struct ExitRelease {
    ~ExitRelease() { release_handle(true); }
};

}  // namespace

RunResult run_lvm(const std::string& command_line) {
    std::lock_guard<std::recursive_mutex> lock(lvmkit::internal::libdm_mutex());
    static ExitRelease exit_release;
    (void)exit_release;
    if (g_interceptor) {
        RunResult injected = g_interceptor(command_line);
        if (injected.return_code != 0)
            return injected;
    }
    RunResult result;
    g_current = &result;
    try {
        ProcessStateGuard guard;
        if (g_handle == nullptr)
            g_handle = create_handle();
        lvmkit::log(LogCategory::lvm, LogLevel::debug, "lvm2_run: " + command_line);
        ::mallopt(M_MMAP_MAX, 0);  // what LVM's memory locking expects while it runs
        result.return_code = lvm2cmd().run(g_handle, command_line.c_str());
    } catch (...) {
        g_current = nullptr;
        throw;
    }
    g_current = nullptr;
    if (result.return_code != kLvmSucceeded) {
        // lvm2 2.03.16 keeps a failed command's --config string in the handle's config cascade
        // ("config cascade already contains a string config" on the next run): start afresh.
        release_handle(false);
    }
    return result;
}

void set_run_interceptor(RunInterceptor interceptor) {
    std::lock_guard<std::recursive_mutex> lock(lvmkit::internal::libdm_mutex());
    g_interceptor = std::move(interceptor);
}

}  // namespace lvmkit::lvm::internal

namespace lvmkit::lvm {

void release_session() noexcept {
    internal::release_handle(false);
}

bool session_active() noexcept {
    std::lock_guard<std::recursive_mutex> lock(lvmkit::internal::libdm_mutex());
    return internal::g_handle != nullptr;
}

}  // namespace lvmkit::lvm
