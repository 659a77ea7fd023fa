// Block-device inspection and signature wiping over libblkid (see blockdev.hpp).
#include "lvmkit/blockdev.hpp"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <type_traits>
#include <utility>

#include "blockdev/blockdev_os.hpp"
#include "blockdev/blockdev_seams.hpp"
#include "blockdev/lvm_label.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"

namespace lvmkit::blockdev {

using internal::ResolvedPath;
using internal::UniqueFd;

namespace {

// ---- seams -------------------------------------------------------------------------------

internal::WipeFault& wipe_fault() {
    static internal::WipeFault fault;
    return fault;
}

internal::ProbeFault& probe_fault() {
    static internal::ProbeFault fault;
    return fault;
}

// ---- libblkid handles --------------------------------------------------------------------

struct ProbeDeleter {
    void operator()(blkid_probe probe) const noexcept { blkid_free_probe(probe); }
};
using Probe = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeDeleter>;

// A probe over @p fd (which stays ours: libblkid does not close a descriptor it was given).
Probe new_probe(int fd, const std::string& path, const std::string& operation) {
    if (probe_fault()) {
        if (const int err = probe_fault()(path))
            throw Error(Errc::blkid_failed, operation, path,
                        "libblkid could not probe the device; its contents are unknown", {}, err);
    }
    Probe probe(blkid_new_probe());
    if (!probe || blkid_probe_set_device(probe.get(), fd, 0, 0) != 0)
        throw Error(Errc::blkid_failed, operation, path,
                    "libblkid could not set up a probe; the contents are unknown", {}, errno);
    return probe;
}

// Superblocks and partition tables with magic strings and offsets, as wipefs asks for them.
void enable_signature_chains(blkid_probe probe) {
    blkid_probe_enable_superblocks(probe, 1);
    blkid_probe_set_superblocks_flags(
        probe, BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE | BLKID_SUBLKS_LABEL |
                   BLKID_SUBLKS_UUID | BLKID_SUBLKS_VERSION | BLKID_SUBLKS_BADCSUM);
    blkid_probe_enable_partitions(probe, 1);
    blkid_probe_set_partitions_flags(probe, BLKID_PARTS_MAGIC | BLKID_PARTS_FORCE_GPT);
}

std::optional<std::string> lookup(blkid_probe probe, const char* name) {
    const char* data = nullptr;
    std::size_t length = 0;
    if (blkid_probe_lookup_value(probe, name, &data, &length) != 0 || data == nullptr)
        return std::nullopt;
    // Text values come with their terminating NUL counted; magic strings are binary.
    std::string value(data, length);
    if (!value.empty() && value.back() == '\0')
        value.pop_back();
    return value;
}

Usage usage_from(const std::string& text) {
    if (text == "filesystem")
        return Usage::filesystem;
    if (text == "raid")
        return Usage::raid;
    if (text == "crypto")
        return Usage::crypto;
    return Usage::other;
}

// The signature the last successful blkid_do_probe() found, if it carries a magic string.
std::optional<Signature> current_signature(blkid_probe probe) {
    Signature sig;
    std::optional<std::string> offset;
    std::optional<std::string> magic;
    if (auto type = lookup(probe, "TYPE")) {
        sig.type = *type;
        sig.usage = usage_from(lookup(probe, "USAGE").value_or(""));
        offset = lookup(probe, "SBMAGIC_OFFSET");
        magic = lookup(probe, "SBMAGIC");
    } else if (auto pttype = lookup(probe, "PTTYPE")) {
        sig.type = *pttype;
        sig.usage = Usage::partition_table;
        offset = lookup(probe, "PTMAGIC_OFFSET");
        magic = lookup(probe, "PTMAGIC");
    } else {
        return std::nullopt;
    }
    if (!offset || !magic)
        return std::nullopt;
    // SBMAGIC is binary: re-read with its exact length (lookup() strips one trailing NUL).
    const char* raw = nullptr;
    std::size_t raw_length = 0;
    const char* magic_name = sig.usage == Usage::partition_table ? "PTMAGIC" : "SBMAGIC";
    if (blkid_probe_lookup_value(probe, magic_name, &raw, &raw_length) == 0 && raw != nullptr)
        sig.magic.assign(raw, raw_length);
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(offset->c_str(), &end, 10);
    if (errno != 0 || end == offset->c_str())
        return std::nullopt;
    sig.offset = Bytes(value);
    sig.label = lookup(probe, "LABEL").value_or("");
    sig.uuid = lookup(probe, sig.usage == Usage::partition_table ? "PTUUID" : "UUID").value_or("");
    sig.version = lookup(probe, "VERSION").value_or("");
    return sig;
}

// libblkid reports each magic string once when the previous one is hidden; a device with more
// than this many is not something lvmkit should guess about.
constexpr int kMaxSignatures = 256;

// Hides the magic string just found so the same prober looks for its next copy (GPT backup
// header, LUKS2 secondary header), as wipefs does.
void skip_signature(blkid_probe probe, const Signature& sig) {
    if (!sig.magic.empty())
        blkid_probe_hide_range(probe, sig.offset.count(), sig.magic.size());
    blkid_probe_step_back(probe);
}

std::vector<Signature> scan_signatures(int fd, const std::string& path,
                                       const std::string& operation) {
    Probe probe = new_probe(fd, path, operation);
    enable_signature_chains(probe.get());
    std::vector<Signature> found;
    for (int round = 0; round < kMaxSignatures; ++round) {
        errno = 0;
        const int rc = blkid_do_probe(probe.get());
        if (rc == 1)
            return found;
        if (rc < 0)
            throw Error(Errc::blkid_failed, operation, path,
                        "libblkid failed while probing; the contents are unknown", {}, errno);
        auto sig = current_signature(probe.get());
        if (!sig)
            continue;
        skip_signature(probe.get(), *sig);
        found.push_back(std::move(*sig));
    }
    throw Error(Errc::blkid_failed, operation, path,
                "libblkid reported more than " + std::to_string(kMaxSignatures) +
                    " signatures; refusing to guess");
}

// ---- plain reads ------------------------------------------------------------------------

bool read_exact(int fd, std::uint64_t offset, std::size_t length, char* buffer) {
    std::size_t done = 0;
    while (done < length) {
        const ssize_t n =
            ::pread(fd, buffer + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool write_exact(int fd, std::uint64_t offset, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n =
            ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

UniqueFd open_target(const ResolvedPath& target, int flags, const std::string& operation) {
    UniqueFd fd(::open(target.resolved.c_str(), flags | O_CLOEXEC | O_NONBLOCK));
    if (fd)
        return fd;
    const int err = errno;
    if (err == EBUSY)
        throw Error(Errc::device_in_use, operation, target.path,
                    "the device is opened exclusively by another user (mounted, held by "
                    "device-mapper or md, or claimed by a running program)",
                    {}, err);
    if (err == EROFS || err == EACCES || err == EPERM)
        throw Error(Errc::permission_denied, operation, target.path,
                    "cannot open " + target.resolved + ((flags & O_RDWR) ? " for writing" : ""), {},
                    err);
    if (err == ENOENT || err == ENXIO || err == ENODEV)
        throw Error(Errc::not_found, operation, target.path,
                    "the device disappeared or has no medium", {}, err);
    throw Error(Errc::io_error, operation, target.path, "cannot open " + target.resolved, {}, err);
}

Bytes size_of(int fd, const ResolvedPath& target, const std::string& operation) {
    if (target.is_block_device) {
        std::uint64_t bytes = 0;
        if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0)
            throw Error(Errc::io_error, operation, target.path, "cannot read the device size", {},
                        errno);
        return Bytes(bytes);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        throw Error(Errc::io_error, operation, target.path, "cannot stat the image", {}, errno);
    return Bytes(static_cast<std::uint64_t>(st.st_size));
}

// Reads both ends of the device: a device that fails reads must never look empty, whatever
// libblkid makes of the errors.
void check_readable(int fd, const ResolvedPath& target, Bytes size, const std::string& operation) {
    constexpr std::uint64_t kProbeWindow = 64 * 1024;
    const std::uint64_t length = std::min(size.count(), kProbeWindow);
    std::string buffer(static_cast<std::size_t>(length), '\0');
    for (const std::uint64_t offset : {std::uint64_t{0}, size.count() - length}) {
        if (!read_exact(fd, offset, buffer.size(), buffer.data()))
            throw Error(Errc::io_error, operation, target.path,
                        "cannot read the device at offset " + std::to_string(offset) +
                            "; its contents are unknown",
                        {}, errno);
    }
}

Topology read_topology(int fd, const ResolvedPath& target, const std::string& operation) {
    Topology topology;
    if (!target.is_block_device)
        return topology;  // images: 512-byte sectors, no alignment hints
    Probe probe = new_probe(fd, target.path, operation);
    blkid_probe_enable_topology(probe.get(), 1);
    blkid_topology tp = blkid_probe_get_topology(probe.get());
    if (tp == nullptr)
        throw Error(Errc::blkid_failed, operation, target.path,
                    "libblkid could not read the device topology", {}, errno);
    const auto bytes = [](unsigned long value) { return Bytes(static_cast<std::uint64_t>(value)); };
    topology.logical_sector_size = bytes(blkid_topology_get_logical_sector_size(tp));
    topology.physical_sector_size = bytes(blkid_topology_get_physical_sector_size(tp));
    topology.alignment_offset = bytes(blkid_topology_get_alignment_offset(tp));
    topology.minimum_io_size = bytes(blkid_topology_get_minimum_io_size(tp));
    topology.optimal_io_size = bytes(blkid_topology_get_optimal_io_size(tp));
    return topology;
}

std::string partition_type(blkid_partition part) {
    if (const char* text = blkid_partition_get_type_string(part))
        return text;
    char code[8];
    std::snprintf(code, sizeof code, "0x%02x",
                  static_cast<unsigned>(blkid_partition_get_type(part)) & 0xffU);
    return code;
}

void read_partition_table(int fd, DeviceInfo& info, const std::string& operation) {
    Probe probe = new_probe(fd, info.path, operation);
    blkid_probe_enable_superblocks(probe.get(), 0);
    blkid_probe_enable_partitions(probe.get(), 1);
    blkid_probe_set_partitions_flags(probe.get(),
                                     BLKID_PARTS_ENTRY_DETAILS | BLKID_PARTS_FORCE_GPT);
    errno = 0;
    blkid_partlist list = blkid_probe_get_partitions(probe.get());
    if (list == nullptr)
        return;  // no table; a failed read was already caught by check_readable/scan
    if (blkid_parttable table = blkid_partlist_get_table(list)) {
        const char* type = blkid_parttable_get_type(table);
        const char* id = blkid_parttable_get_id(table);
        info.partition_table_type = type ? type : "";
        info.partition_table_uuid = id ? id : "";
    }
    const int count = blkid_partlist_numof_partitions(list);
    for (int i = 0; i < count; ++i) {
        blkid_partition part = blkid_partlist_get_partition(list, i);
        if (part == nullptr)
            continue;
        Partition entry;
        entry.number = static_cast<unsigned>(std::max(0, blkid_partition_get_partno(part)));
        entry.start = Sectors(static_cast<std::uint64_t>(
                                  std::max<blkid_loff_t>(0, blkid_partition_get_start(part))))
                          .bytes();
        entry.size = Sectors(static_cast<std::uint64_t>(
                                 std::max<blkid_loff_t>(0, blkid_partition_get_size(part))))
                         .bytes();
        entry.type = partition_type(part);
        const char* name = blkid_partition_get_name(part);
        const char* uuid = blkid_partition_get_uuid(part);
        entry.name = name ? name : "";
        entry.uuid = uuid ? uuid : "";
        info.table_partitions.push_back(std::move(entry));
    }
}

void add_lvm_info(int fd, std::vector<Signature>& signatures, Bytes size) {
    const internal::ReadAt reader = [fd](std::uint64_t offset, std::size_t length, char* buffer) {
        return read_exact(fd, offset, length, buffer);
    };
    for (auto& sig : signatures) {
        // libblkid reports the "LVM2 001" type field, 24 bytes into the label sector.
        if (sig.type != "LVM2_member" || sig.offset.count() < 24)
            continue;
        sig.lvm = internal::read_lvm_pv_info(reader, sig.offset.count() - 24, size.count());
    }
}

std::string sysfs_text(const std::string& kernel_name, const std::string& file,
                       const std::string& operation) {
    std::string text =
        internal::read_text_file("/sys/class/block/" + kernel_name + "/" + file, operation);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

void read_sysfs_facts(DeviceInfo& info, const std::string& operation) {
    namespace fs = std::filesystem;
    const std::string dir = "/sys/class/block/" + info.kernel_name;
    std::error_code ec;
    info.is_partition = fs::exists(dir + "/partition", ec);
    if (info.is_partition) {
        const fs::path real = fs::canonical(dir, ec);
        if (ec)
            throw Error(Errc::io_error, operation, info.path, "cannot resolve " + dir, {},
                        ec.value());
        info.parent_kernel_name = real.parent_path().filename().string();
    } else {
        info.kernel_partitions = internal::kernel_partitions(info.kernel_name, operation);
    }
    const std::string& disk = info.is_partition ? info.parent_kernel_name : info.kernel_name;
    info.rotational = sysfs_text(disk, "queue/rotational", operation) == "1";
}

// True when the kernel refuses us an exclusive open: someone else has claimed the device.
bool claimed_elsewhere(const ResolvedPath& target) {
    if (!target.is_block_device)
        return false;
    UniqueFd fd(::open(target.resolved.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC | O_NONBLOCK));
    return !fd && errno == EBUSY;
}

internal::Users users_of(const DeviceInfo& info) {
    return {info.mounts, info.swaps, info.holders};
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
    std::string text;
    for (const auto& part : parts) {
        if (!text.empty())
            text += separator;
        text += part;
    }
    return text;
}

std::string hex(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%" PRIx64, value);
    return text;
}

}  // namespace

// ---- seams -------------------------------------------------------------------------------

namespace internal {
void set_wipe_fault_for_testing(WipeFault fault) {
    wipe_fault() = std::move(fault);
}
void set_probe_fault_for_testing(ProbeFault fault) {
    probe_fault() = std::move(fault);
}
}  // namespace internal

// ---- text --------------------------------------------------------------------------------

const char* to_string(Usage usage) noexcept {
    switch (usage) {
        case Usage::filesystem:
            return "filesystem";
        case Usage::raid:
            return "raid";
        case Usage::crypto:
            return "crypto";
        case Usage::partition_table:
            return "partition_table";
        case Usage::other:
            return "other";
    }
    return "other";
}

const char* to_string(Verdict::Kind kind) noexcept {
    switch (kind) {
        case Verdict::Kind::free:
            return "free";
        case Verdict::Kind::has_signatures:
            return "has_signatures";
        case Verdict::Kind::in_use:
            return "in_use";
        case Verdict::Kind::unknown:
            return "unknown";
    }
    return "unknown";
}

std::string Signature::describe() const {
    std::string text = type + " (" + to_string(usage) + ") at offset " +
                       std::to_string(offset.count()) + " (" + hex(offset.count()) + ")";
    if (!label.empty())
        text += ", label \"" + label + "\"";
    if (!uuid.empty())
        text += ", UUID " + uuid;
    if (lvm) {
        switch (lvm->membership) {
            case LvmPvInfo::Membership::member:
                text += ", PV of volume group \"" + lvm->vg_name + "\"";
                break;
            case LvmPvInfo::Membership::orphan:
                text += ", PV in no volume group";
                break;
            case LvmPvInfo::Membership::unknown:
                text += ", volume group unknown (metadata not readable)";
                break;
        }
    }
    return text;
}

std::string Verdict::summary() const {
    std::string text = kind == Kind::has_signatures ? "has signatures"
                       : kind == Kind::in_use       ? "in use"
                                                    : to_string(kind);
    if (!reasons.empty())
        text += ": " + join(reasons, "; ");
    return text;
}

bool DeviceInfo::in_use() const noexcept {
    return !mounts.empty() || !swaps.empty() || !holders.empty() || exclusively_opened_elsewhere;
}

// ---- inspect -------------------------------------------------------------------------------

DeviceInfo inspect(const std::string& path, const InspectOptions& options) {
    const std::string operation = "inspect";
    const ResolvedPath target = internal::resolve_path(path, options.allow_regular_file, operation);
    DeviceInfo info;
    info.path = path;
    info.resolved_path = target.resolved;
    info.is_block_device = target.is_block_device;
    info.major = major(target.rdev);
    info.minor = minor(target.rdev);
    info.kernel_name = target.kernel_name;
    info.read_only = internal::is_read_only(target);

    const UniqueFd fd = open_target(target, O_RDONLY, operation);
    info.size = size_of(fd.get(), target, operation);
    check_readable(fd.get(), target, info.size, operation);
    if (target.is_block_device)
        read_sysfs_facts(info, operation);
    if (!options.signatures_and_users_only)
        info.topology = read_topology(fd.get(), target, operation);
    info.signatures = scan_signatures(fd.get(), path, operation);
    add_lvm_info(fd.get(), info.signatures, info.size);
    if (!options.signatures_and_users_only)
        read_partition_table(fd.get(), info, operation);

    auto users = internal::find_users(target, info.kernel_partitions, operation);
    info.mounts = std::move(users.mounts);
    info.swaps = std::move(users.swaps);
    info.holders = std::move(users.holders);
    info.exclusively_opened_elsewhere = info.mounts.empty() && info.swaps.empty() &&
                                        info.holders.empty() && claimed_elsewhere(target);
    log(LogCategory::blkid, LogLevel::debug,
        "inspected " + path + ": " + std::to_string(info.signatures.size()) + " signature(s)");
    return info;
}

// ---- verdict -------------------------------------------------------------------------------

Verdict judge(const DeviceInfo& device) {
    Verdict verdict;
    verdict.signatures = device.signatures;
    verdict.device = device;
    if (device.in_use()) {
        verdict.kind = Verdict::Kind::in_use;
        verdict.reasons = internal::describe_users(users_of(device));
        if (device.exclusively_opened_elsewhere)
            verdict.reasons.push_back(device.path + " is opened exclusively by another program");
        return verdict;
    }
    for (const auto& sig : device.signatures)
        verdict.reasons.push_back(sig.describe());
    if (!device.table_partitions.empty())
        verdict.reasons.push_back("the " + device.partition_table_type + " partition table lists " +
                                  std::to_string(device.table_partitions.size()) + " partition(s)");
    std::vector<std::string> names;
    for (const auto& part : device.kernel_partitions)
        names.push_back(part.kernel_name);
    if (!names.empty())
        verdict.reasons.push_back("the kernel has partitions " + join(names, ", "));
    verdict.kind = verdict.reasons.empty() ? Verdict::Kind::free : Verdict::Kind::has_signatures;
    return verdict;
}

Verdict assess(const std::string& path, const InspectOptions& options) {
    const ResolvedPath target = internal::resolve_path(path, options.allow_regular_file, "assess");
    if (internal::is_read_only(target))
        throw Error(Errc::permission_denied, "assess", path,
                    "the device is read-only; a PV can not be written to it");
    try {
        return judge(inspect(path, options));
    } catch (const Error& e) {
        switch (e.errc()) {
            case Errc::blkid_failed:
            case Errc::io_error:
            case Errc::parse_error:
                break;
            default:
                throw;
        }
        log(LogCategory::blkid, LogLevel::warning,
            std::string("device state unknown: ") + e.what());
        Verdict verdict;
        verdict.kind = Verdict::Kind::unknown;
        verdict.reasons.push_back(e.what());
        return verdict;
    }
}

// ---- wipe ----------------------------------------------------------------------------------

namespace {

bool selected(const Signature& sig, const std::vector<SignatureSelector>& only) {
    if (only.empty())
        return true;
    return std::any_of(only.begin(), only.end(), [&](const SignatureSelector& s) {
        return s.type == sig.type && (!s.offset || *s.offset == sig.offset);
    });
}

std::string describe(const SignatureSelector& selector) {
    return selector.type +
           (selector.offset ? " at offset " + std::to_string(selector.offset->count()) : "");
}

void refuse_if_used(const ResolvedPath& target, const std::vector<Partition>& partitions,
                    const std::string& operation) {
    const auto users = internal::find_users(target, partitions, operation);
    const auto reasons = internal::describe_users(users);
    if (!reasons.empty())
        throw Error(Errc::device_in_use, operation, target.path,
                    "refusing to wipe a device in use: " + join(reasons, "; "));
}

// Writes back the magic strings erased so far (newest first); true when all went back.
bool restore(int fd, const std::vector<Signature>& erased, std::vector<std::string>& details) {
    bool ok = true;
    for (auto it = erased.rbegin(); it != erased.rend(); ++it) {
        if (!write_exact(fd, it->offset.count(), it->magic)) {
            ok = false;
            details.push_back("could not restore " + it->describe() + ": " + std::strerror(errno));
        } else {
            details.push_back("restored " + it->describe());
        }
    }
    if (::fsync(fd) != 0) {
        ok = false;
        details.push_back(std::string("could not flush the restored signatures: ") +
                          std::strerror(errno));
    }
    return ok;
}

[[noreturn]] void fail_and_restore(int fd, const ResolvedPath& target,
                                   const std::vector<Signature>& erased, const std::string& what,
                                   int err) {
    std::vector<std::string> details;
    if (erased.empty() || restore(fd, erased, details))
        throw Error(Errc::io_error, "wipe", target.path,
                    what + (erased.empty() ? "; nothing was erased"
                                           : "; the erased signatures were put back"),
                    details, err);
    throw Error(
        Errc::rollback_incomplete, "wipe", target.path,
        what + "; putting the erased signatures back failed too, the device may be partly wiped",
        details, err);
}

bool reread_partition_table(int fd, const std::string& path) {
    // The first attempt often races with whoever closed the device last (wipefs waits too).
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (::ioctl(fd, BLKRRPART) == 0)
            return true;
        if (errno != EBUSY)
            break;
        ::usleep(250000);
    }
    log(LogCategory::blkid, LogLevel::notice,
        "wipe " + path + ": the kernel did not re-read the partition table (" +
            std::strerror(errno) + ")");
    return false;
}

}  // namespace

WipeResult wipe(const std::string& path, const WipeOptions& options) {
    const std::string operation = "wipe";
    const ResolvedPath target = internal::resolve_path(path, options.allow_regular_file, operation);
    if (internal::is_read_only(target))
        throw Error(Errc::permission_denied, operation, path, "the device is read-only");

    std::vector<Partition> partitions;
    bool whole_disk = false;
    if (target.is_block_device) {
        whole_disk =
            !std::filesystem::exists("/sys/class/block/" + target.kernel_name + "/partition");
        if (whole_disk)
            partitions = internal::kernel_partitions(target.kernel_name, operation);
    }
    refuse_if_used(target, partitions, operation);
    // O_EXCL: the kernel refuses it while the device is mounted or held, and while we hold it
    // nobody can mount, swapon or stack on it. Check again under that claim.
    const UniqueFd fd =
        open_target(target, O_RDWR | (target.is_block_device ? O_EXCL : 0), operation);
    refuse_if_used(target, partitions, operation);
    // libblkid reads a device whose every read fails as "nothing found": wiping nothing there
    // must not pass for success.
    check_readable(fd.get(), target, size_of(fd.get(), target, operation), operation);

    const auto before = scan_signatures(fd.get(), path, operation);
    for (const auto& selector : options.only) {
        if (std::none_of(before.begin(), before.end(),
                         [&](const Signature& sig) { return selected(sig, {selector}); }))
            throw Error(Errc::not_found, operation, path,
                        "no signature " + describe(selector) + " on the device; nothing was wiped");
    }

    Probe probe = new_probe(fd.get(), path, operation);
    enable_signature_chains(probe.get());
    WipeResult result;
    bool table_erased = false;
    for (int round = 0;; ++round) {
        if (round >= kMaxSignatures)
            fail_and_restore(fd.get(), target, result.wiped, "libblkid kept finding signatures", 0);
        errno = 0;
        const int rc = blkid_do_probe(probe.get());
        if (rc == 1)
            break;
        if (rc < 0)
            fail_and_restore(fd.get(), target, result.wiped, "libblkid failed while probing",
                             errno);
        auto sig = current_signature(probe.get());
        if (!sig)
            continue;
        if (!selected(*sig, options.only)) {
            skip_signature(probe.get(), *sig);
            continue;
        }
        int err = wipe_fault() ? wipe_fault()(*sig) : 0;
        if (err == 0 && blkid_do_wipe(probe.get(), 0) != 0)
            err = errno != 0 ? errno : EIO;
        if (err != 0)
            fail_and_restore(fd.get(), target, result.wiped, "cannot erase " + sig->describe(),
                             err);
        log(LogCategory::blkid, LogLevel::info, "wipe " + path + ": erased " + sig->describe());
        table_erased = table_erased || sig->usage == Usage::partition_table;
        result.wiped.push_back(std::move(*sig));
    }
    if (::fsync(fd.get()) != 0)
        fail_and_restore(fd.get(), target, result.wiped, "cannot flush the wiped device", errno);

    if (target.is_block_device && whole_disk && (table_erased || !partitions.empty()))
        result.partition_table_reread = reread_partition_table(fd.get(), path);

    std::vector<std::string> left;
    for (const auto& sig : scan_signatures(fd.get(), path, operation))
        if (selected(sig, options.only))
            left.push_back(sig.describe());
    if (!left.empty())
        throw Error(Errc::io_error, operation, path, "signatures remain after wiping", left);
    return result;
}

}  // namespace lvmkit::blockdev
