#include "system/reliability_fixtures.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lvmkit/blockdev.hpp"
#include "lvmkit/lvm.hpp"

namespace lvmkit::test {

StackedPv::StackedPv(std::uint64_t size_bytes, const std::string& name)
    : loop_(size_bytes, name), name_(name), sectors_(Sectors::floor(Bytes(size_bytes))) {
    dm::create(name_, linear());
}

StackedPv::~StackedPv() {
    try {
        heal();
        dm::remove(name_);
    } catch (...) {  // a test that failed may leave the stack busy; the guest cleans up
    }
}

dm::Table StackedPv::linear() const {
    return {{Sectors(0), sectors_, dm::LinearTarget{loop_.path(), Sectors(0)}}};
}

void StackedPv::swap(const dm::Table& table) {
    dm::reload(name_, table);
    dm::resume(name_);
}

void StackedPv::fail_all_io() {
    swap({{Sectors(0), sectors_, dm::ErrorTarget{}}});
}

void StackedPv::fail_writes() {
    // flakey <dev> <offset> <up interval> <down interval> 1 error_writes: always down, and while
    // down writes fail and reads still work.
    swap({{Sectors(0), sectors_,
           dm::OtherTarget{"flakey", loop_.path() + " 0 0 1 1 error_writes"}}});
}

void StackedPv::delay_io(unsigned milliseconds) {
    swap({{Sectors(0), sectors_,
           dm::OtherTarget{"delay", loop_.path() + " 0 " + std::to_string(milliseconds)}}});
}

int run_killed_before(
    const std::function<void(const setup::ThinPoolSpec&, const setup::ApplyOptions&)>& operation,
    const setup::ThinPoolSpec& spec, setup::StepKind killed_before) {
    lvm::release_session();  // the child must not share liblvm2cmd's handle state
    const pid_t child = ::fork();
    if (child < 0)
        return -1;
    if (child == 0) {
        setup::ApplyOptions options;
        options.before_step = [killed_before](setup::StepKind kind) {
            if (kind == killed_before)
                ::raise(SIGKILL);
        };
        try {
            operation(spec, options);
        } catch (...) {
            ::_exit(3);
        }
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;
}

int apply_killed_before(const setup::ThinPoolSpec& spec, setup::StepKind killed_before) {
    return run_killed_before(
        [](const setup::ThinPoolSpec& s, const setup::ApplyOptions& o) { setup::apply(s, o); },
        spec, killed_before);
}

std::vector<setup::StepKind> steps_to_do(const setup::ThinPoolSpec& spec) {
    std::vector<setup::StepKind> kinds;
    for (const auto& step : setup::plan(spec).steps)
        if (!step.done && step.kind != setup::StepKind::probe)
            kinds.push_back(step.kind);
    return kinds;
}

std::string edges_of(const std::string& device) {
    std::ifstream in(device, std::ios::binary);
    std::string head(1 << 20, '\0'), tail(1 << 20, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    in.seekg(-static_cast<std::streamoff>(tail.size()), std::ios::end);
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    if (!in)
        return "<unreadable " + device + ">";
    return head + tail;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::map<std::string, std::string> files_below(const std::string& dir) {
    namespace fs = std::filesystem;
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        const auto& entry = *it;
        if (entry.is_symlink(ec))
            out[entry.path().string()] = "-> " + fs::read_symlink(entry.path(), ec).string();
        else if (entry.is_regular_file(ec))
            out[entry.path().string()] = read_text(entry.path().string());
        else if (!entry.is_directory(ec))  // a FIFO, socket or device: its kind, never opened
            out[entry.path().string()] =
                "special " + std::to_string(static_cast<int>(entry.status(ec).type()));
    }
    return out;
}

bool device_is_blank(const std::string& device) {
    return blockdev::assess(device).kind == blockdev::Verdict::Kind::free;
}

bool no_dm_devices_named(const std::string& prefix) {
    for (const auto& device : dm::list_devices())
        if (device.name.rfind(prefix, 0) == 0)
            return false;
    return true;
}

}  // namespace lvmkit::test
