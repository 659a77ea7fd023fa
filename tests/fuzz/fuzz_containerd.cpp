// Fuzzes the containerd config.toml merger (toml++ underneath): refuse with an Error, or give a
// document whose second merge is a no-op.
#include "fuzz_common.hpp"
#include "lvmkit/containerd_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto config =
        lvmkit::containerd_devmapper_config(lvmkit::VgName("docker"), lvmkit::LvName("thinpool"));
    const auto text = lvmkit::fuzz::as_text(data, size);
    lvmkit::fuzz::expect_value_or_error([&] {
        const auto merged = lvmkit::merge_containerd_config(text, config);
        const auto again = lvmkit::merge_containerd_config(merged.text, config);
        if (again.changed)
            __builtin_trap();  // a second merge must be a no-op
        (void)lvmkit::remove_from_containerd_config(merged.text, config);
    });
    return 0;
}
