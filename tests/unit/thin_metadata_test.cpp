// The in-process reader of a thin pool's device-details btree, on metadata blocks built here the
// way dm-thin-metadata.c lays them out: a superblock, an internal node, two leaves.
#include "internal/thin_metadata.hpp"

#include <map>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"

using lvmkit::Errc;
using lvmkit::Error;
using namespace lvmkit::internal;

namespace {

constexpr std::uint32_t kSuperblockSalt = 160774;
constexpr std::uint32_t kNodeSalt = 121107;

void put(std::string& block, std::size_t offset, std::uint64_t value, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i)
        block[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

void seal(std::string& block, std::uint32_t salt) {
    put(block, 0, thin_metadata_checksum(block.data() + 4, block.size() - 4, salt), 4);
}

std::string superblock(std::uint64_t details_root, std::uint64_t transaction_id) {
    std::string block(kThinMetadataBlock, '\0');
    put(block, 8, 0, 8);          // blocknr
    put(block, 32, 27022010, 8);  // magic
    put(block, 48, transaction_id, 8);
    put(block, 328, details_root, 8);
    put(block, 64 + 8, 96, 8);  // data space map: 96 blocks allocated
    put(block, 336, 128, 4);    // data block size: 128 sectors (64 KiB)
    seal(block, kSuperblockSalt);
    return block;
}

// A btree node: flags 1 internal (values are block numbers), 2 leaf (24-byte device details).
std::string node(std::uint64_t location, bool leaf,
                 const std::vector<std::pair<std::uint64_t, std::uint64_t>>& entries) {
    std::string block(kThinMetadataBlock, '\0');
    const std::uint32_t max_entries = 100;
    const std::uint32_t value_size = leaf ? 24 : 8;
    put(block, 4, leaf ? 2 : 1, 4);
    put(block, 8, location, 8);
    put(block, 16, entries.size(), 4);
    put(block, 20, max_entries, 4);
    put(block, 24, value_size, 4);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        put(block, 32 + 8 * i, entries[i].first, 8);
        const std::size_t value = 32 + 8 * max_entries + value_size * i;
        put(block, value, entries[i].second, 8);  // mapped blocks, or the child's location
        if (leaf)
            put(block, value + 8, 7, 8);  // transaction id
    }
    seal(block, kNodeSalt);
    return block;
}

MetadataBlockReader reader_of(std::map<std::uint64_t, std::string>& blocks) {
    return [&blocks](std::uint64_t block) {
        const auto it = blocks.find(block);
        if (it == blocks.end())
            throw Error(Errc::io_error, "read", std::to_string(block), "no such block");
        return it->second;
    };
}

}  // namespace

TEST_CASE("thin metadata: the device-details btree gives every thin device id", "[thin_metadata]") {
    std::map<std::uint64_t, std::string> blocks{
        {0, superblock(10, 5)},
        {10, node(10, false, {{0, 11}, {2, 12}})},
        {11, node(11, true, {{0, 80}, {1, 0}})},
        {12, node(12, true, {{2, 0}})},
    };
    const auto metadata = read_thin_metadata(reader_of(blocks));
    CHECK(metadata.transaction_id == 5);
    CHECK(metadata.data_blocks_allocated == 96);
    CHECK(metadata.data_block_sectors == 128);
    REQUIRE(metadata.devices.size() == 3);
    CHECK(metadata.devices[0].id == 0);
    CHECK(metadata.devices[0].mapped_blocks == 80);
    CHECK(metadata.devices[0].transaction_id == 7);
    CHECK(metadata.devices[1].id == 1);
    CHECK(metadata.devices[2].id == 2);

    SECTION("an empty pool has an empty leaf") {
        blocks[10] = node(10, true, {});
        CHECK(read_thin_metadata(reader_of(blocks)).devices.empty());
    }
    SECTION("a flipped byte fails the checksum") {
        blocks[12][100] ^= 1;
        CHECK_THROWS_MATCHES(read_thin_metadata(reader_of(blocks)), Error,
                             Catch::Matchers::Predicate<Error>(
                                 [](const Error& e) { return e.errc() == Errc::parse_error; }));
    }
    SECTION("a node that names another location is refused") {
        blocks[12] = node(13, true, {{2, 0}});
        CHECK_THROWS_AS(read_thin_metadata(reader_of(blocks)), Error);
    }
    SECTION("no superblock magic: not thin metadata") {
        std::string zero(kThinMetadataBlock, '\0');
        put(zero, 8, 0, 8);
        seal(zero, kSuperblockSalt);
        blocks[0] = zero;
        CHECK_THROWS_AS(read_thin_metadata(reader_of(blocks)), Error);
    }
    SECTION("an all-zero superblock is an empty pool the kernel has not formatted yet") {
        blocks[0] = std::string(kThinMetadataBlock, '\0');
        const auto empty = read_thin_metadata(reader_of(blocks));
        CHECK(empty.devices.empty());
        CHECK(empty.data_blocks_allocated == 0);
    }
    SECTION("a superblock that changes during the walk is a busy pool") {
        int reads = 0;
        const MetadataBlockReader changing = [&](std::uint64_t block) {
            if (block == 0 && ++reads > 1)
                return superblock(10, 6);
            return blocks.at(block);
        };
        try {
            read_thin_metadata(changing);
            FAIL("a changed superblock was accepted");
        } catch (const Error& e) {
            CHECK(e.errc() == Errc::busy);
        }
    }
}

TEST_CASE("thin metadata: the checksum is dm-persistent-data's crc32c", "[thin_metadata]") {
    // crc32c("123456789") is 0xE3069283; dm's variant is its complement, then xored with a salt.
    const std::string check = "123456789";
    CHECK(thin_metadata_checksum(check.data(), check.size(), 0) == ~0xE3069283u);
}
