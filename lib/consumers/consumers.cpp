// The runtime modes setup configures (see internal/consumer.hpp): Docker's devicemapper graph
// driver, Docker >= 25 on containerd's devmapper snapshotter, and containerd alone.
#include <sys/utsname.h>

#include <string_view>

#include "internal/consumer.hpp"
#include "internal/file_checks.hpp"
#include "internal/json_document.hpp"
#include "lvmkit/containerd_config.hpp"
#include "lvmkit/docker_config.hpp"
#include "lvmkit/docker_detect.hpp"
#include "lvmkit/error.hpp"

namespace lvmkit::setup::internal {
namespace {

std::optional<std::string_view> view(const std::optional<std::string>& text) {
    return text ? std::optional<std::string_view>(*text) : std::nullopt;
}

OnConflict on_conflict_of(const ThinPoolSpec& spec) {
    return spec.replace_conflicting_config ? OnConflict::replace : OnConflict::refuse;
}

ConsumerFile file_of(std::string path, std::string what, ConfigEdit edit) {
    return {std::move(path), std::move(what), std::move(edit.text), edit.changed,
            std::move(edit.notes)};
}

KernelDecision kernel_decision(const ThinPoolSpec& spec) {
    DeferredDeletion choice = DeferredDeletion::automatic;
    if (spec.deferred_deletion == DeferredDeletionChoice::enable)
        choice = DeferredDeletion::enable;
    if (spec.deferred_deletion == DeferredDeletionChoice::disable)
        choice = DeferredDeletion::disable;
    return decide_deferred_deletion(running_kernel_release(), choice);
}

/// containerd's name for this machine's platform (`linux/amd64`), from uname's machine.
std::string host_platform() {
    struct utsname name {};
    const std::string machine = ::uname(&name) == 0 ? name.machine : "x86_64";
    if (machine == "aarch64")
        return "linux/arm64";
    if (machine == "x86_64")
        return "linux/amd64";
    if (machine.rfind("arm", 0) == 0)
        return "linux/arm";
    return "linux/" + machine;  // ppc64le, s390x, riscv64 are containerd's names too
}

/// The major version of the containerd installed in --root (dpkg, else its --version); 0 when
/// none is found (the file is then written for containerd 1.x, which 2.x reads too).
unsigned containerd_major(const ThinPoolSpec& spec) {
    const auto found = find_installed_containerd(spec.target_root);
    if (!found)
        return 0;
    const auto version = parse_docker_version(found->version);  // same `N.N.N+suffix` shape
    return version ? version->major : 0;
}

ContainerdDevmapperConfig devmapper_section(const ThinPoolSpec& spec) {
    auto config = containerd_devmapper_config(spec.vg, spec.pool);
    config.cri_default = spec.cri_default_snapshotter;
    config.containerd_major = containerd_major(spec);
    config.platform = host_platform();
    return config;
}

std::string devmapper_what(const ThinPoolSpec& spec) {
    return "devmapper snapshotter on pool " + dm_name(spec.vg, spec.pool) +
           (spec.cri_default_snapshotter ? ", the CRI plugin's default snapshotter" : "");
}

/// containerd's config.toml: shared by containerd alone and Docker's snapshotter mode. The
/// section is made once per unit (devmapper_section finds the installed containerd's version).
ConsumerFile containerd_file(const ThinPoolSpec& spec, const ContainerdDevmapperConfig& section,
                             const FileWriter& writer) {
    const auto existing = writer.read(spec.containerd_config);
    return file_of(spec.containerd_config, devmapper_what(spec),
                   merge_containerd_config(view(existing), section, on_conflict_of(spec)));
}

std::optional<ConsumerFile> containerd_removal(const ThinPoolSpec& spec,
                                               const ContainerdDevmapperConfig& section,
                                               const FileWriter& writer) {
    const auto existing = writer.read(spec.containerd_config);
    if (!existing)
        return std::nullopt;
    return file_of(spec.containerd_config, "", remove_from_containerd_config(*existing, section));
}

/// Docker 24 and older: the devicemapper graph driver in daemon.json.
class DockerDevicemapper final : public ConsumerUnit {
  public:
    DockerDevicemapper(const ThinPoolSpec& spec, DockerStorageChoice choice)
        : spec_(spec), choice_(std::move(choice)) {}

    std::string name() const override {
        return "Docker devicemapper graph driver (Docker 24 and older)";
    }

    std::vector<std::string> paths() const override { return {spec_.daemon_json}; }

    std::vector<ConsumerFile> files(const FileWriter& writer) const override {
        const auto existing = writer.read(spec_.daemon_json);
        const auto config =
            docker_devicemapper_config(spec_.vg, spec_.pool, kernel_decision(spec_));
        return {
            file_of(spec_.daemon_json,
                    "storage-driver devicemapper, dm.thinpooldev=" + dm_path(spec_.vg, spec_.pool),
                    merge_daemon_json(view(existing), config, on_conflict_of(spec_)))};
    }

    std::vector<ConsumerFile> removals(const FileWriter& writer) const override {
        const auto existing = writer.read(spec_.daemon_json);
        if (!existing)
            return {};
        return {file_of(
            spec_.daemon_json, "",
            remove_from_daemon_json(
                *existing, docker_devicemapper_config(spec_.vg, spec_.pool, KernelDecision{})))};
    }

    std::vector<std::string> decisions() const override {
        return {choice_.reason, kernel_decision(spec_).reason};
    }

    std::vector<std::string> warnings() const override {
        const auto advice = check_docker_version(
            choice_.version ? std::optional<std::string_view>(*choice_.version) : std::nullopt);
        if (advice.support == DockerSupport::supported)
            return {};
        return {advice.message};
    }

  private:
    const ThinPoolSpec& spec_;
    DockerStorageChoice choice_;
};

/// Docker 25 and later: containerd's image store, whose devmapper snapshotter is configured in
/// the system containerd's config.toml.
class DockerSnapshotter final : public ConsumerUnit {
  public:
    DockerSnapshotter(const ThinPoolSpec& spec, std::string reason)
        : spec_(spec), section_(devmapper_section(spec)), reason_(std::move(reason)) {}

    std::string name() const override {
        return "Docker 25 and later on containerd's devmapper snapshotter";
    }

    std::vector<std::string> paths() const override {
        return {spec_.containerd_config, spec_.daemon_json};
    }

    std::vector<ConsumerFile> files(const FileWriter& writer) const override {
        const auto existing = writer.read(spec_.daemon_json);
        const DockerSnapshotterConfig config{dm_path(spec_.vg, spec_.pool)};
        return {
            containerd_file(spec_, section_, writer),
            file_of(spec_.daemon_json,
                    "storage-driver devmapper, features.containerd-snapshotter (containerd's "
                    "image store)",
                    merge_daemon_json_snapshotter(view(existing), config, on_conflict_of(spec_)))};
    }

    std::vector<ConsumerFile> removals(const FileWriter& writer) const override {
        std::vector<ConsumerFile> out;
        if (const auto existing = writer.read(spec_.daemon_json))
            out.push_back(
                file_of(spec_.daemon_json, "", remove_snapshotter_from_daemon_json(*existing)));
        if (auto containerd = containerd_removal(spec_, section_, writer))
            out.push_back(std::move(*containerd));
        return out;
    }

    std::vector<std::string> decisions() const override { return {reason_}; }

  private:
    const ThinPoolSpec& spec_;
    ContainerdDevmapperConfig section_;
    std::string reason_;
};

/// containerd alone (optionally the CRI plugin's default snapshotter).
class Containerd final : public ConsumerUnit {
  public:
    explicit Containerd(const ThinPoolSpec& spec)
        : spec_(spec), section_(devmapper_section(spec)) {}

    std::string name() const override { return "containerd's devmapper snapshotter"; }

    std::vector<std::string> paths() const override { return {spec_.containerd_config}; }

    std::vector<ConsumerFile> files(const FileWriter& writer) const override {
        return {containerd_file(spec_, section_, writer)};
    }

    std::vector<ConsumerFile> removals(const FileWriter& writer) const override {
        std::vector<ConsumerFile> out;
        if (auto containerd = containerd_removal(spec_, section_, writer))
            out.push_back(std::move(*containerd));
        return out;
    }

  private:
    const ThinPoolSpec& spec_;
    ContainerdDevmapperConfig section_;
};

// The merges note every edit; the plan repeats only those a reader must know about (replaced
// or dropped settings, an added version line), not the additions the step itself describes.
bool is_routine_edit(const std::string& note) {
    for (const char* prefix : {"create ", "set storage-driver", "added storage-opts", "add [",
                               "set features.", "make devmapper the CRI default", "[plugins"})
        if (note.rfind(prefix, 0) == 0)
            return true;
    return false;
}

std::string shown_path(const FileWriter& writer, const std::string& path) {
    return (writer.root().path() == "/" ? "" : writer.root().path()) + path;
}

/// The daemon.json under the target root already names containerd's devmapper snapshotter (a
/// setup in this mode made it): status and teardown keep to that mode when no dockerd answers.
bool daemon_json_uses_snapshotter(const ThinPoolSpec& spec) {
    try {
        const auto text = FileWriter{TargetRoot(spec.target_root)}.read(spec.daemon_json);
        if (!text)
            return false;
        const auto doc =
            lvmkit::internal::load_json_object(std::string_view(*text), "daemon.json").value;
        const auto driver = doc.find("storage-driver");
        const auto features = doc.find("features");
        if (driver == doc.end() || *driver != "devmapper" || features == doc.end() ||
            !features->is_object())
            return false;
        const auto flag = features->find("containerd-snapshotter");
        return flag != features->end() && *flag == true;
    } catch (const Error&) {
        return false;  // the merge itself reports what is wrong with the file
    }
}

}  // namespace

DockerStorageChoice choose_docker_storage(const ThinPoolSpec& spec) {
    auto with_version = [](DockerStorageChoice choice, const std::string& version) {
        choice.version = version;
        return choice;
    };
    constexpr const char* kMode25 =
        ": containerd's image store with its devmapper snapshotter (daemon.json and ";
    auto snapshotter = [&](const std::string& why) {
        return DockerStorageChoice{DockerStorage::snapshotter,
                                   "Docker storage: snapshotter mode" + std::string(kMode25) +
                                       spec.containerd_config + "), " + why,
                                   std::nullopt};
    };
    auto devicemapper = [](const std::string& why) {
        return DockerStorageChoice{
            DockerStorage::devicemapper,
            "Docker storage: devicemapper graph driver (daemon.json), " + why, std::nullopt};
    };
    if (spec.docker_storage == DockerStorage::snapshotter)
        return snapshotter("as asked");
    if (spec.docker_storage == DockerStorage::devicemapper)
        return devicemapper("as asked");
    auto by_version = [&](const std::string& version, const std::string& source) {
        const auto advice = check_docker_version(version);
        if (advice.support == DockerSupport::removed)
            return snapshotter("because Docker " + version + " (" + source +
                               ") is 25 or later, which has no devicemapper graph driver");
        if (advice.support == DockerSupport::unknown)
            return devicemapper("because Docker version '" + version + "' (" + source +
                                ") is not understood; pass --docker-storage to choose");
        return devicemapper("because Docker " + version + " (" + source + ") is older than 25");
    };
    if (spec.docker_version)
        return with_version(by_version(*spec.docker_version, "as given"), *spec.docker_version);
    if (const auto found = find_installed_docker(spec.target_root))
        return with_version(by_version(found->version, "found in " + found->source),
                            found->version);
    if (daemon_json_uses_snapshotter(spec))
        return snapshotter("because " + spec.daemon_json +
                           " already uses it and no Docker was found in " + spec.target_root);
    return devicemapper("because no Docker was found in " + spec.target_root +
                        " (the seed procedure's configuration; pass --docker-storage snapshotter "
                        "for Docker 25 and later)");
}

std::unique_ptr<ConsumerUnit> consumer_unit(const ThinPoolSpec& spec) {
    switch (spec.consumer) {
        case Consumer::docker: {
            auto choice = choose_docker_storage(spec);
            if (choice.mode == DockerStorage::snapshotter)
                return std::make_unique<DockerSnapshotter>(spec, std::move(choice.reason));
            return std::make_unique<DockerDevicemapper>(spec, std::move(choice));
        }
        case Consumer::containerd:
            return std::make_unique<Containerd>(spec);
        case Consumer::none:
            break;
    }
    return nullptr;
}

std::vector<ConsumerFile> consumer_files(const ThinPoolSpec& spec, const FileWriter& writer) {
    const auto unit = consumer_unit(spec);
    return unit ? unit->files(writer) : std::vector<ConsumerFile>{};
}

void add_consumer_step(const ThinPoolSpec& spec, const FileWriter& writer, Plan& plan) {
    const auto unit = consumer_unit(spec);
    if (!unit)
        return;
    check_consumer_paths(*unit, writer);
    const auto files = unit->files(writer);
    std::string description;
    bool done = true;
    for (const auto& file : files) {
        if (file.changed)
            lvmkit::internal::check_writable(writer.root().resolve(file.path), file.content.size());
        done = done && !file.changed;
        description += std::string(description.empty() ? "Write " : "; write ") +
                       shown_path(writer, file.path) + ": " + file.what;
        for (const auto& note : file.notes)
            if (!is_routine_edit(note))
                plan.decisions.push_back(file.path + ": " + note);
    }
    plan.steps.push_back(Step{StepKind::write_daemon_config, description, done});
    const auto decisions = unit->decisions();
    plan.decisions.insert(plan.decisions.begin(), decisions.begin(), decisions.end());
    for (auto& warning : unit->warnings())
        plan.warnings.push_back(std::move(warning));
}

void check_consumer_paths(const ConsumerUnit& unit, const FileWriter& writer) {
    for (const auto& path : unit.paths()) {
        // Symlinks followed inside the root, as a read would reach them (the read itself refuses
        // a symlink it was not asked to follow); resolve() names a FIFO or a device where a
        // directory belongs.
        lvmkit::internal::check_regular_file(writer.root().resolve(path, true), "preflight");
        lvmkit::internal::check_regular_file(writer.root().resolve(default_backup_path(path), true),
                                             "preflight");
    }
}

void remove_consumer_entries(const ConsumerUnit& unit, const FileWriter& writer) {
    for (const auto& file : unit.removals(writer))
        if (file.changed)
            writer.write(file.path, file.content);
}

std::vector<std::string> consumer_agreement(const ThinPoolSpec& spec, bool& all_agree) {
    const FileWriter writer{TargetRoot(spec.target_root)};
    std::vector<std::string> out;
    all_agree = true;
    std::vector<ConsumerFile> files;
    try {
        files = consumer_files(spec, writer);
    } catch (const Error& error) {
        // A file lvmkit would refuse to merge (another pool, a version-1 config) disagrees.
        all_agree = false;
        return {std::string("the runtime configuration does not point at this pool: ") +
                error.what()};
    }
    for (const auto& file : files) {
        all_agree = all_agree && !file.changed;
        out.push_back(shown_path(writer, file.path) +
                      (file.changed ? ": does not point at this pool" : ": points at this pool"));
    }
    return out;
}

}  // namespace lvmkit::setup::internal
