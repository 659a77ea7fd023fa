// Recognising the lvol<N> leftover of a cut inside LVM's pool creation, and the metadata text
// that makes it the pool's spare, on LV reports and vgcfgbackup text shaped like LVM's.
#include "setup/spare_leftover.hpp"

#include "catch_compat.hpp"

#include "lvmkit/error.hpp"

using namespace lvmkit;
using namespace lvmkit::setup::internal;

namespace {

lvm::LvReport lv(const std::string& name, const std::string& type, std::uint64_t mib,
                 bool active = false) {
    lvm::LvReport out;
    out.name = name;
    out.segment_type = type;
    out.size = Bytes::MiB(mib);
    out.active = active;
    out.hidden = name.find('_') != std::string::npos;
    return out;
}

setup::ThinPoolSpec spec() {
    setup::ThinPoolSpec out;
    out.vg = VgName("docker");
    return out;
}

const char* const kMetadata =
    "docker {\n"
    "\tlogical_volumes {\n\n"
    "\t\tthinpool {\n"
    "\t\t\tid = \"a\"\n"
    "\t\t\tstatus = [\"READ\", \"WRITE\", \"VISIBLE\"]\n"
    "\t\t}\n\n"
    "\t\tlvol0 {\n"
    "\t\t\tid = \"b\"\n"
    "\t\t\tstatus = [\"READ\", \"WRITE\", \"VISIBLE\"]\n"
    "\t\t\tflags = []\n"
    "\t\t}\n"
    "\t}\n"
    "}\n";

}  // namespace

TEST_CASE("spare leftover: recognised only as LVM leaves it, in lvmkit's VG", "[spare]") {
    // (A) before the pool's commit: data and metadata LVs still linear.
    std::vector<lvm::LvReport> before{lv("thinpool", "linear", 900),
                                      lv("thinpoolmeta", "linear", 8), lv("lvol0", "linear", 8)};
    CHECK(spare_leftovers(spec(), before) == std::vector<std::string>{"lvol0"});
    CHECK_FALSE(spare_to_adopt(spec(), before));
    CHECK(describe_spare_leftovers(spare_leftovers(spec(), before)).find("remove lvol0") == 0);

    // (B) after it: a pool without a spare, the leftover the size of its metadata.
    std::vector<lvm::LvReport> after{
        lv("thinpool", "thin-pool", 900, true), lv("thinpool_tdata", "linear", 900, true),
        lv("thinpool_tmeta", "linear", 8, true), lv("lvol1", "linear", 8)};
    CHECK(spare_to_adopt(spec(), after));
    CHECK(pool_lacks_spare(spec(), after));

    SECTION("a spare already there: nothing to adopt, the extra lvol is removed") {
        after.push_back(lv("lvol0_pmspare", "linear", 8));
        CHECK_FALSE(spare_to_adopt(spec(), after));
        CHECK(spare_leftovers(spec(), after) == std::vector<std::string>{"lvol1"});
    }
    SECTION("active, another size, another type or name: a user's LV, and then none is taken") {
        auto active = before;
        active[2].active = true;
        CHECK(spare_leftovers(spec(), active).empty());
        auto size = before;
        size[2].size = Bytes::MiB(12);
        CHECK(spare_leftovers(spec(), size).empty());
        auto named = before;
        named[2].name = "lvolx";
        CHECK(spare_leftovers(spec(), named).empty());
        auto other = before;
        other.push_back(lv("home", "linear", 8));
        CHECK(spare_leftovers(spec(), other).empty());
        auto shared = spec();
        shared.use_existing_vg = true;
        CHECK(spare_leftovers(shared, before).empty());
    }
}

TEST_CASE("spare leftover: the metadata text LVM's own commit would have written", "[spare]") {
    const std::string out = adopt_as_spare_text(kMetadata, "lvol0");
    CHECK(
        out.find("\t\tlvol0_pmspare {\n\t\t\tid = \"b\"\n\t\t\tstatus = [\"READ\", \"WRITE\"]\n") !=
        std::string::npos);
    CHECK(out.find("\t\tthinpool {\n\t\t\tid = \"a\"\n\t\t\tstatus = [\"READ\", \"WRITE\", "
                   "\"VISIBLE\"]") != std::string::npos);
    CHECK(out.size() == std::string(kMetadata).size() + 8 - 11);
    CHECK_THROWS_AS(adopt_as_spare_text(kMetadata, "lvol9"), Error);
    CHECK_THROWS_AS(adopt_as_spare_text(out, "lvol0_pmspare"), Error);  // hidden: no leftover
}
