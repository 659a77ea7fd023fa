// Prints what lvmkit sees on a device (or, with --image, an image file) and its verdict.
//   example-inspect_device /dev/sdb
//   example-inspect_device --image disk.img
#include <cstdio>
#include <cstring>
#include <string>

#include "lvmkit/blockdev.hpp"
#include "lvmkit/error.hpp"

namespace bd = lvmkit::blockdev;

namespace {

void print_partitions(const char* what, const std::vector<bd::Partition>& parts) {
    for (const auto& p : parts)
        std::printf("  %s %u: start %s, size %s%s%s\n", what, p.number,
                    lvmkit::format_human(p.start).c_str(), lvmkit::format_human(p.size).c_str(),
                    p.kernel_name.empty() ? "" : (", " + p.kernel_name).c_str(),
                    p.type.empty() ? "" : (", type " + p.type).c_str());
}

void print(const bd::DeviceInfo& d) {
    std::printf("%s -> %s\n", d.path.c_str(), d.resolved_path.c_str());
    if (d.is_block_device)
        std::printf("  block device %s (%u:%u)%s%s\n", d.kernel_name.c_str(), d.major, d.minor,
                    d.is_partition ? ", partition of " : ", whole disk",
                    d.is_partition ? d.parent_kernel_name.c_str() : "");
    std::printf("  size %s (%llu bytes)%s%s\n", lvmkit::format_human(d.size).c_str(),
                static_cast<unsigned long long>(d.size.count()), d.rotational ? ", rotational" : "",
                d.read_only ? ", read-only" : "");
    std::printf("  sectors: logical %llu, physical %llu; alignment offset %llu; optimal I/O %llu\n",
                static_cast<unsigned long long>(d.topology.logical_sector_size.count()),
                static_cast<unsigned long long>(d.topology.physical_sector_size.count()),
                static_cast<unsigned long long>(d.topology.alignment_offset.count()),
                static_cast<unsigned long long>(d.topology.optimal_io_size.count()));
    for (const auto& s : d.signatures)
        std::printf("  signature: %s\n", s.describe().c_str());
    if (!d.partition_table_type.empty())
        std::printf("  partition table: %s %s\n", d.partition_table_type.c_str(),
                    d.partition_table_uuid.c_str());
    print_partitions("table partition", d.table_partitions);
    print_partitions("kernel partition", d.kernel_partitions);
}

}  // namespace

int main(int argc, char** argv) {
    bd::InspectOptions options;
    const char* path = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--image") == 0)
            options.allow_regular_file = true;
        else
            path = argv[i];
    }
    if (path == nullptr) {
        std::fprintf(stderr, "usage: %s [--image] DEVICE\n", argv[0]);
        return 2;
    }
    try {
        const bd::Verdict verdict = bd::assess(path, options);
        if (verdict.device)
            print(*verdict.device);
        std::printf("verdict: %s\n", verdict.summary().c_str());
        return verdict.kind == bd::Verdict::Kind::free ? 0 : 1;
    } catch (const lvmkit::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 3;
    }
}
