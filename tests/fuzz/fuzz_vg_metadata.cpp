// Fuzzes the reader of LVM's metadata text (the hot paths' VG, read without LVM): any input gives
// a VG or nullopt, never a crash; a VG it returns is self-consistent.
#include "fuzz_common.hpp"
#include "internal/vg_metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace md = lvmkit::blockdev::internal;
    const auto text = lvmkit::fuzz::as_text(data, size);
    (void)md::parse_meta_text(text);
    if (const auto vg = md::vg_from_text(text)) {
        if (vg->name.empty() || vg->extent_size_sectors == 0 || vg->pvs.empty() ||
            vg->free_extents() > vg->extent_count())
            __builtin_trap();  // a VG the hot paths would trust must make sense
        for (const auto& lv : vg->lvs)
            if (lv.segments.empty())
                __builtin_trap();
    }
    return 0;
}
