// A new, empty bbolt database for containerd's devmapper snapshotter with its device id
// counter set (internal/snapshotter_database.hpp). The layout follows bbolt's db.go init() and
// internal/common (page, meta, leafPageElement, InBucket): little-endian fields as the structs
// lie in memory on the platforms lvmkit builds for.
#include "internal/snapshotter_database.hpp"

#include <array>
#include <utility>

#include "lvmkit/error.hpp"

namespace lvmkit::internal {

namespace {

constexpr std::uint32_t kMagic = 0xED0CDAED;
constexpr std::uint32_t kVersion = 2;
constexpr std::uint16_t kLeafPage = 0x02;
constexpr std::uint16_t kMetaPage = 0x04;
constexpr std::uint16_t kFreelistPage = 0x10;
constexpr std::uint32_t kBucketLeaf = 0x01;
constexpr std::size_t kPageHeader = 16;   // id u64, flags u16, count u16, overflow u32
constexpr std::size_t kLeafElement = 16;  // flags, pos, ksize, vsize: u32 each
constexpr std::size_t kMetaChecksumAt = 56;
constexpr std::uint64_t kMaxDeviceId = 0xffffff;  // containerd's maxDeviceID (24 bits)

void put(std::string& out, std::size_t at, std::uint64_t value, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i)
        out[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

void put_page_header(std::string& out, std::size_t at, std::uint64_t id, std::uint16_t flags,
                     std::uint16_t count) {
    put(out, at, id, 8);
    put(out, at + 8, flags, 2);
    put(out, at + 10, count, 2);
    put(out, at + 12, 0, 4);  // overflow
}

// The meta page of transaction @p txid: root bucket at page 3, freelist at page 2, 4 pages.
void put_meta(std::string& out, std::uint32_t page_size, std::uint64_t txid) {
    const std::size_t page = txid * page_size;
    put_page_header(out, page, txid, kMetaPage, 0);
    const std::size_t meta = page + kPageHeader;
    put(out, meta, kMagic, 4);
    put(out, meta + 4, kVersion, 4);
    put(out, meta + 8, page_size, 4);
    put(out, meta + 12, 0, 4);     // flags
    put(out, meta + 16, 3, 8);     // root bucket: its root page
    put(out, meta + 24, 0, 8);     // root bucket: its sequence
    put(out, meta + 32, 2, 8);     // freelist page
    put(out, meta + 40, 4, 8);     // high water mark: pages in the file
    put(out, meta + 48, txid, 8);  // transaction id
    put(out, meta + kMetaChecksumAt, fnv1a64(out.data() + meta, kMetaChecksumAt), 8);
}

// An inline bucket's value: its header (root page 0 = inline, sequence), then its own empty leaf.
std::string inline_empty_bucket(std::uint64_t sequence) {
    std::string value(16 + kPageHeader, '\0');
    put(value, 0, 0, 8);
    put(value, 8, sequence, 8);
    put_page_header(value, 16, 0, kLeafPage, 0);
    return value;
}

// The root leaf: one bucket element per key, keys in byte order (bolt's cursor requires it).
void put_root_leaf(std::string& out, std::uint32_t page_size, std::uint64_t last_taken_id) {
    const std::array<std::pair<std::string, std::string>, 2> buckets{{
        {"device_ids", inline_empty_bucket(last_taken_id)},
        {"devices", inline_empty_bucket(0)},
    }};
    const std::size_t page = 3 * static_cast<std::size_t>(page_size);
    put_page_header(out, page, 3, kLeafPage, static_cast<std::uint16_t>(buckets.size()));
    std::size_t data = page + kPageHeader + buckets.size() * kLeafElement;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        const auto& [key, value] = buckets[i];
        const std::size_t element = page + kPageHeader + i * kLeafElement;
        put(out, element, kBucketLeaf, 4);
        put(out, element + 4, data - element, 4);  // pos: from the element to its key
        put(out, element + 8, key.size(), 4);
        put(out, element + 12, value.size(), 4);
        out.replace(data, key.size(), key);
        out.replace(data + key.size(), value.size(), value);
        data += key.size() + value.size();
    }
}

}  // namespace

std::uint64_t fnv1a64(const void* data, std::size_t size) noexcept {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        hash ^= bytes[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::string render_snapshotter_database(std::uint64_t last_taken_id, std::uint32_t page_size) {
    if (page_size < 1024 || page_size > 65536 || (page_size & (page_size - 1)) != 0)
        throw Error(Errc::invalid_argument, "render containerd's snapshotter database",
                    std::to_string(page_size), "the page size is no power of two in 1-64 KiB");
    if (last_taken_id >= kMaxDeviceId)
        throw Error(Errc::invalid_argument, "render containerd's snapshotter database",
                    std::to_string(last_taken_id),
                    "containerd's snapshotter takes ids below 16777215; none would be left");
    std::string out(4 * static_cast<std::size_t>(page_size), '\0');
    put_meta(out, page_size, 0);
    put_meta(out, page_size, 1);
    put_page_header(out, 2 * static_cast<std::size_t>(page_size), 2, kFreelistPage, 0);
    put_root_leaf(out, page_size, last_taken_id);
    return out;
}

}  // namespace lvmkit::internal
