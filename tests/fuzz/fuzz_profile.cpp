// Fuzzes the LVM profile parser; a profile that parses renders to text that parses back the same.
#include "fuzz_common.hpp"
#include "lvmkit/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = lvmkit::fuzz::as_text(data, size);
    lvmkit::fuzz::expect_value_or_error([&] {
        const auto profile = lvmkit::parse_profile("docker-thinpool", text);
        const auto rendered = lvmkit::render_profile(profile);
        if (lvmkit::parse_profile("docker-thinpool", rendered) != profile)
            __builtin_trap();  // render/parse round trip lost a setting
    });
    return 0;
}
