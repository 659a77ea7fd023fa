// Fuzzes the thin-pool and thin status parsers (the params the kernel prints after the type);
// what parses must render consistent figures.
#include "fuzz_common.hpp"
#include "lvmkit/dm.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = lvmkit::fuzz::as_text(data, size);
    lvmkit::fuzz::expect_value_or_error([&] {
        const auto status = lvmkit::dm::parse_thin_pool_status(text);
        if (const auto* usage = std::get_if<lvmkit::dm::ThinPoolUsage>(&status)) {
            // The parser promises used <= total, so percentages stay within 0..100.
            const double data_percent = usage->data_percent();
            const double metadata_percent = usage->metadata_percent();
            if (data_percent < 0 || data_percent > 100 || metadata_percent < 0 ||
                metadata_percent > 100)
                __builtin_trap();
        }
    });
    lvmkit::fuzz::expect_value_or_error([&] { (void)lvmkit::dm::parse_thin_status(text); });
    return 0;
}
