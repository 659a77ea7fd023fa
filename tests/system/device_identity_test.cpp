// A VG known by identity, not by path. After a reboot a blank disk can take the old /dev/sdX name
// of the pool's PV; setup given that name must not label the blank disk (LVM itself would: its
// pvcreate succeeds, then vgcreate fails). And the plan prints the stable by-id name of a device.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "lvmkit/setup.hpp"
#include "system/fixtures.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit;
using namespace lvmkit::test;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;
constexpr std::uint64_t kBlank = 256ull << 20;

setup::ThinPoolSpec spec_for(const std::string& device, const ScratchDir& root) {
    setup::ThinPoolSpec spec;
    spec.devices = {device};
    spec.vg = VgName("shifted");
    spec.target_root = root.path();
    spec.consumer = setup::Consumer::none;
    return spec;
}

// A by-id link as udev makes it (the guest has no udev), removed at the end.
struct ByIdLink {
    explicit ByIdLink(const std::string& name, const std::string& target)
        : path("/dev/disk/by-id/" + name) {
        fs::create_directories("/dev/disk/by-id");
        fs::remove(path);
        fs::create_symlink(target, path);
    }
    ~ByIdLink() {
        std::error_code ec;
        fs::remove(path, ec);
    }
    ByIdLink(const ByIdLink&) = delete;
    ByIdLink& operator=(const ByIdLink&) = delete;
    std::string path;
};

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("device identity: a shifted device name never labels a stranger's disk",
          "[system][identity]") {
    LoopDevice pool_disk(kDisk, "identity-pool");
    LoopDevice blank(kBlank, "identity-blank");
    ScratchDir root;
    const ByIdLink pool_id("virtio-lvmkit-pool-disk", pool_disk.path());
    setup::apply(spec_for(pool_disk.path(), root));

    // The harm: LVM told only the blank disk (the old name in the unit's config) labels it, then
    // finds the VG name taken. The blank disk has changed.
    const std::string filter = "devices/filter=[\"a|" + blank.path() + "|\",\"r|.*|\"]";
    const auto before_harm = edges_of(blank.path());
    const auto pv = run_command({"lvm", "pvcreate", "--config", filter, blank.path()});
    INFO(pv.output);
    CHECK(pv.exit_code == 0);
    const auto vg = run_command({"lvm", "vgcreate", "--config", filter, "shifted", blank.path()});
    INFO(vg.output);
    CHECK(vg.exit_code != 0);
    CHECK(edges_of(blank.path()) != before_harm);
    REQUIRE(run_command({"lvm", "pvremove", "--config", filter, blank.path()}).exit_code == 0);
    REQUIRE(run_command({"wipefs", "-a", "-q", blank.path()}).exit_code == 0);

    // lvmkit: refused before any write, naming where the VG lives (with its stable name).
    const auto check_refused = [&](const char* when) {
        INFO(when);
        const auto edges = edges_of(blank.path());
        const auto pool_edges = edges_of(pool_disk.path());
        try {
            setup::apply(spec_for(blank.path(), root));
            FAIL("setup labelled a disk that is not the VG's");
        } catch (const Error& e) {
            INFO(e.what());
            CHECK(e.errc() == Errc::already_exists);
            CHECK(e.operation() == "preflight");
            CHECK(contains(e.what(), pool_disk.path()));
            CHECK(contains(e.what(), pool_id.path));
            CHECK(contains(e.what(), "/dev/disk/by-id/"));
        }
        CHECK(edges_of(blank.path()) == edges);
        CHECK(edges_of(pool_disk.path()) == pool_edges);
    };
    check_refused("VG active");
    REQUIRE(run_command({"lvm", "vgchange", "-an", "shifted"}).exit_code == 0);
    check_refused("VG inactive, as after a reboot without autoactivation");
    REQUIRE(run_command({"lvm", "vgchange", "-ay", "shifted"}).exit_code == 0);

    // Given by its stable name, it is the pool's own disk: nothing to do.
    auto by_id = spec_for(pool_id.path, root);
    const auto plan = setup::plan(by_id);
    CHECK(plan.nothing_to_do());
    // The plan names the stable name next to the one given.
    const auto text = setup::plan(spec_for(pool_disk.path(), root)).to_text();
    INFO(text);
    CHECK(contains(text, pool_disk.path() + " (" + pool_id.path + ")"));

    setup::TeardownOptions options;
    setup::teardown(spec_for(pool_disk.path(), root), options);
    CHECK(device_is_blank(pool_disk.path()));
    CHECK(device_is_blank(blank.path()));
}
