// Fuzzes the parsers of LVM's JSON reports (pvs, vgs, lvs) and the lv_attr decoder.
#include "fuzz_common.hpp"
#include "lvm/lvm_command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace lvm = lvmkit::lvm::internal;
    const auto text = lvmkit::fuzz::as_text(data, size);
    lvmkit::fuzz::expect_value_or_error([&] { (void)lvm::parse_lvs(text); });
    lvmkit::fuzz::expect_value_or_error([&] { (void)lvm::parse_vgs(text); });
    lvmkit::fuzz::expect_value_or_error([&] { (void)lvm::parse_pvs(text); });
    lvmkit::fuzz::expect_value_or_error([&] { (void)lvm::decode_lv_attributes(text); });
    return 0;
}
