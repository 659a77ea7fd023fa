// Parsers of /proc/self/mountinfo and /proc/swaps used by the blockdev layer.
#include <string>
#include "catch_compat.hpp"

#include "blockdev/blockdev_os.hpp"
#include "lvmkit/error.hpp"

using namespace lvmkit;
using namespace lvmkit::blockdev::internal;

TEST_CASE("mountinfo: device numbers, escaped mount points, optional fields", "[blockdev][proc]") {
    const std::string text =
        "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n"
        "98 22 7:0 / /mnt/with\\040space rw,relatime shared:45 master:2 - xfs /dev/loop0 rw\n"
        "99 22 253:3 /sub /srv rw - ext4 /dev/mapper/vg-lv rw\n"
        "100 22 0:52 / /proc rw,nosuid - proc proc rw\n";
    const auto entries = parse_mountinfo(text);
    REQUIRE(entries.size() == 4);
    CHECK(entries[0].major == 259);
    CHECK(entries[0].minor == 2);
    CHECK(entries[0].mount_point == "/");
    CHECK(entries[1].major == 7);
    CHECK(entries[1].minor == 0);
    CHECK(entries[1].mount_point == "/mnt/with space");
    CHECK(entries[1].fstype == "xfs");
    CHECK(entries[1].source == "/dev/loop0");
    CHECK(entries[2].mount_point == "/srv");
    CHECK(entries[3].fstype == "proc");
}

TEST_CASE("mountinfo: malformed lines are parse errors, not 'no mounts'", "[blockdev][proc]") {
    for (const char* bad : {"22 1 259:2 / / rw shared:1 ext4 /dev/sda rw\n",  // no separator
                            "22 1 2592 / / rw - ext4 /dev/sda rw\n",          // no colon
                            "22 1 a:b / / rw - ext4 /dev/sda rw\n", "22 1 8:0 / / rw -\n"}) {
        try {
            parse_mountinfo(bad);
            FAIL("accepted: " << bad);
        } catch (const Error& e) {
            CHECK(e.errc() == Errc::parse_error);
        }
    }
}

TEST_CASE("swaps: header, escaped names, deleted files", "[blockdev][proc]") {
    const std::string text =
        "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
        "/dev/loop3                              partition\t65532\t\t0\t\t-2\n"
        "/var/swap\\040file (deleted)             file\t\t1024\t\t0\t\t-3\n";
    const auto files = parse_swaps(text);
    REQUIRE(files.size() == 2);
    CHECK(files[0] == "/dev/loop3");
    CHECK(files[1] == "/var/swap file");
    CHECK(parse_swaps("Filename Type Size Used Priority\n").empty());
    CHECK_THROWS_AS(parse_swaps("garbage\n"), Error);
    CHECK_THROWS_AS(parse_swaps("Filename Type Size Used Priority\n/dev/sda1 partition\n"), Error);
}

TEST_CASE("octal escapes of /proc fields", "[blockdev][proc]") {
    CHECK(unescape_proc_field("a\\040b\\011c\\134d") == "a b\tc\\d");
    CHECK(unescape_proc_field("trailing\\04") == "trailing\\04");
    CHECK(unescape_proc_field("\\999") == "\\999");
}
