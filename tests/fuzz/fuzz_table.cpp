// Fuzzes the dm table parser; a table that parses must render and parse back to the same table.
#include "fuzz_common.hpp"
#include "lvmkit/dm.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = lvmkit::fuzz::as_text(data, size);
    lvmkit::fuzz::expect_value_or_error([&] {
        const auto table = lvmkit::dm::parse_table(text);
        std::string rendered;
        try {
            rendered = lvmkit::dm::render_table(table);
        } catch (const lvmkit::Error&) {
            return;  // parsing is lenient where rendering checks the kernel's limits
        }
        if (!(lvmkit::dm::parse_table(rendered) == table))
            __builtin_trap();  // render/parse round trip lost something
    });
    return 0;
}
