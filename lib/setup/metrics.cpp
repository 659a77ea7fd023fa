// status() in Prometheus' text format, and its atomic write for node_exporter's textfile
// collector.
#include "lvmkit/metrics.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>

#include "lvmkit/files.hpp"

namespace lvmkit::setup {
namespace {

// Label values escape backslash, double quote and newline (the exposition format's rule).
std::string escaped(const std::string& value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

class Exposition {
  public:
    Exposition(const ThinPoolSpec& spec)
        : labels_(fmt::format("vg=\"{}\",pool=\"{}\"", escaped(spec.vg.str()),
                              escaped(spec.pool.str()))) {}

    void gauge(const char* name, const char* help, double value, const std::string& extra = {}) {
        header(name, help);
        text_ += fmt::format("{}{{{}{}}} {}\n", name, labels_, extra, value);
    }
    void flag(const char* name, const char* help, bool value, const std::string& extra = {}) {
        gauge(name, help, value ? 1 : 0, extra);
    }
    void bytes(const char* name, const char* help, Bytes value) {
        header(name, help);
        text_ += fmt::format("{}{{{}}} {}\n", name, labels_, value.count());
    }
    std::string take() { return std::move(text_); }

  private:
    void header(const char* name, const char* help) {
        if (last_ == name)
            return;  // one HELP/TYPE per family, before its first series
        last_ = name;
        text_ += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
    }

    std::string labels_;
    std::string last_;
    std::string text_;
};

constexpr std::array<const char*, 7> kModes{"rw",   "ro",    "out_of_data_space", "needs_check",
                                            "fail", "error", "inactive"};

// "PATH: points at this pool" / "PATH: does not point at this pool" / other notes.
void config_series(Exposition& out, const PoolStatus& status) {
    constexpr const char* kAgrees = ": points at this pool";
    for (const auto& line : status.config_agreement) {
        const auto colon = line.find(": ");
        if (colon == std::string::npos)
            continue;
        const bool agrees = line.size() >= std::char_traits<char>::length(kAgrees) &&
                            line.compare(colon, std::string::npos, kAgrees) == 0;
        out.flag("lvmkit_pool_config_agrees",
                 "1 when the runtime's configuration file points at this pool", agrees,
                 ",file=\"" + escaped(line.substr(0, colon)) + "\"");
    }
}

}  // namespace

std::string prometheus_text(const ThinPoolSpec& spec, const PoolStatus& status) {
    Exposition out(spec);
    out.flag("lvmkit_pool_exists", "1 when the VG has the thin pool", status.exists);
    if (status.exists) {
        out.bytes("lvmkit_pool_data_used_bytes", "Data the pool maps", status.data_used);
        out.bytes("lvmkit_pool_data_size_bytes", "The pool's data size", status.data_total);
        out.bytes("lvmkit_pool_metadata_used_bytes", "Metadata the pool uses",
                  status.metadata_used);
        out.bytes("lvmkit_pool_metadata_size_bytes", "The pool's metadata size",
                  status.metadata_total);
        for (const char* mode : kModes)
            out.flag("lvmkit_pool_mode", "1 for the pool's mode (dm status; inactive: no device)",
                     status.mode == mode, fmt::format(",mode=\"{}\"", mode));
        out.flag("lvmkit_pool_needs_check", "1 when the kernel flagged the metadata for checking",
                 status.mode == "needs_check");
        out.flag("lvmkit_pool_monitored", "1 when dmeventd monitors the pool (and runs)",
                 status.monitored);
        out.flag("lvmkit_pool_when_full", "What writes do when the data is full", true,
                 ",when_full=\"" + escaped(status.when_full) + "\"");
        out.flag("lvmkit_pool_autoextend_enabled", "1 when the profile turns autoextend on",
                 status.headroom.autoextend_enabled);
        out.gauge("lvmkit_pool_autoextend_threshold_percent",
                  "Data use at which dmeventd extends the pool (100: off)",
                  status.autoextend_threshold);
        out.gauge("lvmkit_pool_autoextend_steps",
                  "Data autoextend steps the VG's free space allows",
                  status.headroom.data_steps_possible);
        out.bytes("lvmkit_pool_vg_free_bytes", "Unallocated space in the VG", status.vg_free);
        out.gauge("lvmkit_pool_thin_devices", "Thin devices in the pool",
                  static_cast<double>(status.contents.device_count()));
        out.gauge("lvmkit_pool_thin_devices_unknown_to_lvm",
                  "Thin devices in the pool's metadata that no LVM thin LV carries (a runtime's)",
                  static_cast<double>(status.contents.unknown_thin_ids.size()));
        config_series(out, status);
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    out.gauge("lvmkit_pool_metrics_timestamp_seconds", "When lvmkit read these figures",
              static_cast<double>(now.count()));
    return out.take();
}

void write_metrics_file(const std::string& path, const std::string& text) {
    WriteOptions options;
    options.keep_backup = false;
    FileWriter().write(path, text, options);
}

}  // namespace lvmkit::setup
