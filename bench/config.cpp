// Benchmarks the config layer: the pure merges and renders, and the atomic writer's cost (which
// is dominated by its two fsyncs). Prints one line per figure: name, iterations, time per call.
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "lvmkit/containerd_config.hpp"
#include "lvmkit/docker_config.hpp"
#include "lvmkit/files.hpp"
#include "lvmkit/profile.hpp"

namespace {

void measure(const char* name, int iterations, const std::function<void()>& body) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i)
        body();
    const auto elapsed =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start);
    std::printf("%-44s %6d x %12.1f us\n", name, iterations, elapsed.count() / iterations);
}

std::string big_daemon_json() {
    std::string text = "{\"labels\": [";
    for (int i = 0; text.size() < (2u << 20); ++i)
        text += (i ? ",\"label-" : "\"label-") + std::to_string(i) + "=value\"";
    return text + "], \"debug\": true}";
}

}  // namespace

int main() {
    using namespace lvmkit;
    const auto docker = docker_devicemapper_config(VgName("docker"), LvName("thinpool"),
                                                   decide_deferred_deletion("6.1.0-57-amd64"));
    const std::string small = R"({"log-driver": "journald", "debug": true})";
    const std::string merged = merge_daemon_json(small, docker).text;
    const std::string big = big_daemon_json();
    const auto containerd =
        containerd_devmapper_config(VgName("containerd"), LvName("pool"), Bytes::GiB(10));
    const std::string toml = "version = 2\n[grpc]\n  address = \"/run/containerd.sock\"\n";
    const std::string toml_merged = merge_containerd_config(toml, containerd).text;
    LvmProfile profile;
    const std::string profile_text = render_profile(profile);

    measure("merge_daemon_json small", 10000, [&] { merge_daemon_json(small, docker); });
    measure("merge_daemon_json re-run (no change)", 10000,
            [&] { merge_daemon_json(merged, docker); });
    measure("merge_daemon_json 2 MiB", 10, [&] { merge_daemon_json(big, docker); });
    measure("render_profile + parse_profile", 10000,
            [&] { parse_profile(profile.name, render_profile(profile)); });
    measure("merge_containerd_config append", 1000,
            [&] { merge_containerd_config(toml, containerd); });
    measure("merge_containerd_config re-run (no change)", 1000,
            [&] { merge_containerd_config(toml_merged, containerd); });

    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp ? tmp : "/tmp") + "/lvmkit-bench-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr)
        return 1;
    FileWriter writer{TargetRoot(dir)};
    int round = 0;
    measure("FileWriter::write (new content, 2 fsyncs)", 100,
            [&] { writer.write("/etc/docker/daemon.json", merged + std::to_string(round++)); });
    measure("FileWriter::write (same content, no-op)", 1000,
            [&] { writer.write("/etc/docker/daemon.json", merged + std::to_string(round - 1)); });
    std::system(("rm -rf '" + dir + "'").c_str());
    return 0;
}
