// Fuzzes the size and size-spec parsers; a parsed size renders to LVM text that parses back equal.
#include "fuzz_common.hpp"
#include "lvmkit/size.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = lvmkit::fuzz::as_text(data, size);
    lvmkit::fuzz::expect_value_or_error([&] {
        const lvmkit::Bytes bytes = lvmkit::parse_bytes(text);
        if (lvmkit::parse_bytes(lvmkit::to_lvm_string(bytes)) != bytes)
            __builtin_trap();
        (void)lvmkit::format_human(bytes);
    });
    lvmkit::fuzz::expect_value_or_error([&] {
        const auto spec = lvmkit::parse_size_spec(text);
        (void)lvmkit::to_string(spec);
    });
    return 0;
}
