// A thin pool without LVM, straight through device-mapper (as containerd's devmapper snapshotter
// does): pool from a metadata and a data device, two thin volumes, their status, then teardown.
//   example-raw_thin_pool METADATA_DEV DATA_DEV      (both are overwritten; root needed)
#include <lvmkit/dm.hpp>
#include <lvmkit/error.hpp>

#include <cstdio>
#include <variant>

namespace dm = lvmkit::dm;

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s METADATA_DEV DATA_DEV\n", argv[0]);
        return 2;
    }
    dm::RawThinPoolSpec spec;
    spec.name = "lvmkit-example-pool";
    spec.metadata_device = argv[1];  // its first 4 KiB are zeroed: a fresh, empty pool
    spec.data_device = argv[2];
    spec.data_block_size = lvmkit::Sectors(1024);  // 512 KiB chunks, as Docker's setup uses
    try {
        const dm::ThinPool pool = dm::create_thin_pool(spec);
        // Thin devices are ids inside the pool's metadata; activation gives them a dm name.
        for (std::uint32_t id : {1u, 2u}) {
            pool.create_thin(id);
            pool.activate_thin("lvmkit-example-thin" + std::to_string(id), id,
                               lvmkit::Sectors::floor(lvmkit::Bytes::GiB(10)));
        }
        for (const auto& thin : pool.active_thins())
            std::printf("thin volume /dev/mapper/%s\n", thin.c_str());
        const dm::ThinPoolStatus status = pool.status();
        if (const auto* usage = std::get_if<dm::ThinPoolUsage>(&status))
            std::printf("pool %s: data %.2f%%, metadata %.2f%%, mode %s\n", pool.name().c_str(),
                        usage->data_percent(), usage->metadata_percent(),
                        dm::to_string(usage->mode));
        // Removal is always explicit: deactivate the thins, then the pool. The thins' data stays
        // in the metadata until delete_thin(); a new create_thin_pool() would zero it.
        dm::teardown_thin_pool(pool.name());
        std::printf("removed %s and its thin volumes\n", spec.name.c_str());
        return 0;
    } catch (const lvmkit::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
