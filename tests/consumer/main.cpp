// Built against an installed lvmkit (CMake package and pkg-config): uses the public API and prints
// results the test script compares, so a broken install fails loudly.
#include <lvmkit/lvmkit.hpp>

#include <cstdio>

int main() {
    const lvmkit::VgName vg("my-vg");
    const lvmkit::LvName pool("thinpool");
    std::printf("version=%s\n", lvmkit::kVersion);
    std::printf("thinpooldev=%s\n", lvmkit::dm_path(vg, pool).c_str());
    std::printf("data=%s\n", lvmkit::to_string(lvmkit::parse_size_spec("95%VG")).c_str());
    try {
        lvmkit::VgName bad("docker --yes");
        return 1;
    } catch (const lvmkit::Error& e) {
        std::printf("refused=%s\n", lvmkit::to_string(e.errc()));
    }
    return 0;
}
