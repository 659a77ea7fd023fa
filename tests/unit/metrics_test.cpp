// prometheus_text(): status() in Prometheus' text format, one series per figure, labels escaped.
#include "lvmkit/metrics.hpp"

#include <string>

#include "catch_compat.hpp"

using namespace lvmkit;
using namespace lvmkit::setup;

namespace {

PoolStatus sample_status() {
    PoolStatus status;
    status.exists = true;
    status.mode = "out_of_data_space";
    status.data_used = Bytes::MiB(968);
    status.data_total = Bytes::MiB(968);
    status.metadata_used = Bytes::KiB(852);
    status.metadata_total = Bytes::MiB(8);
    status.monitored = true;
    status.when_full = "queue";
    status.autoextend_threshold = 80;
    status.autoextend_percent = 20;
    status.headroom.autoextend_enabled = true;
    status.headroom.data_steps_possible = 0;
    status.vg_free = Bytes::MiB(36);
    status.contents.read = true;
    status.contents.thin_devices = 3;
    status.contents.unknown_thin_ids = {1, 2};
    status.config_agreement = {"/etc/docker/daemon.json: points at this pool",
                               "/etc/containerd/config.toml: does not point at this pool"};
    return status;
}

bool has(const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("metrics: every figure of status as a Prometheus gauge", "[metrics]") {
    ThinPoolSpec spec;
    const std::string text = prometheus_text(spec, sample_status());
    INFO(text);
    const std::string l = "{vg=\"docker\",pool=\"thinpool\"";
    CHECK(has(text, "lvmkit_pool_exists" + l + "} 1"));
    CHECK(has(text, "lvmkit_pool_data_used_bytes" + l + "} 1015021568"));
    CHECK(has(text, "lvmkit_pool_data_size_bytes" + l + "} 1015021568"));
    CHECK(has(text, "lvmkit_pool_metadata_used_bytes" + l + "} 872448"));
    CHECK(has(text, "lvmkit_pool_metadata_size_bytes" + l + "} 8388608"));
    CHECK(has(text, "lvmkit_pool_mode" + l + ",mode=\"out_of_data_space\"} 1"));
    CHECK(has(text, "lvmkit_pool_mode" + l + ",mode=\"rw\"} 0"));
    CHECK(has(text, "lvmkit_pool_needs_check" + l + "} 0"));
    CHECK(has(text, "lvmkit_pool_monitored" + l + "} 1"));
    CHECK(has(text, "lvmkit_pool_when_full" + l + ",when_full=\"queue\"} 1"));
    CHECK(has(text, "lvmkit_pool_autoextend_threshold_percent" + l + "} 80"));
    CHECK(has(text, "lvmkit_pool_autoextend_steps" + l + "} 0"));
    CHECK(has(text, "lvmkit_pool_vg_free_bytes" + l + "} 37748736"));
    CHECK(has(text, "lvmkit_pool_thin_devices" + l + "} 3"));
    CHECK(has(text, "lvmkit_pool_thin_devices_unknown_to_lvm" + l + "} 2"));
    CHECK(has(text, "lvmkit_pool_config_agrees" + l + ",file=\"/etc/docker/daemon.json\"} 1"));
    CHECK(has(text, "lvmkit_pool_config_agrees" + l + ",file=\"/etc/containerd/config.toml\"} 0"));
    // One HELP and TYPE line per family, before its series.
    CHECK(text.find("# TYPE lvmkit_pool_mode gauge") != std::string::npos);
    CHECK(text.find("# TYPE lvmkit_pool_mode gauge",
                    text.find("# TYPE lvmkit_pool_mode gauge") + 1) == std::string::npos);
    CHECK(text.find("lvmkit_pool_metrics_timestamp_seconds") != std::string::npos);
}

TEST_CASE("metrics: a missing pool says so and nothing else but the time", "[metrics]") {
    ThinPoolSpec spec;
    const std::string text = prometheus_text(spec, PoolStatus{});
    CHECK(has(text, "lvmkit_pool_exists{vg=\"docker\",pool=\"thinpool\"} 0"));
    CHECK(text.find("lvmkit_pool_data_size_bytes") == std::string::npos);
}
