// Raw thin pools and thin volumes: a pool device over two block devices, managed by messages.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"

namespace lvmkit::dm {
namespace {

const std::string kCreatePool = "create raw thin pool";
// LVM's smallest thin-pool metadata; the kernel's own floor is lower but such a pool fills at once.
constexpr std::uint64_t kMinMetadataBytes = 2ull << 20;

/// A file descriptor closed on destruction.
class Fd {
  public:
    explicit Fd(int fd) noexcept : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Fd& operator=(Fd&&) = delete;
    int get() const noexcept { return fd_; }
    /// Closes now and reports close's errno (0 when fine).
    int close() noexcept {
        const int result = ::close(fd_);
        fd_ = -1;
        return result == 0 ? 0 : errno;
    }

  private:
    int fd_;
};

// O_DIRECT wants an aligned buffer; a read-only static one needs no allocation.
alignas(4096) const std::array<unsigned char, 4096> kZeros{};

void require_block_device(const std::string& path, const char* role) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        throw Error(err == ENOENT ? Errc::not_found : Errc::io_error, kCreatePool, path,
                    std::string("can not stat the ") + role + " device", {}, err);
    }
    if (!S_ISBLK(st.st_mode))
        throw Error(Errc::invalid_argument, kCreatePool, path,
                    std::string("the ") + role + " device is not a block device");
}

// O_EXCL on a block device fails with EBUSY while it is mounted or held by dm/md, which is the
// check that keeps lvmkit from zeroing a live pool's metadata.
Fd open_exclusive(const std::string& path, int flags, const char* role) {
    Fd fd(::open(path.c_str(), flags | O_EXCL | O_CLOEXEC));
    if (fd.get() < 0) {
        const int err = errno;
        const Errc code = err == EBUSY ? Errc::device_in_use
                          : (err == EACCES || err == EPERM || err == EROFS)
                              ? Errc::permission_denied
                              : Errc::io_error;
        throw Error(code, kCreatePool, path,
                    std::string("can not open the ") + role +
                        " device exclusively (mounted, or in use by another device?)",
                    {}, err);
    }
    return fd;
}

std::uint64_t device_size_bytes(int fd, const std::string& path) {
    std::uint64_t size = 0;
    if (::ioctl(fd, BLKGETSIZE64, &size) != 0)
        throw Error(Errc::io_error, kCreatePool, path, "can not read the device size", {}, errno);
    return size;
}

// The kernel treats metadata whose superblock is all zeros as a new, empty pool.
void zero_metadata_start(const std::string& path) {
    constexpr std::size_t kLength = kZeros.size();
    Fd fd = open_exclusive(path, O_WRONLY | O_DIRECT | O_SYNC, "metadata");
    const ssize_t written = ::pwrite(fd.get(), kZeros.data(), kLength, 0);
    if (written != static_cast<ssize_t>(kLength)) {
        const int err = written < 0 ? errno : EIO;
        throw Error(Errc::io_error, kCreatePool, path,
                    "zeroing the first 4 KiB of the metadata device failed", {}, err);
    }
    if (::fdatasync(fd.get()) != 0)
        throw Error(Errc::io_error, kCreatePool, path, "flushing the zeroed metadata device failed",
                    {}, errno);
    if (const int err = fd.close(); err != 0)
        throw Error(Errc::io_error, kCreatePool, path, "closing the metadata device failed", {},
                    err);
}

void check_spec(const RawThinPoolSpec& spec) {
    validate_name(spec.name);
    // Rendering checks the block size and the device strings.
    (void)render_params(ThinPoolTarget{spec.metadata_device, spec.data_device, spec.data_block_size,
                                       spec.low_water_mark, spec.features});
    if (spec.metadata_device == spec.data_device)
        throw Error(Errc::invalid_argument, kCreatePool, spec.name,
                    "metadata and data must be different devices");
    require_block_device(spec.metadata_device, "metadata");
    require_block_device(spec.data_device, "data");
}

void check_thin_id(const char* operation, const std::string& pool, std::uint64_t id) {
    if (id > kMaxThinDeviceId)
        throw Error(Errc::invalid_argument, operation, pool,
                    "thin device id " + std::to_string(id) + " is over the kernel's 24-bit limit " +
                        std::to_string(kMaxThinDeviceId));
}

}  // namespace

ThinPool::ThinPool(std::string name) : name_(std::move(name)) {
    validate_name(name_);
}

ThinPoolStatus ThinPool::status() const {
    return thin_pool_status(name_);
}

void ThinPool::create_thin(std::uint32_t id) const {
    check_thin_id("create thin device", name_, id);
    message(name_, "create_thin " + std::to_string(id));
}

void ThinPool::create_snap(std::uint32_t id, std::uint32_t origin_id) const {
    check_thin_id("create thin snapshot", name_, id);
    check_thin_id("create thin snapshot", name_, origin_id);
    message(name_, "create_snap " + std::to_string(id) + " " + std::to_string(origin_id));
}

void ThinPool::delete_thin(std::uint32_t id) const {
    check_thin_id("delete thin device", name_, id);
    message(name_, "delete " + std::to_string(id));
}

void ThinPool::set_transaction_id(std::uint64_t current, std::uint64_t next) const {
    message(name_, "set_transaction_id " + std::to_string(current) + " " + std::to_string(next));
}

void ThinPool::activate_thin(const std::string& name, std::uint32_t id, Sectors size) const {
    validate_name(name);
    check_thin_id("activate thin device", name_, id);
    if (size.count() == 0)
        throw Error(Errc::invalid_argument, "activate thin device", name,
                    "the size of a thin device can not be 0");
    create(name, {{Sectors(0), size, ThinTarget{"/dev/mapper/" + name_, id, std::nullopt}}});
}

std::vector<std::string> ThinPool::active_thins() const {
    const DeviceInfo pool = info(name_);
    if (!pool.exists)
        throw Error(Errc::not_found, "list thin devices of pool", name_,
                    "no such device-mapper device");
    const std::string by_number = pool.number.str();
    const std::string by_path = "/dev/mapper/" + name_;
    std::vector<std::string> thins;
    for (const auto& device : list_devices()) {
        Table lines;
        try {
            lines = table(device.name);
        } catch (const Error& e) {
            if (e.errc() == Errc::not_found)
                continue;  // removed meanwhile
            throw;
        }
        for (const auto& line : lines) {
            const auto* thin = std::get_if<ThinTarget>(&line.target);
            if (thin != nullptr &&
                (thin->pool_device == by_number || thin->pool_device == by_path)) {
                thins.push_back(device.name);
                break;
            }
        }
    }
    return thins;  // list_devices() is sorted
}

ThinPool create_thin_pool(const RawThinPoolSpec& spec) {
    check_spec(spec);
    if (info(spec.name).exists)
        throw Error(Errc::already_exists, kCreatePool, spec.name,
                    "a device-mapper device with this name exists");
    std::uint64_t data_bytes = 0;
    {
        Fd data = open_exclusive(spec.data_device, O_RDONLY, "data");
        data_bytes = device_size_bytes(data.get(), spec.data_device);
    }
    {
        Fd metadata = open_exclusive(spec.metadata_device, O_RDONLY, "metadata");
        const std::uint64_t metadata_bytes =
            device_size_bytes(metadata.get(), spec.metadata_device);
        if (metadata_bytes < kMinMetadataBytes)
            throw Error(Errc::insufficient_space, kCreatePool, spec.metadata_device,
                        "the metadata device has " + std::to_string(metadata_bytes >> 10) +
                            " KiB; a thin pool needs at least 2 MiB (LVM's minimum)");
    }
    const std::uint64_t block = spec.data_block_size.count();
    const std::uint64_t length = (data_bytes / Sectors::size) / block * block;
    if (length == 0)
        throw Error(Errc::insufficient_space, kCreatePool, spec.data_device,
                    "the data device is smaller than one data block (" + std::to_string(block) +
                        " sectors)");
    zero_metadata_start(spec.metadata_device);
    log(LogCategory::dm, LogLevel::notice,
        "zeroed the metadata superblock of " + spec.metadata_device + " for pool " + spec.name);
    create(spec.name, {{Sectors(0), Sectors(length),
                        ThinPoolTarget{spec.metadata_device, spec.data_device, spec.data_block_size,
                                       spec.low_water_mark, spec.features}}});
    return ThinPool(spec.name);
}

void remove_thin_pool(const std::string& name, const RemoveOptions& options) {
    remove(name, options);
}

void teardown_thin_pool(const std::string& name, const RemoveOptions& options) {
    const ThinPool pool(name);
    for (const auto& thin : pool.active_thins()) {
        std::string line = "teardown of " + name;
        line += ": removing ";
        line += thin;
        log(LogCategory::dm, LogLevel::info, line);
        remove(thin, options);
    }
    remove(name, options);
}

}  // namespace lvmkit::dm
