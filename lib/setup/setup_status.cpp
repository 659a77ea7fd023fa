// status(): a pool's state from the kernel (dm status), LVM and the config files.
// teardown(): removes what setup made, in reverse order, keeping the user's other settings.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "internal/consumer.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"
#include "setup/fast_status.hpp"
#include "setup/graph_leftovers_internal.hpp"
#include "setup/pool_contents_read.hpp"
#include "setup/setup_internal.hpp"
#include "setup/spare_leftover.hpp"

namespace lvmkit::setup {
namespace internal {
namespace {

using Clock = std::chrono::steady_clock;

std::string mode_of(const dm::ThinPoolStatus& status) {
    if (std::holds_alternative<dm::ThinPoolFailed>(status))
        return "fail";
    if (std::holds_alternative<dm::ThinPoolStatusError>(status))
        return "error";
    const auto& usage = std::get<dm::ThinPoolUsage>(status);
    if (usage.needs_check)
        return "needs_check";
    return to_string(usage.mode);
}

void read_usage(const ThinPoolSpec& spec, PoolStatus& out) {
    out.dm_name = pool_dm_device(spec);
    const auto status = dm::thin_pool_status(out.dm_name);
    out.mode = mode_of(status);
    if (const auto* usage = std::get_if<dm::ThinPoolUsage>(&status)) {
        out.data_percent = usage->data_percent();
        out.metadata_percent = usage->metadata_percent();
        out.data_used = usage->used_data_bytes();
        out.data_total = usage->total_data_bytes();
        out.metadata_used = usage->used_metadata_bytes();
        out.metadata_total = usage->total_metadata_bytes();
    }
}

template <typename ProfileDir>
void read_profile(const ThinPoolSpec& spec, ProfileDir&& profile_dir, PoolStatus& out) {
    if (out.profile.empty())
        return;
    const auto text = FileWriter().read(profile_path(profile_dir(), out.profile));
    if (!text)
        return;
    const LvmProfile profile = parse_profile(out.profile, *text);
    out.autoextend_threshold = profile.autoextend_threshold;
    out.autoextend_percent = profile.autoextend_percent;
    (void)spec;
}

void read_config_agreement(const ThinPoolSpec& spec, PoolStatus& out) {
    out.config_agreement = consumer_agreement(spec, out.config_agrees);
}

std::string bar(double percent) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(percent / 100.0 * kWidth + 0.5);
    std::string out = "[";
    for (int i = 0; i < kWidth; ++i)
        out += i < filled ? '#' : '.';
    return out + "]";
}

void remove_profile(const ThinPoolSpec& spec, lvm::Session& session) {
    const FileWriter host;
    const std::string path = profile_path(session.profile_dir(), spec.profile_name);
    const auto text = host.read(path);
    // Only a profile that still says what lvmkit wrote is lvmkit's to remove.
    if (text && *text == render_profile(profile_of(spec)))
        host.remove(path);
}

class Teardown {
  public:
    Teardown(const ThinPoolSpec& spec, const TeardownOptions& options)
        : spec_(spec),
          options_(options),
          writer_(TargetRoot(spec.target_root)),
          session_(session_for(spec)) {}

    void run() {
        // The files the last steps open, checked before the first: a FIFO among them must not
        // be found (or block) after the pool is gone.
        unit_ = consumer_unit(spec_);
        if (unit_)
            check_consumer_paths(*unit_, writer_);
        check_file_kinds(spec_, session_.profile_dir(), writer_);
        // `vgs <name>` fails for a VG that is gone; find_vg lists them all. Read once: no step
        // before remove_vg removes the VG.
        vg_exists_ = find_vg(session_, spec_.vg).has_value();
        const auto lvs = vg_exists_ ? session_.lvs(spec_.vg) : std::vector<lvm::LvReport>{};
        // Refused before the first step starts: a started step may have removed something.
        // LVM's thin LVs are not all: a runtime's thin devices live only in the pool's metadata.
        const auto thins = thin_volumes(lvs);
        leftovers_ = spare_leftovers(spec_, lvs);
        contents_ = read_pool_contents(spec_, session_, lvs);
        if (contents_.metadata_unreadable && !options_.force)
            throw Error(Errc::busy, "teardown", pool_name(),
                        "the pool's contents could not be read, so lvmkit can not tell it holds "
                        "nothing; force to remove it anyway (any thin device in it is lost)",
                        contents_.details());
        if (contents_.holds_anything() && !options_.force)
            throw Error(Errc::busy, "teardown", pool_name(),
                        "the pool holds " + contents_.summary() +
                            "; remove them first or force (their data is lost)",
                        contents_.details());
        if ((contents_.holds_anything() || contents_.metadata_unreadable) &&
            options_.on_forced_removal)
            options_.on_forced_removal(contents_);
        const auto steps = teardown_steps(spec_);
        for (std::size_t i = 0; i < steps.size(); ++i)
            step(i + 1, steps.size(), steps[i], [&] { perform(steps[i].kind, lvs, thins); });
    }

  private:
    std::string pool_name() const { return spec_.vg.str() + "/" + spec_.pool.str(); }

    std::vector<std::string> thin_volumes(const std::vector<lvm::LvReport>& lvs) const {
        std::vector<std::string> thins;
        for (const auto& lv : lvs)
            if (lv.pool == spec_.pool.str())
                thins.push_back(lv.name);
        return thins;
    }

    void perform(StepKind kind, const std::vector<lvm::LvReport>& lvs,
                 const std::vector<std::string>& thins) {
        switch (kind) {
            case StepKind::remove_pool:
                return remove_pool(lvs, thins);
            case StepKind::remove_vg:
                return remove_vg();
            case StepKind::remove_pv_labels:
                return remove_pvs();
            case StepKind::remove_profile:
                return remove_profile(spec_, session_);
            case StepKind::remove_daemon_config:
                if (unit_)
                    remove_consumer_entries(*unit_, writer_);
                return;
            default:
                throw Error(Errc::invalid_argument, "teardown", to_string(kind),
                            "not a teardown step");
        }
    }

    template <typename Action>
    void step(std::size_t index, std::size_t total, const Step& step, Action&& action) {
        const auto start = Clock::now();
        report(index, total, step, Progress::Phase::started, start);
        try {
            action();
        } catch (...) {
            report(index, total, step, Progress::Phase::failed, start);
            throw;
        }
        report(index, total, step, Progress::Phase::finished, start);
    }

    void report(std::size_t index, std::size_t total, const Step& step, Progress::Phase phase,
                Clock::time_point start) const {
        log(LogCategory::setup, LogLevel::info,
            fmt::format("teardown {}/{} {} {}: {}", index, total, to_string(step.kind),
                        to_string(phase), step.description));
        if (!options_.on_progress)
            return;
        Progress progress;
        progress.index = index;
        progress.total = total;
        progress.kind = step.kind;
        progress.description = step.description;
        progress.phase = phase;
        progress.elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        options_.on_progress(progress);
    }

    void remove_pool(const std::vector<lvm::LvReport>& lvs, const std::vector<std::string>& thins) {
        bool pool_exists = false;
        for (const auto& lv : lvs)
            if (lv.name == spec_.pool.str())
                pool_exists = true;
        // A runtime's active thin devices hold the pool open; only --force gets here with any.
        for (const auto& device : contents_.active_devices)
            dm::remove(device);
        for (const auto& thin : thins)
            session_.remove_lv(spec_.vg, LvName(thin));
        if (pool_exists)
            session_.remove_lv(spec_.vg, spec_.pool);
        // The data and metadata LVs of a setup interrupted before conversion.
        for (const auto& lv : lvs)
            if (lv.name == metadata_lv_name(spec_).str())
                session_.remove_lv(spec_.vg, metadata_lv_name(spec_));
    }

    void remove_vg() {
        if (spec_.use_existing_vg || !vg_exists_)
            return;
        // Only LVM's hidden metadata spare (or what a cut inside its creation left, recognised
        // while the pool was there) may remain; anything else belongs to someone.
        for (const auto& lv : session_.lvs(spec_.vg))
            if (lv.name.find("_pmspare") == std::string::npos &&
                std::find(leftovers_.begin(), leftovers_.end(), lv.name) == leftovers_.end())
                throw Error(Errc::busy, "teardown", "VG " + spec_.vg.str(),
                            "the VG holds other LVs (" + lv.name + "); it is left in place");
        remove_devices_file_entries();
        session_.remove_vg(spec_.vg, lvm::VgRemoveMode::with_lvs);
    }

    // Exactly the entries lvmkit added (the VG's lvmkit_devices_file_<PVID> tags), before the
    // VG and its tags go: a kill after this leaves tags for entries already gone, not the other
    // way round. Entries of the host's VGs that lvmkit's vgimportdevices put in a new file stay:
    // taking them out would hide those VGs.
    void remove_devices_file_entries() {
        namespace df = lvmkit::internal;
        const auto file = df::read_devices_file_state();
        if (file.mode != df::DevicesFileMode::on_file)
            return;
        for (const auto& tag : df::vg_tags(session_.options(), spec_.vg.str())) {
            const std::string pvid = df::pvid_of_devices_file_tag(tag);
            if (!pvid.empty() && file.content.lists_pvid(pvid))
                df::remove_from_devices_file(pvid);
        }
    }

    void remove_pvs() {
        if (spec_.devices.empty())
            return;
        for (const auto& pv : pvs_of(session_, spec_.devices)) {
            lvm::PvRemoveOptions options;
            options.remove_stranded_label =
                pv.vg == kUnknownVg && label_holds_no_vg_metadata(blockdev::assess(pv.name));
            if (pv.vg.empty() || options.remove_stranded_label)
                session_.remove_pv(lvm::DevicePath(pv.name), options);
        }
    }

    const ThinPoolSpec& spec_;
    const TeardownOptions& options_;
    const FileWriter writer_;
    std::unique_ptr<ConsumerUnit> unit_;
    bool vg_exists_ = false;
    PoolContents contents_;
    std::vector<std::string> leftovers_;
    lvm::Session session_;
};

}  // namespace

std::vector<Step> teardown_steps(const ThinPoolSpec& spec) {
    return {
        {StepKind::remove_pool, "Remove thin pool " + spec.vg.str() + "/" + spec.pool.str()},
        {StepKind::remove_vg, "Remove VG " + spec.vg.str()},
        {StepKind::remove_pv_labels, "Remove PV labels"},
        {StepKind::remove_profile, "Remove profile " + spec.profile_name},
        {StepKind::remove_daemon_config, "Remove lvmkit's entries from the runtime config"},
    };
}

}  // namespace internal

namespace internal {
namespace {

// status() from the VG and LV reports, LVM's (the full path) or the hot path's (fast_status.hpp):
// the same code either way, so the two answers can only differ in their inputs.
template <typename ProfileDir, typename DevicesFile>
PoolStatus status_from(const ThinPoolSpec& spec, lvm::Session& session, ProfileDir&& profile_dir,
                       DevicesFile&& devices_file_state, const lvm::VgReport* vg,
                       const std::vector<lvm::LvReport>& lvs) {
    PoolStatus out;
    if (vg == nullptr)
        return out;
    const lvm::LvReport* pool = nullptr;
    for (const auto& lv : lvs)
        if (lv.name == spec.pool.str() && lv.segment_type == "thin-pool")
            pool = &lv;
    if (pool == nullptr)
        return out;
    out.exists = true;
    // Registered with a dmeventd that is gone: nothing will extend the pool.
    out.dmeventd_missing = pool->monitored && !internal::dmeventd_running();
    out.monitored = pool->monitored && !out.dmeventd_missing;
    out.when_full = pool->when_full;
    out.profile = pool->profile;
    if (pool->active)
        internal::read_usage(spec, out);
    else
        out.mode = "inactive";
    internal::read_profile(spec, profile_dir, out);
    out.contents = internal::read_pool_contents(spec, session, lvs);
    if (internal::graph_leftovers_apply(spec))
        out.graph_leftovers = internal::find_graph_leftovers(spec, out.contents);
    out.vg_free = vg->free;
    ResolvedSizes sizes;
    sizes.extent_size = vg->extent_size;
    sizes.data_extents = pool->size.count() / vg->extent_size.count();
    for (const auto& lv : lvs)
        if (lv.name == spec.pool.str() + "_tmeta")
            sizes.metadata_extents = lv.size.count() / vg->extent_size.count();
    sizes.free_extents_after = vg->free_extents;
    out.headroom =
        internal::compute_headroom(sizes, out.autoextend_threshold, out.autoextend_percent);
    internal::read_config_agreement(spec, out);
    const lvmkit::internal::DevicesFileState devices_file = devices_file_state();
    out.devices_file_mode = lvmkit::internal::to_string(devices_file.mode);
    out.pvs_not_in_devices_file = internal::pvs_not_in_devices_file(session, spec, devices_file);
    out.advice = internal::advice_for(spec, out);
    if (!out.graph_leftovers.empty())
        out.advice.push_back(internal::graph_leftovers_advice(spec, out.graph_leftovers));
    if (!out.pvs_not_in_devices_file.empty())
        out.advice.push_back(
            internal::devices_file_advice(out.pvs_not_in_devices_file, devices_file.path));
    return out;
}

}  // namespace

PoolStatus status_of_state(const ThinPoolSpec& spec, lvm::Session& session,
                           const SystemState& state) {
    return status_from(
        spec, session, [&state] { return state.profile_dir; },
        [&state] { return state.devices_file; }, state.vg ? &*state.vg : nullptr, state.lvs);
}

PoolStatus full_status(const ThinPoolSpec& spec) {
    auto session = session_for(spec);
    const auto vg = find_vg(session, spec.vg);
    const auto lvs = vg ? session.lvs(spec.vg) : std::vector<lvm::LvReport>{};
    return status_from(
        spec, session, [&session] { return session.profile_dir(); },
        [] { return lvmkit::internal::read_devices_file_state(); }, vg ? &*vg : nullptr, lvs);
}

std::optional<PoolStatus> fast_status(const ThinPoolSpec& spec) {
    auto reports = fast_reports(spec);
    if (!reports)
        return std::nullopt;
    // Never asked: the fast path answers only for an active pool, whose contents are read from
    // the kernel, and knows the profile directory.
    auto session = session_for(spec);
    // fast_reports() answers only when no devices file is in use: the mode is off.
    return status_from(
        spec, session, [&reports] { return reports->profile_dir; },
        [] { return lvmkit::internal::devices_file_off_state(); }, &reports->vg, reports->lvs);
}

}  // namespace internal

PoolStatus status(const ThinPoolSpec& spec) {
    if (auto fast = internal::fast_status(spec))
        return std::move(*fast);
    return internal::full_status(spec);
}

void teardown(const ThinPoolSpec& spec, const TeardownOptions& options) {
    internal::validate_spec(spec);
    internal::check_environment(spec);
    const internal::SetupLock lock("teardown");
    internal::Teardown(spec, options).run();
}

std::string PoolStatus::to_text() const {
    if (!exists)
        return "pool: not found\n";
    std::string out;
    out += fmt::format("pool      {} ({})\n", dm_name, mode);
    out += fmt::format("data      {} {:5.1f}%  {} of {}\n", internal::bar(data_percent),
                       data_percent, format_human(data_used), format_human(data_total));
    out += fmt::format("metadata  {} {:5.1f}%  {} of {}\n", internal::bar(metadata_percent),
                       metadata_percent, format_human(metadata_used), format_human(metadata_total));
    out +=
        fmt::format("monitor   {}\n",
                    monitored          ? "monitored by dmeventd"
                    : dmeventd_missing ? "NOT monitored (registered, but dmeventd is not running)"
                                       : "NOT monitored");
    if (!when_full.empty())
        out += fmt::format("when full {}\n", when_full == "error" ? "writes fail at once (error)"
                                                                  : "writes queue (queue)");
    if (headroom.autoextend_enabled)
        out += fmt::format(
            "autoext.  at {}% by {}% (profile {}); VG free {}, room for {} data "
            "step(s)\n",
            autoextend_threshold, autoextend_percent, profile, format_human(vg_free),
            headroom.data_steps_possible);
    else
        out += fmt::format("autoext.  off (profile '{}'); VG free {}\n", profile,
                           format_human(vg_free));
    out += "contents  " + contents.summary() + "\n";
    // Ids nobody names alone are a runtime's whose metadata lies elsewhere: no line for them.
    if (!graph_leftovers.empty() || !graph_leftovers.ambiguous.empty())
        out += "leftover  " + graph_leftovers.summary() + "\n";
    for (const auto& line : config_agreement)
        out += "config    " + line + "\n";
    out += fmt::format("devices   LVM devices file {}{}\n", devices_file_mode,
                       devices_file_mode != "on"         ? ""
                       : pvs_not_in_devices_file.empty() ? ": lists the pool's PVs"
                                                         : ": does NOT list every pool PV");
    for (const auto& item : advice) {
        out += "PROBLEM   " + item.problem + ": " + item.meaning + "\n";
        out += "  fix     " + item.command + "\n";
    }
    return out;
}

namespace {

nlohmann::ordered_json contents_json(const PoolContents& contents) {
    nlohmann::ordered_json doc;
    doc["holds_anything"] = contents.holds_anything();
    doc["thin_devices"] = contents.device_count();
    doc["metadata_read"] = contents.thin_devices.has_value();
    doc["read_inactive"] = contents.read_inactive;
    doc["unknown_thin_ids"] = contents.unknown_thin_ids;
    doc["lvm_thin_volumes"] = contents.lvm_thin_volumes;
    doc["active_devices"] = contents.active_devices;
    doc["data_used_bytes"] = contents.data_used.count();
    doc["kernel_transaction_id"] = contents.kernel_transaction_id;
    doc["lvm_transaction_id"] = contents.lvm_transaction_id
                                    ? nlohmann::ordered_json(*contents.lvm_transaction_id)
                                    : nlohmann::ordered_json();
    doc["owners"] = contents.owners;
    doc["note"] = contents.metadata_note;
    return doc;
}

nlohmann::ordered_json leftovers_json(const GraphLeftovers& leftovers) {
    nlohmann::ordered_json doc;
    auto& devices = doc["devices"] = nlohmann::ordered_json::array();
    for (const auto& device : leftovers.devices)
        devices.push_back(
            {{"id", device.id}, {"name", device.name}, {"data_bytes", device.data.count()}});
    doc["data_bytes"] = leftovers.data().count();
    doc["containerd_ids"] = leftovers.containerd;
    doc["ambiguous_ids"] = leftovers.ambiguous;
    doc["unattributed_ids"] = leftovers.unattributed;
    doc["note"] = leftovers.note;
    return doc;
}

}  // namespace

std::string PoolStatus::to_json() const {
    nlohmann::ordered_json doc;
    doc["exists"] = exists;
    if (exists) {
        doc["dm_name"] = dm_name;
        doc["mode"] = mode;
        doc["data"] = {{"percent", data_percent},
                       {"used_bytes", data_used.count()},
                       {"total_bytes", data_total.count()}};
        doc["metadata"] = {{"percent", metadata_percent},
                           {"used_bytes", metadata_used.count()},
                           {"total_bytes", metadata_total.count()}};
        doc["monitored"] = monitored;
        doc["dmeventd_missing"] = dmeventd_missing;
        doc["when_full"] = when_full;
        doc["profile"] = profile;
        doc["autoextend"] = {{"enabled", headroom.autoextend_enabled},
                             {"threshold", autoextend_threshold},
                             {"percent", autoextend_percent},
                             {"data_steps_possible", headroom.data_steps_possible}};
        doc["vg_free_bytes"] = vg_free.count();
        doc["contents"] = contents_json(contents);
        doc["graph_leftovers"] = leftovers_json(graph_leftovers);
        doc["config_agrees"] = config_agrees;
        doc["config"] = config_agreement;
        doc["devices_file"] = {{"mode", devices_file_mode},
                               {"pvs_not_listed", pvs_not_in_devices_file}};
        auto& advice_list = doc["advice"] = nlohmann::ordered_json::array();
        for (const auto& item : advice)
            advice_list.push_back(
                {{"problem", item.problem}, {"meaning", item.meaning}, {"command", item.command}});
    }
    return doc.dump(2);
}

}  // namespace lvmkit::setup
