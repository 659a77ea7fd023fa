// Command-line parsing with CLI11, into lvmkit's validated types; exit codes and error texts.
#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <sstream>

#include "lvmkit/docker_config.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/names.hpp"
#include "lvmkit/profile.hpp"
#include "lvmkit/size.hpp"
#include "lvmkit/version.hpp"

namespace lvmkit_docker {
namespace {

using lvmkit::Errc;
using lvmkit::setup::ThinPoolSpec;

// Raw option text, converted after CLI11 is done so every conversion error names its option.
struct RawOptions {
    std::vector<std::string> devices;
    std::string vg = "docker";
    std::string pool = "thinpool";
    std::string data = "95%VG";
    std::string meta = "1%VG";
    std::string chunk = "512K";
    std::string layout = "seed";
    std::string when_full = "queue";
    // Set after parsing: the option was on the command line (not its default).
    bool data_given = false, meta_given = false, chunk_given = false;
    bool zero = false;
    unsigned threshold = 80;
    unsigned percent = 20;
    std::string profile = "docker-thinpool";
    bool no_monitor = false;
    bool wipe = false;
    std::string daemon_json = "/etc/docker/daemon.json";
    std::string docker_data_root = "/var/lib/docker";
    std::string containerd_config;
    bool no_docker_config = false;
    std::string deferred = "auto";
    std::string root = "/";
    bool backup_graph_dir = false;
    bool existing_vg = false;
    std::string docker_version;
    std::string docker_storage;
    bool cri_default = false;
    bool replace_config = false;
    unsigned watch = 0;
    std::string config_part = "all";
};

const char* const kExitCodesText =
    "Exit codes:\n"
    "  0  done, or nothing to do\n"
    "  1  failed; everything this run created was removed again\n"
    "  2  bad command line: unknown option, bad or out-of-range value, values that contradict\n"
    "     each other, no --device (nothing read or touched)\n"
    "  3  refused before any change, after looking at this machine (devices, VG, pool, config\n"
    "     files, kernel, root), or the answer was no\n"
    "  4  failed and could not undo everything; the message lists what is left\n";

void add_identity_options(CLI::App& app, RawOptions& raw) {
    app.add_option("--vg", raw.vg, "Volume group name")->capture_default_str();
    app.add_option("--pool", raw.pool, "Thin pool LV name")->capture_default_str();
    app.add_option("--profile", raw.profile, "LVM metadata profile name")->capture_default_str();
    app.add_option("--root", raw.root, "Write/read config files below this directory")
        ->capture_default_str();
    app.add_option("--daemon-json", raw.daemon_json, "Docker's daemon.json (inside --root)")
        ->capture_default_str();
    app.add_option("--docker-data-root", raw.docker_data_root,
                   "Docker's data root (inside --root): its devicemapper metadata names the "
                   "thin devices a Docker <= 24 left")
        ->capture_default_str();
    app.add_option("--containerd-config", raw.containerd_config,
                   "Configure containerd's devmapper snapshotter in this config.toml instead of "
                   "Docker (with --docker-storage snapshotter: the system containerd Docker "
                   "uses; default /etc/containerd/config.toml)");
    app.add_option("--docker-storage", raw.docker_storage,
                   "snapshotter (Docker >= 25: containerd's image store, daemon.json + "
                   "containerd's config.toml) or devicemapper (graph driver, Docker <= 24); "
                   "default: from --docker-version, else the dockerd installed in --root")
        ->check(CLI::IsMember({"snapshotter", "devicemapper"}));
    app.add_flag("--cri-default", raw.cri_default,
                 "Make devmapper the default snapshotter of containerd's CRI plugin "
                 "(Kubernetes nodes)");
    app.add_flag("--no-docker-config", raw.no_docker_config,
                 "Write no daemon config (only the pool and its profile)");
}

void add_pool_options(CLI::App& app, RawOptions& raw) {
    app.add_option("--data", raw.data,
                   "Data LV size: N%VG, N%FREE, N%PVS (of the free space on the --device "
                   "devices) or a size like 20G")
        ->capture_default_str();
    app.add_option("--meta", raw.meta, "Metadata LV size: N%VG or a size like 1G")
        ->capture_default_str();
    app.add_option("--chunk", raw.chunk, "Pool chunk size (64K..1G, multiple of 64K)")
        ->capture_default_str();
    app.add_option("--layout", raw.layout,
                   "seed: --data/--meta as given (metadata capped at 15.81 GiB); recommended: "
                   "metadata from LVM's estimate x8, room kept for autoextend, chunk by LVM's "
                   "policy unless --chunk")
        ->check(CLI::IsMember({"seed", "recommended"}))
        ->capture_default_str();
    app.add_option("--when-full", raw.when_full,
                   "When the pool's data is full: queue writes (60 s grace for autoextend) or "
                   "error them at once (LVM --errorwhenfull)")
        ->check(CLI::IsMember({"queue", "error"}))
        ->capture_default_str();
    app.add_flag("--zero,!--no-zero", raw.zero, "Zero new blocks (default: --no-zero)");
    app.add_option("--autoextend-threshold", raw.threshold,
                   "Autoextend when this full, in percent (50..100; 100 = off)")
        ->capture_default_str();
    app.add_option("--autoextend-percent", raw.percent, "Grow by this percent each time")
        ->capture_default_str();
    app.add_flag("--no-monitor", raw.no_monitor,
                 "Do not register the pool with dmeventd (autoextend will never happen)");
    app.add_option("--kernel-deferred-deletion", raw.deferred,
                   "Write dm.use_deferred_deletion: yes, no, or auto (kernel >= 3.18)")
        ->check(CLI::IsMember({"yes", "no", "auto"}))
        ->capture_default_str();
    app.add_option("--docker-version", raw.docker_version,
                   "Docker version that will use the pool: 25 and later get the snapshotter "
                   "mode, older the devicemapper graph driver");
    app.add_flag("--replace-config", raw.replace_config,
                 "Replace another storage driver or pool in the existing daemon config");
}

void add_device_options(CLI::App& app, RawOptions& raw) {
    app.add_option("--device", raw.devices, "Block device for the VG (repeatable)")
        ->type_name("DEV");
    app.add_flag("--existing-vg", raw.existing_vg, "Take the pool's space from the existing VG");
    app.add_flag("--wipe-signatures", raw.wipe,
                 "Allow erasing filesystem/partition signatures on the devices");
    app.add_flag("--backup-graph-dir", raw.backup_graph_dir,
                 "Move /var/lib/docker/* to /var/lib/docker.backup/ (Docker must be stopped)");
}

void add_output_options(CLI::App& app, Invocation& inv) {
    app.add_flag("--json", inv.json, "Print one JSON document on stdout and nothing else");
    app.add_flag("-q,--quiet", inv.quiet, "Print only errors (and the result with --json)");
    // A callback, not a bound int: every subcommand has this flag on the same variable, and
    // CLI11 2.4 (Debian 13) resets a bound int from each subcommand the command line did not use.
    app.add_flag_function(
        "-v,--verbose", [&inv](std::int64_t count) { inv.verbosity = static_cast<int>(count); },
        "Show lvmkit's log (-vv: debug)");
}

std::string usage_error(const std::string& option, const lvmkit::Error& e) {
    return option + ": " + e.message() + (e.object().empty() ? "" : " (" + e.object() + ")");
}

lvmkit::setup::DeferredDeletionChoice deferred_choice(const std::string& text) {
    if (text == "yes")
        return lvmkit::setup::DeferredDeletionChoice::enable;
    if (text == "no")
        return lvmkit::setup::DeferredDeletionChoice::disable;
    return lvmkit::setup::DeferredDeletionChoice::automatic;
}

ConfigPart config_part(const std::string& text) {
    if (text == "daemon-json")
        return ConfigPart::daemon_json;
    if (text == "profile")
        return ConfigPart::profile;
    if (text == "containerd")
        return ConfigPart::containerd;
    return ConfigPart::all;
}

// Converts the raw text into the spec; throws CLI::ValidationError naming the option.
template <typename Convert>
auto convert(const std::string& option, Convert&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const lvmkit::Error& e) {
        throw CLI::ValidationError(usage_error(option, e));
    }
}

// --containerd-config alone: containerd; with --docker-storage snapshotter: the system containerd
// of Docker's snapshotter mode.
void set_consumer(const RawOptions& raw, ThinPoolSpec& spec) {
    using lvmkit::setup::Consumer;
    using lvmkit::setup::DockerStorage;
    if (raw.docker_storage == "snapshotter")
        spec.docker_storage = DockerStorage::snapshotter;
    if (raw.docker_storage == "devicemapper")
        spec.docker_storage = DockerStorage::devicemapper;
    if (!raw.docker_storage.empty() && raw.no_docker_config)
        throw CLI::ValidationError("--docker-storage: contradicts --no-docker-config");
    if (raw.docker_storage == "devicemapper" && !raw.containerd_config.empty())
        throw CLI::ValidationError(
            "--docker-storage: devicemapper writes no containerd config; drop --containerd-config "
            "or use --docker-storage snapshotter");
    if (!raw.containerd_config.empty())
        spec.containerd_config = raw.containerd_config;
    if (!raw.containerd_config.empty() && raw.docker_storage.empty())
        spec.consumer = Consumer::containerd;
    else if (raw.no_docker_config)
        spec.consumer = Consumer::none;
    if (raw.cri_default && spec.consumer == Consumer::none)
        throw CLI::ValidationError(
            "--cri-default: needs containerd's config.toml, which "
            "--no-docker-config does not write");
    if (raw.cri_default && spec.docker_storage == DockerStorage::devicemapper)
        throw CLI::ValidationError(
            "--cri-default: the devicemapper graph driver writes no containerd config");
    spec.cri_default_snapshotter = raw.cri_default;
}

// Every value is checked here with the library's own rules, so a bad value is a usage error
// (exit 2) naming its option, whichever command it is given to.
ThinPoolSpec to_spec(const RawOptions& raw) {
    ThinPoolSpec spec;
    spec.devices = raw.devices;
    spec.use_existing_vg = raw.existing_vg;
    spec.vg = convert("--vg", [&] { return lvmkit::VgName(raw.vg); });
    spec.pool = convert("--pool", [&] { return lvmkit::LvName(raw.pool); });
    spec.data_size = convert("--data", [&] { return lvmkit::parse_size_spec(raw.data); });
    spec.metadata_size = convert("--meta", [&] {
        const auto size = lvmkit::parse_size_spec(raw.meta);
        if (const auto* bytes = std::get_if<lvmkit::Bytes>(&size))
            lvmkit::lvm::check_metadata_size(*bytes);
        return size;
    });
    spec.chunk_size = convert("--chunk", [&] {
        const auto chunk = lvmkit::parse_bytes(raw.chunk);
        lvmkit::lvm::check_chunk_size(chunk);
        return chunk;
    });
    spec.layout = raw.layout == "recommended" ? lvmkit::setup::Layout::recommended
                                              : lvmkit::setup::Layout::seed;
    if (spec.layout == lvmkit::setup::Layout::recommended && (raw.data_given || raw.meta_given))
        throw CLI::ValidationError(
            "--layout recommended sizes the data and metadata itself; drop --data/--meta, or use "
            "--layout seed");
    spec.fixed_chunk_size = raw.chunk_given;
    spec.when_full =
        raw.when_full == "error" ? lvmkit::setup::WhenFull::error : lvmkit::setup::WhenFull::queue;
    spec.zero = raw.zero;
    spec.profile_name =
        convert("--profile", [&] { return lvmkit::lvm::ProfileName(raw.profile).str(); });
    // One field at a time, the other at its valid default, so the message names the option.
    spec.autoextend_threshold = convert("--autoextend-threshold", [&] {
        lvmkit::LvmProfile profile;
        profile.autoextend_threshold = raw.threshold;
        lvmkit::validate(profile);
        return raw.threshold;
    });
    spec.autoextend_percent = convert("--autoextend-percent", [&] {
        lvmkit::LvmProfile profile;
        profile.autoextend_percent = raw.percent;
        lvmkit::validate(profile);
        return raw.percent;
    });
    spec.monitor = !raw.no_monitor;
    spec.wipe_signatures = raw.wipe;
    spec.daemon_json = raw.daemon_json;
    spec.graph_dir = raw.docker_data_root;
    set_consumer(raw, spec);
    spec.deferred_deletion = deferred_choice(raw.deferred);
    if (!raw.docker_version.empty()) {
        // Every command, `config` and `status` too: a misread version picks the wrong daemon.json.
        if (!lvmkit::parse_docker_version(raw.docker_version))
            throw CLI::ValidationError(
                "--docker-version", "'" + raw.docker_version +
                                        "' is not a Docker version lvmkit can read: give it as " +
                                        lvmkit::kDockerVersionForms);
        spec.docker_version = raw.docker_version;
    }
    spec.replace_conflicting_config = raw.replace_config;
    spec.target_root = raw.root;
    spec.backup_graph_dir = raw.backup_graph_dir;
    return spec;
}

struct Subcommands {
    CLI::App* plan;
    CLI::App* setup;
    CLI::App* status;
    CLI::App* teardown;
    CLI::App* config;
    CLI::App* grow;
    CLI::App* metrics;
    CLI::App* cleanup;
};

Subcommands add_subcommands(CLI::App& app, RawOptions& raw, Invocation& inv) {
    Subcommands s{};
    s.plan = app.add_subcommand("plan", "Show what setup would do; changes nothing");
    s.setup = app.add_subcommand("setup",
                                 "Turn devices into a monitored LVM thin pool and "
                                 "configure Docker or containerd");
    s.status = app.add_subcommand("status", "Show a pool's usage, mode, monitoring, headroom");
    s.teardown = app.add_subcommand("teardown",
                                    "Remove the pool, VG, PV labels, profile and "
                                    "lvmkit's daemon config entries");
    s.config = app.add_subcommand("config",
                                  "Print daemon.json / profile / containerd section; "
                                  "touches no disk");
    s.grow = app.add_subcommand("grow",
                                "Add devices to the pool's VG (probed as setup probes them) and "
                                "grow the pool's data and metadata");
    s.metrics = app.add_subcommand(
        "metrics", "The pool's figures in Prometheus' text format (node_exporter's textfile)");
    s.cleanup = app.add_subcommand(
        "cleanup-leftovers",
        "Delete the thin devices Docker's devicemapper graph driver (Docker <= 24) left in the "
        "pool, and nothing else");
    for (CLI::App* sub :
         {s.plan, s.setup, s.teardown, s.status, s.config, s.grow, s.metrics, s.cleanup}) {
        add_identity_options(*sub, raw);
        add_output_options(*sub, inv);
    }
    // teardown too: it removes the LVM profile only when it is the one these options write.
    for (CLI::App* sub : {s.plan, s.setup, s.teardown, s.config, s.grow})
        add_pool_options(*sub, raw);
    for (CLI::App* sub : {s.plan, s.setup, s.teardown, s.grow})
        add_device_options(*sub, raw);
    s.grow->add_flag("-y,--yes", inv.yes, "Do not ask for confirmation (needed without a tty)");
    s.grow->add_flag("--dry-run", inv.dry_run, "Show the grow's plan and sizes; change nothing");
    s.grow->footer(std::string("Examples:\n"
                               "  lvmkit-docker grow --device /dev/sdc --dry-run\n"
                               "  lvmkit-docker grow --device /dev/sdc --yes\n"
                               "  lvmkit-docker grow --yes      # into the VG's free space\n\n") +
                   kExitCodesText);
    s.metrics
        ->add_option("--output", inv.metrics_output,
                     "Write atomically to this file (e.g. /var/lib/prometheus/node-exporter/"
                     "lvmkit.prom) instead of stdout")
        ->type_name("FILE");
    s.metrics->footer(
        std::string("Examples:\n"
                    "  lvmkit-docker metrics\n"
                    "  lvmkit-docker metrics --output "
                    "/var/lib/prometheus/node-exporter/lvmkit.prom\n\n"
                    "Exit codes: 0 written (also for a missing pool: "
                    "lvmkit_pool_exists 0), 1 the state or the file failed, 2 "
                    "usage error.\n"));
    s.cleanup->add_flag("-y,--yes", inv.yes, "Do not ask for confirmation (needed without a tty)");
    s.cleanup->add_flag("--dry-run", inv.dry_run, "List what would be deleted; change nothing");
    s.cleanup->add_flag("--force", inv.force,
                        "Delete them even while daemon.json selects the devicemapper graph "
                        "driver or some are active (they are deactivated first)");
    s.cleanup->footer(
        std::string("Only ids Docker's metadata (<data root>/devicemapper/metadata) names and "
                    "neither LVM nor containerd's snapshotter database does are deleted; every "
                    "other id is listed and kept.\n\nExamples:\n"
                    "  lvmkit-docker cleanup-leftovers --dry-run\n"
                    "  lvmkit-docker cleanup-leftovers --yes\n\n") +
        kExitCodesText);
    s.setup->add_flag("-y,--yes", inv.yes, "Do not ask for confirmation (needed without a tty)");
    s.teardown->add_flag("-y,--yes", inv.yes, "Do not ask for confirmation");
    s.teardown->add_flag("--force", inv.force, "Remove the pool even while it has thin volumes");
    s.status->add_option("--watch", raw.watch, "Refresh every N seconds until interrupted")
        ->check(CLI::Range(1u, 3600u));
    s.config
        ->add_option("--print", raw.config_part,
                     "What to print: all, daemon-json, profile, containerd")
        ->check(CLI::IsMember({"all", "daemon-json", "profile", "containerd"}))
        ->capture_default_str();

    s.plan->footer(std::string("Examples:\n"
                               "  lvmkit-docker plan --device /dev/sdb\n"
                               "  lvmkit-docker plan --device /dev/sdb --json\n\n") +
                   kExitCodesText);
    s.setup->footer(std::string("Examples:\n"
                                "  lvmkit-docker setup --device /dev/sdb\n"
                                "  lvmkit-docker setup --device /dev/sdb --device /dev/sdc --yes\n"
                                "  lvmkit-docker setup --device /dev/sdb --containerd-config "
                                "/etc/containerd/config.toml --yes\n"
                                "  lvmkit-docker setup --device /dev/sdb --docker-storage "
                                "snapshotter --yes\n"
                                "  lvmkit-docker setup --device /dev/sdb --containerd-config "
                                "/etc/containerd/config.toml --cri-default --yes\n"
                                "  lvmkit-docker setup --device /dev/vdb --root /mnt/sysimage "
                                "--yes --json\n\n") +
                    kExitCodesText);
    s.status->footer(
        std::string("Examples:\n"
                    "  lvmkit-docker status\n"
                    "  lvmkit-docker status --vg docker --pool thinpool --json\n"
                    "  lvmkit-docker status --watch 5\n\n"
                    "Exit codes: 0 the pool exists, 1 it does not or can not be "
                    "read, 2 usage error.\n"));
    s.teardown->footer(std::string("Examples:\n"
                                   "  lvmkit-docker teardown --device /dev/sdb\n"
                                   "  lvmkit-docker teardown --vg docker --device /dev/sdb --yes\n"
                                   "  lvmkit-docker teardown --vg shared --existing-vg --yes\n\n") +
                       kExitCodesText);
    s.config->footer(
        std::string("Examples:\n"
                    "  lvmkit-docker config\n"
                    "  lvmkit-docker config --print daemon-json "
                    "--kernel-deferred-deletion no\n"
                    "  lvmkit-docker config --print containerd --containerd-config "
                    "/etc/containerd/config.toml\n"));
    return s;
}

// The option a refusal of setup::check_spec() is about, from the value it names.
std::string option_for(const lvmkit::Error& e) {
    const std::string& object = e.object();
    auto starts = [&](const char* prefix) { return object.rfind(prefix, 0) == 0; };
    if (starts("data size"))
        return "--data";
    if (starts("metadata size"))
        return "--meta";
    if (starts("data "))
        return "--data, --meta";  // "data 95%VG + metadata 6%VG"
    if (starts("device"))
        return "--device";
    if (starts("target root"))
        return "--root";
    if (starts("daemon.json path"))
        return "--daemon-json";
    if (starts("containerd config path"))
        return "--containerd-config";
    if (starts("Docker version"))
        return "--docker-version";
    if (e.operation() == "validate LV name")
        return "--pool";  // `<pool>meta`, the metadata LV's name
    return "options";
}

// Runs the spec check plan, setup and teardown start with, while parsing: whatever it refuses is
// a bad command line (2), never a refusal after looking at the machine (3).
void check_whole_spec(const ThinPoolSpec& spec) {
    try {
        lvmkit::setup::check_spec(spec);
    } catch (const lvmkit::Error& e) {
        throw CLI::ValidationError(usage_error(option_for(e), e));
    }
}

Command chosen(const Subcommands& s) {
    if (s.setup->parsed())
        return Command::setup;
    if (s.status->parsed())
        return Command::status;
    if (s.teardown->parsed())
        return Command::teardown;
    if (s.config->parsed())
        return Command::config;
    if (s.grow->parsed())
        return Command::grow;
    if (s.metrics->parsed())
        return Command::metrics;
    if (s.cleanup->parsed())
        return Command::cleanup;
    return Command::plan;
}

// Which size options the user typed: the recommended layout picks the others itself.
void note_given_sizes(const Subcommands& s, RawOptions& raw) {
    for (const CLI::App* sub : {s.plan, s.setup, s.config, s.grow}) {
        if (!sub->parsed())
            continue;
        raw.data_given = sub->count("--data") > 0;
        raw.meta_given = sub->count("--meta") > 0;
        raw.chunk_given = sub->count("--chunk") > 0;
    }
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv) {
    CLI::App app{
        "lvmkit-docker: an LVM thin pool for Docker or containerd, set up in-process "
        "with rollback",
        "lvmkit-docker"};
    app.set_version_flag("--version", std::string("lvmkit-docker ") + lvmkit::kVersion);
    app.require_subcommand(1);
    app.footer(kExitCodesText);
    RawOptions raw;
    Invocation inv;
    const Subcommands subs = add_subcommands(app, raw, inv);

    ParseOutcome outcome;
    std::ostringstream out;
    std::ostringstream err;
    try {
        app.parse(argc, argv);
        inv.command = chosen(subs);
        note_given_sizes(subs, raw);
        inv.spec = to_spec(raw);
        // grow takes the pool's VG as it is: no device is needed to grow into its free space.
        if (inv.command == Command::grow)
            inv.spec.use_existing_vg = true;
        if (inv.command == Command::plan || inv.command == Command::setup ||
            inv.command == Command::teardown || inv.command == Command::grow)
            check_whole_spec(inv.spec);
        if (raw.watch > 0)
            inv.watch = raw.watch;
        inv.config_part = config_part(raw.config_part);
        outcome.invocation = inv;
        return outcome;
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e, out, err);
        outcome.exit_code = code == 0 ? kExitOk : kExitUsage;
        outcome.out = out.str();
        outcome.err = err.str();
        return outcome;
    }
}

int exit_code_for(const lvmkit::Error& error, bool changed_anything) {
    if (error.errc() == Errc::rollback_incomplete)
        return kExitRollbackIncomplete;
    const std::string& op = error.operation();
    if (op == "check spec")
        return kExitUsage;  // the parser runs the same check; a bad command line either way
    if (!changed_anything || op == "preflight")
        return kExitRefused;
    return kExitFailed;
}

std::string hint_for(const lvmkit::Error& error) {
    // "is a FIFO (named pipe), not a regular file": a path that names the wrong kind of file.
    const std::string& message = error.message();
    if (message.find(", not a regular file") != std::string::npos ||
        message.find(", not a directory") != std::string::npos)
        return "point --root at a directory and --daemon-json/--containerd-config at regular "
               "files (or at nothing yet), or move what is there away";
    switch (error.errc()) {
        case Errc::permission_denied:
            return error.message().find("read-only") != std::string::npos
                       ? "remount it read-write, or point --root/--daemon-json elsewhere"
                       : "run it as root";
        case Errc::has_signatures:
            return "check the device is the one you mean; --wipe-signatures allows erasing them";
        case Errc::device_in_use:
            return "unmount it, stop what holds it, or pick another device (lsblk shows holders)";
        case Errc::unsupported:
            return "install the missing package or load the module, then run the same command";
        case Errc::insufficient_space:
            return "use a larger device, add another --device, or give smaller --data/--meta";
        case Errc::mismatch:
            return "the existing pool differs from the options; run `lvmkit-docker status`, "
                   "then repeat with matching options or tear it down first";
        case Errc::conflict:
            return "an existing file or setting contradicts the request (for a daemon config "
                   "that uses another driver or pool, --replace-config takes it over)";
        case Errc::already_exists:
            return "pick another --vg, or use --existing-vg to take space from it";
        case Errc::busy:
            return "another lvmkit run, a container runtime or a user holds it; `lvmkit-docker "
                   "status` shows what a pool holds; try again when it is done (teardown: "
                   "--force destroys what is listed)";
        case Errc::rollback_incomplete:
            return "remove what is listed by hand (lvremove/vgremove/pvremove), then run the same "
                   "command again";
        case Errc::timeout:
            return "the run was stopped or timed out; running the same command again resumes";
        case Errc::invalid_argument:
            return "see `lvmkit-docker <command> --help` for the allowed values";
        default:
            return "run again with -v to see lvmkit's log";
    }
}

std::string describe_error(const lvmkit::Error& error) {
    std::string out = "lvmkit-docker: ";
    if (!error.operation().empty())
        out += error.operation() + " ";
    if (!error.object().empty())
        out += error.object() + ": ";
    out += error.message() + "\n";
    for (const auto& detail : error.details()) {
        std::istringstream lines(detail);
        std::string line;
        while (std::getline(lines, line))
            out += "  | " + line + "\n";
    }
    const std::string hint = hint_for(error);
    if (!hint.empty())
        out += "  hint: " + hint + "\n";
    return out;
}

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

}  // namespace lvmkit_docker
