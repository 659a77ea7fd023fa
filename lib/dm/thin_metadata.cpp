// In-process reader of a dm-thin pool's committed metadata: which thin devices exist. It reads
// (never writes) the superblock at block 0 and the device-details btree it points at. Chosen over
// a metadata snapshot (`reserve_metadata_snap`, as thin_ls --metadata-snap does) because that
// message commits a transaction in the pool: looking must not write to the pool.
#include "internal/thin_metadata.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "lvmkit/error.hpp"

namespace lvmkit::internal {
namespace {

constexpr const char* kOperation = "read thin pool metadata";
// dm-thin-metadata.c and dm-btree-internal.h.
constexpr std::uint64_t kSuperblockMagic = 27022010;
constexpr std::uint32_t kSuperblockSalt = 160774;
constexpr std::uint32_t kBtreeNodeSalt = 121107;
constexpr std::size_t kDeviceDetailsRootOffset = 328;
constexpr std::size_t kTransactionIdOffset = 48;
// data_space_map_root (struct disk_sm_root: nr_blocks, nr_allocated, ...) and data_block_size.
constexpr std::size_t kDataBlocksAllocatedOffset = 64 + 8;
constexpr std::size_t kDataBlockSizeOffset = 336;
constexpr std::size_t kMagicOffset = 32;
constexpr std::size_t kNodeHeaderSize = 32;
constexpr std::uint32_t kInternalNode = 1;
constexpr std::uint32_t kLeafNode = 2;
constexpr std::size_t kDeviceDetailsSize = 24;
// A btree of a 16 GiB metadata device has at most a few levels; deeper means a loop.
constexpr int kMaxDepth = 16;
constexpr int kAttempts = 3;

std::array<std::uint32_t, 256> make_crc32c_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t crc = i;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ ((crc & 1u) != 0 ? 0x82F63B78u : 0u);
        table[i] = crc;
    }
    return table;
}

template <typename T>
T little_endian(const std::string& block, std::size_t offset) {
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        value |= static_cast<T>(static_cast<unsigned char>(block[offset + i])) << (8 * i);
    return value;
}

[[noreturn]] void malformed(const std::string& what, std::uint64_t block) {
    throw Error(Errc::parse_error, kOperation, "block " + std::to_string(block), what);
}

void check_block(const std::string& data, std::uint64_t block, std::uint32_t salt,
                 std::size_t blocknr_offset) {
    if (data.size() != kThinMetadataBlock)
        malformed("short read", block);
    const auto stored = little_endian<std::uint32_t>(data, 0);
    if (stored != thin_metadata_checksum(data.data() + 4, data.size() - 4, salt))
        malformed("checksum mismatch", block);
    if (little_endian<std::uint64_t>(data, blocknr_offset) != block)
        malformed("the block names another location", block);
}

class DetailsWalk {
  public:
    explicit DetailsWalk(const MetadataBlockReader& read_block) : read_block_(read_block) {}

    void node(std::uint64_t block, int depth, std::vector<ThinDeviceDetails>& out) {
        if (depth > kMaxDepth)
            malformed("the device-details btree is too deep", block);
        const std::string data = read_block_(block);
        check_block(data, block, kBtreeNodeSalt, 8);
        const auto flags = little_endian<std::uint32_t>(data, 4);
        const auto entries = little_endian<std::uint32_t>(data, 16);
        const auto max_entries = little_endian<std::uint32_t>(data, 20);
        const auto value_size = little_endian<std::uint32_t>(data, 24);
        const bool leaf = (flags & kLeafNode) != 0;
        const bool internal = (flags & kInternalNode) != 0;
        const std::size_t want_value = leaf ? kDeviceDetailsSize : 8;
        if (leaf == internal || entries > max_entries || value_size != want_value ||
            kNodeHeaderSize + std::size_t{max_entries} * (8 + value_size) > data.size())
            malformed("not a device-details btree node", block);
        const std::size_t values = kNodeHeaderSize + std::size_t{max_entries} * 8;
        for (std::uint32_t i = 0; i < entries; ++i) {
            const std::size_t value = values + std::size_t{i} * value_size;
            if (internal) {
                node(little_endian<std::uint64_t>(data, value), depth + 1, out);
                continue;
            }
            ThinDeviceDetails details;
            details.id = little_endian<std::uint64_t>(data, kNodeHeaderSize + std::size_t{i} * 8);
            details.mapped_blocks = little_endian<std::uint64_t>(data, value);
            details.transaction_id = little_endian<std::uint64_t>(data, value + 8);
            out.push_back(details);
        }
    }

  private:
    const MetadataBlockReader& read_block_;
};

struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0)
            ::close(fd);
    }
};

}  // namespace

std::uint32_t thin_metadata_checksum(const void* data, std::size_t size, std::uint32_t salt) {
    static const auto table = make_crc32c_table();
    std::uint32_t crc = ~0u;
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i)
        crc = table[(crc ^ bytes[i]) & 0xffu] ^ (crc >> 8);
    return crc ^ salt;
}

ThinMetadata read_thin_metadata(const MetadataBlockReader& read_block) {
    const std::string superblock = read_block(0);
    // A pool LVM made whose metadata the kernel never formatted (a cut between LVM's commit and
    // the first activation): the kernel formats an all-zero superblock as an empty pool.
    if (superblock.size() == kThinMetadataBlock &&
        superblock.find_first_not_of('\0') == std::string::npos)
        return {};
    check_block(superblock, 0, kSuperblockSalt, 8);
    if (little_endian<std::uint64_t>(superblock, kMagicOffset) != kSuperblockMagic)
        malformed("no thin pool superblock (bad magic)", 0);
    ThinMetadata out;
    out.transaction_id = little_endian<std::uint64_t>(superblock, kTransactionIdOffset);
    out.data_blocks_allocated =
        little_endian<std::uint64_t>(superblock, kDataBlocksAllocatedOffset);
    out.data_block_sectors = little_endian<std::uint32_t>(superblock, kDataBlockSizeOffset);
    const auto root = little_endian<std::uint64_t>(superblock, kDeviceDetailsRootOffset);
    DetailsWalk(read_block).node(root, 0, out.devices);
    if (read_block(0) != superblock)
        throw Error(Errc::busy, kOperation, "block 0",
                    "the pool committed new metadata while it was read");
    return out;
}

ThinMetadata read_thin_metadata(const std::string& metadata_device) {
    const int fd = ::open(metadata_device.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0)
        throw Error(Errc::io_error, kOperation, metadata_device, "can not open it", {}, errno);
    const FdCloser closer{fd};
    void* raw = nullptr;
    if (::posix_memalign(&raw, kThinMetadataBlock, kThinMetadataBlock) != 0)
        throw std::bad_alloc();
    const std::unique_ptr<void, decltype(&std::free)> buffer(raw, &std::free);
    const MetadataBlockReader reader = [&](std::uint64_t block) {
        const auto offset = static_cast<off_t>(block * kThinMetadataBlock);
        const ssize_t got = ::pread(fd, buffer.get(), kThinMetadataBlock, offset);
        if (got < 0)
            throw Error(Errc::io_error, kOperation, metadata_device,
                        "read of block " + std::to_string(block) + " failed", {}, errno);
        return std::string(static_cast<const char*>(buffer.get()), static_cast<std::size_t>(got));
    };
    for (int attempt = 1;; ++attempt) {
        try {
            return read_thin_metadata(reader);
        } catch (const Error& e) {
            // A commit between two reads can make a freed block look damaged, too.
            if (attempt >= kAttempts)
                throw;
        }
    }
}

}  // namespace lvmkit::internal
