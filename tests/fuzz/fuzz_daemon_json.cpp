// Fuzzes the daemon.json merger and its inverse: any input either refuses with an Error or gives
// text that merges again without a change (the merge is idempotent), and with `replace` a merged
// result always carries the pool.
#include <cctype>
#include <string>

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

// Docker lowercases option names and strips a /dev/mapper/ prefix, so the merge keeps a user's
// `dM.thinpooldev=docker-thinpool` as naming our pool; so must this check.
bool names_the_pool(std::string text) {
    for (auto& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text.find("dm.thinpooldev=/dev/mapper/docker-thinpool") != std::string::npos ||
           text.find("dm.thinpooldev=docker-thinpool") != std::string::npos;
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
            if (!names_the_pool(merged.text))
                __builtin_trap();
            (void)lvmkit::remove_from_daemon_json(merged.text, config);
        });
    }
    lvmkit::fuzz::expect_value_or_error(
        [&] { (void)lvmkit::remove_from_daemon_json(text, config); });
    return 0;
}
