// Fuzzes the daemon.json merger and its inverse: any input either refuses with an Error or gives
// text that merges again without a change (the merge is idempotent), and with `replace` a merged
// result always carries the pool.
#include "fuzz_common.hpp"
#include "lvmkit/docker_config.hpp"

namespace {

lvmkit::DockerDevicemapperConfig pool_config() {
    lvmkit::DockerDevicemapperConfig config;
    config.thinpool_device = "/dev/mapper/docker-thinpool";
    config.deferred_removal = true;
    config.deferred_deletion = true;
    return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto config = pool_config();
    const auto text = lvmkit::fuzz::as_text(data, size);
    for (const auto policy : {lvmkit::OnConflict::refuse, lvmkit::OnConflict::replace}) {
        lvmkit::fuzz::expect_value_or_error([&] {
            const auto merged = lvmkit::merge_daemon_json(text, config, policy);
            const auto again = lvmkit::merge_daemon_json(merged.text, config, policy);
            if (again.changed || again.text != merged.text)
                __builtin_trap();  // a second merge must be a no-op
            if (merged.text.find("dm.thinpooldev=/dev/mapper/docker-thinpool") == std::string::npos)
                __builtin_trap();
            (void)lvmkit::remove_from_daemon_json(merged.text, config);
        });
    }
    lvmkit::fuzz::expect_value_or_error(
        [&] { (void)lvmkit::remove_from_daemon_json(text, config); });
    return 0;
}
