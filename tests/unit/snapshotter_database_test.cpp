// containerd's snapshotter database as lvmkit creates it, decoded here field by field the way
// bbolt reads a file (meta pages, their FNV-1a checksum, the root leaf's bucket elements, each
// inline bucket's header and page): what containerd 1.6-2.x opens before its first start.
#include "internal/snapshotter_database.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "catch_compat.hpp"
#include "error_matchers.hpp"
#include "lvmkit/error.hpp"

using lvmkit::Errc;
using lvmkit::Error;
using namespace lvmkit::internal;

namespace {

std::uint64_t get(const std::string& bytes, std::size_t at, std::size_t size) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i)
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes.at(at + i)))
                 << (8 * i);
    return value;
}

struct Element {
    std::uint32_t flags;
    std::string key;
    std::string value;
};

// The leaf page at @p page: its elements, each key and value found through `pos` as bbolt does.
std::vector<Element> leaf_elements(const std::string& bytes, std::size_t page) {
    REQUIRE(get(bytes, page + 8, 2) == 0x02);  // leaf
    std::vector<Element> out;
    for (std::size_t i = 0; i < get(bytes, page + 10, 2); ++i) {
        const std::size_t element = page + 16 + 16 * i;
        const std::size_t key = element + get(bytes, element + 4, 4);
        const std::size_t ksize = get(bytes, element + 8, 4);
        out.push_back({static_cast<std::uint32_t>(get(bytes, element, 4)), bytes.substr(key, ksize),
                       bytes.substr(key + ksize, get(bytes, element + 12, 4))});
    }
    return out;
}

}  // namespace

TEST_CASE("snapshotter database: FNV-1a 64 as Go's hash/fnv", "[unit][snapshotter_db]") {
    CHECK(fnv1a64("", 0) == 0xcbf29ce484222325ULL);
    CHECK(fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
}

TEST_CASE("snapshotter database: bbolt's layout, device_ids counting from the highest id",
          "[unit][snapshotter_db]") {
    const std::uint32_t page = 4096;
    const std::string db = render_snapshotter_database(4, page);
    REQUIRE(db.size() == 4 * page);
    for (std::uint64_t txid : {0u, 1u}) {
        const std::size_t at = txid * page;
        INFO("meta page " << txid);
        CHECK(get(db, at, 8) == txid);      // page id
        CHECK(get(db, at + 8, 2) == 0x04);  // meta
        const std::size_t meta = at + 16;
        CHECK(get(db, meta, 4) == 0xED0CDAED);  // magic
        CHECK(get(db, meta + 4, 4) == 2);       // version
        CHECK(get(db, meta + 8, 4) == page);
        CHECK(get(db, meta + 16, 8) == 3);  // root bucket page
        CHECK(get(db, meta + 32, 8) == 2);  // freelist page
        CHECK(get(db, meta + 40, 8) == 4);  // pages in use
        CHECK(get(db, meta + 48, 8) == txid);
        CHECK(get(db, meta + 56, 8) == fnv1a64(db.data() + meta, 56));
    }
    CHECK(get(db, 2 * page + 8, 2) == 0x10);  // the freelist, empty
    CHECK(get(db, 2 * page + 10, 2) == 0);

    const auto root = leaf_elements(db, 3 * page);
    REQUIRE(root.size() == 2);
    CHECK(root[0].key == "device_ids");  // byte order: '_' sorts before 's'
    CHECK(root[1].key == "devices");
    for (const auto& bucket : root) {
        INFO(bucket.key);
        CHECK(bucket.flags == 0x01);          // a bucket, not a value
        REQUIRE(bucket.value.size() == 32);   // inline: header and an empty leaf
        CHECK(get(bucket.value, 0, 8) == 0);  // root page 0: inline
        CHECK(leaf_elements(bucket.value, 16).empty());
    }
    // NextSequence() gives containerd 5 for its first device: past the pool's ids 1-4.
    CHECK(get(root[0].value, 8, 8) == 4);
    CHECK(get(root[1].value, 8, 8) == 0);
}

TEST_CASE("snapshotter database: the page size is the system's, the meta checksum follows it",
          "[unit][snapshotter_db]") {
    const std::string db = render_snapshotter_database(9, 65536);
    REQUIRE(db.size() == 4 * 65536);
    CHECK(get(db, 16 + 8, 4) == 65536);
    CHECK(get(db, 65536 + 16 + 56, 8) == fnv1a64(db.data() + 65536 + 16, 56));
    CHECK(render_snapshotter_database(9, 4096) != render_snapshotter_database(10, 4096));
}

TEST_CASE("snapshotter database: a bad page size or an id containerd can not pass is refused",
          "[unit][snapshotter_db]") {
    for (std::uint32_t size : {0u, 512u, 3000u, 131072u}) {
        INFO(size);
        CHECK_THROWS_MATCHES(render_snapshotter_database(1, size), Error,
                             has_code_and_text(Errc::invalid_argument, "page size"));
    }
    CHECK_THROWS_MATCHES(render_snapshotter_database(0xffffff, 4096), Error,
                         has_code_and_text(Errc::invalid_argument, "none would be left"));
    CHECK(render_snapshotter_database(0xfffffe, 4096).size() == 4 * 4096);
}
