// apply(): runs the plan's remaining steps, verifies the result, and undoes this run's work when
// anything fails. verify(): reads everything back and lists differences from the spec.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include "internal/consumer.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"
#include "setup/fast_status.hpp"
#include "setup/grow_internal.hpp"
#include "setup/pool_contents_read.hpp"
#include "setup/setup_internal.hpp"
#include "setup/snapshotter_ids.hpp"
#include "setup/spare_leftover.hpp"

namespace lvmkit::setup {
namespace internal {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kLockDir = "/run/lock";
constexpr const char* kLockFile = "/run/lock/lvmkit.lock";
constexpr auto kLockWait = std::chrono::seconds(60);

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

void note(const std::string& message) {
    log(LogCategory::setup, LogLevel::info, message);
}

// Undo actions tolerate objects that are already gone (a later undo may have taken them along).
template <typename Action>
void ignoring_not_found(Action&& action) {
    try {
        action();
    } catch (const Error& e) {
        if (e.errc() != Errc::not_found)
            throw;
    }
}

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

std::vector<std::string> directory_entries(const std::string& dir) {
    std::vector<std::string> names;
    const DirHandle handle(::opendir(dir.c_str()));
    if (!handle)
        return names;
    while (const dirent* entry = ::readdir(handle.get())) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..")
            names.push_back(name);
    }
    return names;
}

struct Undo {
    std::string what;
    std::function<void()> action;
};

class Run {
  public:
    // @p planner: another plan than setup's (grow's), run the same way.
    Run(const ThinPoolSpec& spec, const ApplyOptions& options, Planner planner = {})
        : spec_(spec),
          options_(options),
          planner_(std::move(planner)),
          session_(session_for(spec)),
          writer_(TargetRoot(spec.target_root)) {}

    ApplyResult execute() {
        const auto start = Clock::now();
        // The boot re-run's hot path: nothing to do, seen without liblvm2cmd (fast_status.hpp);
        // anything else is read, decided and changed through LVM.
        // A grow (planner_) is about to change the VG: it reads it through LVM.
        std::optional<SystemState> fast;
        Plan fast_plan;
        if (!planner_)
            fast = fast_noop_state(spec_, writer_, &fast_plan);
        if (fast) {
            state_ = std::move(*fast);
        } else {
            check_file_kinds(spec_, session_.profile_dir(), writer_);  // before LVM scans devices
            log(LogCategory::setup, LogLevel::debug, "reading the system's state");
            state_ = read_state(session_, spec_);
        }
        ApplyResult result;
        result.plan = fast       ? std::move(fast_plan)
                      : planner_ ? planner_(spec_, state_, writer_)
                                 : build_plan(spec_, state_, writer_);
        log(LogCategory::setup, LogLevel::debug, "plan built");
        if (options_.on_plan && !options_.on_plan(result.plan)) {
            result.stopped = true;
            result.duration = since(start);
            return result;
        }
        sizes_ = result.plan.sizes;
        const auto& steps = result.plan.steps;
        for (std::size_t i = 0; i < steps.size(); ++i)
            result.steps.push_back(run_step(steps[i], i + 1, steps.size()));
        if (!result.plan.nothing_to_do()) {
            try {
                log(LogCategory::setup, LogLevel::debug, "verifying the result");
                check_result();
            } catch (const Error& e) {
                fail(e, "verification after the last step");
            }
        }
        result.nothing_to_do = result.plan.nothing_to_do();
        // Nothing ran, so the state read above is the pool's now: no second read for status.
        if (result.nothing_to_do && !planner_) {
            try {
                result.status = status_of_state(spec_, session_, state_);
            } catch (const Error& e) {
                // The run itself succeeded; the caller's status() reads again and reports it.
                note(std::string("closing status not read: ") + e.what());
            }
        }
        result.duration = since(start);
        return result;
    }

    // Undoes this run's work in reverse order; throws the error the caller should see.
    [[noreturn]] void fail(const Error& cause, const std::string& where) {
        std::vector<std::string> left;
        for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
            try {
                note("rollback: " + it->what);
                it->action();
            } catch (const std::exception& e) {
                left.push_back(it->what + " failed: " + e.what());
            }
        }
        std::vector<std::string> details = cause.details();
        details.insert(details.begin(), cause.what());
        if (!left.empty()) {
            details.insert(details.end(), left.begin(), left.end());
            throw Error(Errc::rollback_incomplete, "apply", spec_.vg.str() + "/" + spec_.pool.str(),
                        where +
                            " failed and the rollback could not undo everything; what is "
                            "left is listed below",
                        details, cause.sys_errno());
        }
        throw Error(cause.errc(), "apply", spec_.vg.str() + "/" + spec_.pool.str(),
                    where + " failed: " + cause.message() +
                        (pool_grew_ ? kGrownKept
                                    : "; everything this run created was removed again (" +
                                          std::to_string(undo_.size()) + " undo actions)"),
                    details, cause.sys_errno());
    }

  private:
    StepOutcome run_step(const Step& step, std::size_t index, std::size_t total) {
        StepOutcome outcome{step.kind, step.description, step.done, {}};
        if (step.done) {
            report(step, index, total, Progress::Phase::skipped, {});
            return outcome;
        }
        const auto start = Clock::now();
        report(step, index, total, Progress::Phase::started, {});
        try {
            if (options_.before_step)
                options_.before_step(step.kind);
            perform(step.kind);
        } catch (const Error& e) {
            fail_step(e, step, index, total, since(start));
        } catch (const std::exception& e) {
            fail_step(Error(Errc::io_error, to_string(step.kind), "", e.what()), step, index, total,
                      since(start));
        } catch (...) {
            // A before_step hook may throw anything; the promise to roll back still holds.
            fail_step(Error(Errc::io_error, to_string(step.kind), "", "unknown exception"), step,
                      index, total, since(start));
        }
        outcome.duration = since(start);
        report(step, index, total, Progress::Phase::finished, outcome.duration);
        return outcome;
    }

    [[noreturn]] void fail_step(const Error& cause, const Step& step, std::size_t index,
                                std::size_t total, std::chrono::milliseconds elapsed) {
        report(step, index, total, Progress::Phase::failed, elapsed);
        report(step, index, total, Progress::Phase::rolling_back, {});
        try {
            fail(cause, fmt::format("step {} of {} ({})", index, total, to_string(step.kind)));
        } catch (const Error& e) {
            if (e.errc() != Errc::rollback_incomplete)
                report(step, index, total, Progress::Phase::rolled_back, {});
            throw;
        }
    }

    void report(const Step& step, std::size_t index, std::size_t total, Progress::Phase phase,
                std::chrono::milliseconds elapsed) const {
        note(fmt::format("step {}/{} {} {}: {}", index, total, to_string(step.kind),
                         to_string(phase), step.description));
        if (!options_.on_progress)
            return;
        Progress progress;
        progress.index = index;
        progress.total = total;
        progress.kind = step.kind;
        progress.description = step.description;
        progress.phase = phase;
        progress.elapsed = elapsed;
        options_.on_progress(progress);
    }

    void perform(StepKind kind) {
        switch (kind) {
            case StepKind::probe:
                return;  // read_state() did it; nothing to write
            case StepKind::wipe:
                return wipe();
            case StepKind::create_pv:
                return create_pvs();
            case StepKind::create_vg:
                return create_vg();
            case StepKind::record_devices_file:
                return record_devices_file();
            case StepKind::create_data_lv:
                return create_lv(spec_.pool, data_request(spec_, sizes_));
            case StepKind::create_metadata_lv:
                return create_lv(metadata_lv_name(spec_), metadata_request(spec_, sizes_));
            case StepKind::convert_to_pool:
                return convert();
            case StepKind::write_profile:
                return write_profile();
            case StepKind::attach_profile:
                return attach_profile();
            case StepKind::enable_monitoring:
                return enable_monitoring();
            case StepKind::write_daemon_config:
                return write_consumer_config();
            case StepKind::backup_graph_dir:
                return backup_graph_dir();
            case StepKind::grow_metadata:
            case StepKind::grow_data:
                return grow_pool(kind);
            case StepKind::reserve_snapshotter_ids:
                return reserve_snapshotter_ids();
            case StepKind::remove_pool:
            case StepKind::remove_vg:
            case StepKind::remove_pv_labels:
            case StepKind::remove_profile:
            case StepKind::remove_daemon_config:
                break;  // teardown's steps; build_plan() never plans them
        }
        throw Error(Errc::invalid_argument, "apply", to_string(kind), "not a setup step");
    }

    void wipe() {
        // Erased signatures can not be put back: this is why wiping needs explicit permission.
        for (const auto& device : state_.devices)
            if (device.needs_wipe)
                blockdev::wipe(device.path);
    }

    void create_pvs() {
        for (const auto& device : state_.devices) {
            if (device.is_pv)
                continue;
            const lvm::DevicePath path(device.path);
            lvm::PvCreateOptions options;
            options.overwrite_stranded_label = device.stranded_label;
            session_.create_pv(path, options);
            undo_.push_back({"remove PV label from " + device.path, [this, path] {
                                 ignoring_not_found([&] { session_.remove_pv(path); });
                             }});
        }
    }

    void create_vg() {
        std::vector<lvm::DevicePath> missing;
        for (const auto& device : state_.devices)
            if (device.vg != spec_.vg.str())
                missing.emplace_back(device.path);
        if (!state_.vg) {
            session_.create_vg(spec_.vg, missing);
            undo_.push_back({"remove VG " + spec_.vg.str(), [this] {
                                 ignoring_not_found([&] {
                                     session_.remove_vg(spec_.vg, lvm::VgRemoveMode::with_lvs);
                                 });
                             }});
            return;
        }
        session_.extend_vg(spec_.vg, missing);
        undo_.push_back({"take the new PVs out of VG " + spec_.vg.str(),
                         [this, missing] { session_.reduce_vg(spec_.vg, missing); }});
    }

    // The pool's PVs into LVM's devices file, by lvmkit's own command (its sessions run with the
    // file off: see session_config). A VG tag per entry says lvmkit added it, written before the
    // entry so that a kill between the two still leaves teardown knowing; a resume finds the
    // PV unlisted and runs this step again.
    void record_devices_file() {
        namespace df = lvmkit::internal;
        const auto& options = session_.options();
        auto file = reread(state_.devices_file);
        const auto tags = df::vg_tags(options, spec_.vg.str());
        std::vector<std::pair<std::string, std::string>> unlisted;  // device, PV id
        for (const auto& pv : pvs_of(session_, spec_.devices)) {
            if (file.content.lists_pvid(pv.uuid))
                continue;
            const std::string tag = df::devices_file_tag(pv.uuid);
            if (std::find(tags.begin(), tags.end(), tag) == tags.end())
                df::change_vg_tag(options, spec_.vg.str(), tag, true);
            unlisted.emplace_back(pv.name, df::pvid_of_devices_file_tag(tag));
        }
        if (file.mode == df::DevicesFileMode::on_no_file) {
            // Never a file of lvmkit's PVs alone: it would hide every other VG of the host.
            df::import_all_vgs_to_devices_file();
            file = reread(file);
        }
        for (const auto& [device, pvid] : unlisted) {
            if (file.content.lists_pvid(pvid))
                continue;  // vgimportdevices took it with the VG
            df::add_to_devices_file(device);
        }
        for (const auto& [device, pvid] : unlisted)
            undo_.push_back({"take " + device + " out of LVM's devices file",
                             [pvid = pvid] { lvmkit::internal::remove_from_devices_file(pvid); }});
    }

    // The file as it is now (an earlier step or run may have changed it), in the run's mode.
    static lvmkit::internal::DevicesFileState reread(
        const lvmkit::internal::DevicesFileState& state) {
        lvmkit::internal::DevicesFileSetting setting;
        setting.enabled = state.mode != lvmkit::internal::DevicesFileMode::off;
        return lvmkit::internal::devices_file_state(setting, state.path);
    }

    void create_lv(const LvName& lv, const SizeSpec& size) {
        lvm::LinearLvOptions options;
        options.wipe_signatures = true;
        // N%PVS is of the free space on the spec's devices: name them, and LVM allocates there.
        if (is_percent_of_pvs(size))
            for (const auto& device : state_.devices)
                options.pvs.emplace_back(device.path);
        session_.create_linear_lv(spec_.vg, lv, size, options);
        undo_.push_back({"remove LV " + spec_.vg.str() + "/" + lv.str(), [this, lv] {
                             ignoring_not_found([&] { session_.remove_lv(spec_.vg, lv); });
                         }});
    }

    void convert() {
        // An earlier run cut inside LVM's spare creation left it as lvol<N>: before the pool's
        // commit LVM would make another spare beside it, after it the pool has none. Not undone.
        settle_spare_leftovers(session_, spec_, state_.lvs);
        if (state_.pool_is_thin_pool())
            return;  // that run's conversion had committed; only its spare was left to finish
        lvm::ThinPoolOptions options;
        options.chunk_size = sizes_.chunk_size;
        options.error_when_full = spec_.when_full == WhenFull::error;
        options.zeroing = spec_.zero;
        if (spec_.discards)
            options.discards = static_cast<lvm::Discards>(*spec_.discards);
        session_.convert_to_thin_pool(spec_.vg, spec_.pool, metadata_lv_name(spec_), options);
        converted_here_ = true;
        // Removing the pool removes its data and metadata sub-LVs with it.
        undo_.push_back({"remove thin pool " + spec_.vg.str() + "/" + spec_.pool.str(), [this] {
                             ignoring_not_found([&] { session_.remove_lv(spec_.vg, spec_.pool); });
                         }});
    }

    void write_profile() {
        // LVM reads profiles from its own directory on this host, whatever the target root.
        const FileWriter host_writer;
        const auto path = profile_path(state_.profile_dir, spec_.profile_name);
        const auto written = host_writer.write(path, render_profile(profile_of(spec_)));
        undo_.push_back({"restore " + path, [written] { FileWriter().undo(written); }});
    }

    void attach_profile() {
        session_.set_metadata_profile(spec_.vg, spec_.pool, lvm::ProfileName(spec_.profile_name));
        undo_.push_back({"detach profile from " + spec_.pool.str(), [this] {
                             ignoring_not_found([&] {
                                 session_.set_metadata_profile(spec_.vg, spec_.pool, std::nullopt);
                             });
                         }});
    }

    void enable_monitoring() {
        // Only an active pool can be monitored. A pool is inactive when an earlier run was cut
        // off (power loss) before LVM activated it, or after a reboot without autoactivation;
        // the re-run must finish the setup, not fail here. Only then: activating an active
        // pool reloads its table (a low water mark from the profile), which the seed's
        // procedure does not do. Undone by the pool's removal.
        if (!dm::info(dm_name(spec_.vg, spec_.pool)).exists) {
            session_.activate_lv(spec_.vg, spec_.pool, true);
        } else if (converted_here_) {
            // This run's conversion activated the pool with activation/monitoring=1 (the
            // session's setting), and LVM waited for dmeventd to take it: `lvchange --monitor y`
            // would only ask again. The verification after the last step reads seg_monitor.
            note("the conversion registered " + spec_.pool.str() + " with dmeventd");
            return;
        }
        session_.set_monitoring(spec_.vg, spec_.pool, true);
        undo_.push_back({"stop monitoring " + spec_.pool.str(), [this] {
                             ignoring_not_found(
                                 [&] { session_.set_monitoring(spec_.vg, spec_.pool, false); });
                         }});
    }

    void write_consumer_config() {
        for (const auto& file : consumer_files(spec_, writer_)) {
            if (!file.changed)
                continue;
            const auto written = writer_.write(file.path, file.content);
            undo_.push_back({"restore " + file.path, [this, written] { writer_.undo(written); }});
        }
    }

    void backup_graph_dir() {
        if (process_running("dockerd"))
            throw Error(Errc::busy, "back up graph directory", spec_.graph_dir,
                        "dockerd is running; stop Docker before moving its graph directory");
        const std::string graph = writer_.root().resolve(spec_.graph_dir);
        const std::string backup = graph + ".backup";
        if (::mkdir(backup.c_str(), 0700) != 0 && errno != EEXIST)
            throw Error(Errc::io_error, "back up graph directory", backup, "mkdir failed", {},
                        errno);
        for (const auto& name : directory_entries(graph)) {
            const std::string from = graph + "/" + name;
            const std::string to = backup + "/" + name;
            if (::access(to.c_str(), F_OK) == 0)
                throw Error(Errc::conflict, "back up graph directory", to,
                            "the backup already has an entry of this name");
            if (::rename(from.c_str(), to.c_str()) != 0)
                throw Error(Errc::io_error, "back up graph directory", from, "rename failed", {},
                            errno);
            undo_.push_back({"move " + to + " back", [from, to] {
                                 if (::rename(to.c_str(), from.c_str()) != 0)
                                     throw Error(Errc::io_error, "restore graph directory", to,
                                                 "rename failed", {}, errno);
                             }});
        }
    }

    // The pool's ids as they are now (the plan's may be older), into containerd's new database.
    void reserve_snapshotter_ids() {
        const auto ids = snapshotter_ids(spec_, read_pool_contents(spec_, session_, state_.lvs),
                                         state_.lvs, writer_);
        if (!ids)
            throw Error(Errc::io_error, "reserve containerd's snapshotter ids",
                        spec_.vg.str() + "/" + spec_.pool.str(),
                        "the pool's thin ids can not be read now (they could at the plan)");
        if (ids->database_exists)
            return;  // containerd made it since the plan: its ids, never replaced
        WriteResult written;
        try {
            written = internal::reserve_snapshotter_ids(writer_, *ids);
        } catch (const Error& e) {
            if (e.errc() != Errc::conflict)
                throw;
            note(std::string("containerd created its database meanwhile, left as it is: ") +
                 e.what());
            return;
        }
        undo_.push_back({"remove " + ids->database, [this, written] { writer_.undo(written); }});
    }

    // grow: lvextend of the metadata (LVM grows the spare along) or of the data, by what the
    // plan's target lacks. LVM can not shrink a thin pool: from here the new PVs carry the pool,
    // so nothing before is undone any more.
    void grow_pool(StepKind kind) {
        const Bytes extent = sizes_.extent_size;
        const auto current = [&](const std::string& name) -> std::uint64_t {
            const auto* lv = state_.find_lv(name);
            return lv == nullptr ? 0 : lv->size.count() / extent.count();
        };
        if (kind == StepKind::grow_metadata) {
            const auto have = current(spec_.pool.str() + "_tmeta");
            session_.extend_pool_metadata(spec_.vg, spec_.pool,
                                          Bytes((sizes_.metadata_extents - have) * extent.count()));
        } else {
            session_.extend_lv(spec_.vg, spec_.pool,
                               Extents{sizes_.data_extents - current(spec_.pool.str())});
        }
        undo_.clear();
        pool_grew_ = true;
    }

    void check_result() {
        auto differences = verify_with(session_, spec_, writer_, state_.profile_dir, !planner_);
        if (planner_) {
            const auto sizes = grow_size_differences(session_, spec_, sizes_);
            differences.insert(differences.end(), sizes.begin(), sizes.end());
        }
        if (!differences.empty())
            throw Error(Errc::mismatch, "verify", spec_.vg.str() + "/" + spec_.pool.str(),
                        "the result differs from the spec", differences);
    }

  public:
    // @p profile_dir: where LVM reads profiles, when the caller has already asked LVM.
    // @p consumers: the runtime's files too (grow writes none).
    static std::vector<std::string> verify_with(lvm::Session& session, const ThinPoolSpec& spec,
                                                const FileWriter& writer,
                                                std::string profile_dir = {},
                                                bool consumers = true);

  private:
    const ThinPoolSpec& spec_;
    const ApplyOptions& options_;
    Planner planner_;
    lvm::Session session_;
    FileWriter writer_;
    SystemState state_;
    ResolvedSizes sizes_;  // the plan's: what the LVs and the conversion get
    std::vector<Undo> undo_;
    bool converted_here_ = false;  // convert_to_pool ran in this run and activated the pool
    bool pool_grew_ = false;       // a grow step's lvextend committed: not undone
    static constexpr const char* kGrownKept =
        "; the pool had already grown, which LVM can not undo (a thin pool does not shrink): "
        "the grown pool and its new PVs are kept; run grow again to finish";
};

void verify_pool_lv(const ThinPoolSpec& spec, const lvm::LvReport& pool,
                    std::vector<std::string>& out) {
    if (pool.segment_type != "thin-pool") {
        out.push_back("LV " + pool.full_name + " is " + pool.segment_type + ", not thin-pool");
        return;
    }
    if (!chunk_matches(spec, pool.chunk_size))
        out.push_back("chunk size " + format_human(pool.chunk_size) + ", want " +
                      wanted_chunk_text(spec));
    if (pool.when_full != to_string(spec.when_full))
        out.push_back("when full it does '" + pool.when_full + "', want '" +
                      to_string(spec.when_full) + "'");
    if (!pool.zeroing || *pool.zeroing != spec.zero)
        out.push_back(std::string("zeroing is not ") + (spec.zero ? "on" : "off"));
    if (spec.discards && pool.discards != to_string(static_cast<lvm::Discards>(*spec.discards)))
        out.push_back("discards " + pool.discards);
    if (pool.profile != spec.profile_name)
        out.push_back("profile '" + pool.profile + "', want '" + spec.profile_name + "'");
    if (spec.monitor && !pool.monitored)
        out.push_back("not monitored by dmeventd (seg_monitor '" + pool.seg_monitor + "')");
    if (!pool.active)
        out.push_back("the pool is not active");
}

void verify_dm_table(const ThinPoolSpec& spec, std::vector<std::string>& out) {
    const std::string device = pool_dm_device(spec);
    const dm::Table table = dm::table(device);
    if (table.size() != 1 || !std::holds_alternative<dm::ThinPoolTarget>(table.front().target)) {
        out.push_back("dm device " + device + " has no thin-pool table");
        return;
    }
    const auto& target = std::get<dm::ThinPoolTarget>(table.front().target);
    if (!chunk_matches(spec, target.data_block_size.bytes()))
        out.push_back("dm table block size " + format_human(target.data_block_size.bytes()));
    if (target.features.skip_block_zeroing == spec.zero)
        out.push_back("dm table zeroing does not match the spec");
    if (target.features.error_if_no_space != (spec.when_full == WhenFull::error))
        out.push_back("dm table error_if_no_space does not match the spec");
}

void verify_profile(const ThinPoolSpec& spec, const std::string& profile_dir,
                    std::vector<std::string>& out) {
    const std::string path = profile_path(profile_dir, spec.profile_name);
    const auto text = FileWriter().read(path);
    if (!text) {
        out.push_back("profile file " + path + " is missing");
        return;
    }
    const LvmProfile found = parse_profile(spec.profile_name, *text);
    const LvmProfile want = profile_of(spec);
    if (found.autoextend_threshold != want.autoextend_threshold ||
        found.autoextend_percent != want.autoextend_percent)
        out.push_back("profile " + path + " says " + describe(found));
}

std::vector<std::string> Run::verify_with(lvm::Session& session, const ThinPoolSpec& spec,
                                          const FileWriter& writer, std::string profile_dir,
                                          bool consumers) {
    std::vector<std::string> out;
    const auto lvs = session.lvs(spec.vg);
    const lvm::LvReport* pool = nullptr;
    for (const auto& lv : lvs)
        if (lv.name == spec.pool.str())
            pool = &lv;
    if (pool == nullptr)
        return {"LV " + spec.vg.str() + "/" + spec.pool.str() + " is missing"};
    verify_pool_lv(spec, *pool, out);
    if (pool->segment_type == "thin-pool" && pool->active)
        verify_dm_table(spec, out);
    if (profile_dir.empty())
        profile_dir = session.profile_dir();
    verify_profile(spec, profile_dir, out);
    if (!consumers)
        return out;
    for (const auto& file : consumer_files(spec, writer))
        if (file.changed)
            out.push_back(file.path + " does not carry the pool's settings");
    const auto devices_file = lvmkit::internal::read_devices_file_state();
    for (const auto& pv : pvs_not_in_devices_file(session, spec, devices_file))
        out.push_back("PV " + pv + " is not in LVM's devices file " + devices_file.path +
                      " (fix: lvm lvmdevices --adddev " + pv + ")");
    return out;
}

}  // namespace

SetupLock::SetupLock(const char* operation) {
    ::mkdir(kLockDir, 0755);  // absent on minimal systems; EEXIST is the normal case
    fd_ = ::open(kLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
        throw Error(Errc::io_error, operation, kLockFile, "can not open the lock file", {}, errno);
    const auto deadline = Clock::now() + kLockWait;
    bool announced = false;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK || Clock::now() >= deadline) {
            const int error = errno;
            ::close(fd_);
            throw Error(Errc::busy, operation, kLockFile,
                        "another lvmkit setup or teardown holds the lock", {}, error);
        }
        if (!announced)
            note(std::string(operation) + ": waiting for another lvmkit run");
        announced = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

SetupLock::~SetupLock() {
    if (fd_ >= 0)
        ::close(fd_);  // closing releases the flock
}

ApplyResult run_grow_plan(const ThinPoolSpec& spec, const ApplyOptions& options,
                          const Planner& planner) {
    Run run(spec, options, planner);
    return run.execute();
}

}  // namespace internal

ApplyResult apply(const ThinPoolSpec& spec, const ApplyOptions& options) {
    internal::validate_spec(spec);
    log(LogCategory::setup, LogLevel::debug, "checking the environment");
    internal::check_environment(spec);
    const internal::SetupLock lock("apply");
    log(LogCategory::setup, LogLevel::debug, "lock taken");
    internal::Run run(spec, options);
    return run.execute();
}

std::vector<std::string> verify(const ThinPoolSpec& spec) {
    auto session = internal::session_for(spec);
    const FileWriter writer{TargetRoot(spec.target_root)};
    return internal::Run::verify_with(session, spec, writer);
}

}  // namespace lvmkit::setup
