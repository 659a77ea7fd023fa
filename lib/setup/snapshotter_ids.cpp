// containerd's devmapper snapshotter numbers its thin devices from 1 in its own database and
// never asks the pool; on a pool that holds devices already the kernel refuses each taken id,
// one failed create (a failed pull) per id. Its database, created before containerd's first
// start with the counter at the pool's highest id, makes containerd start after them.
#include "setup/snapshotter_ids.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "internal/snapshotter_database.hpp"
#include "lvmkit/containerd_config.hpp"

namespace lvmkit::setup::internal {

namespace {

std::string database_path(const ThinPoolSpec& spec) {
    const auto config = containerd_devmapper_config(spec.vg, spec.pool);
    return config.root_path + "/" + config.pool_name + ".db";
}

std::uint32_t page_size() {
    const long size = ::sysconf(_SC_PAGESIZE);  // what bbolt's Open uses for a new file
    return size > 0 ? static_cast<std::uint32_t>(size) : 4096;
}

std::string database_content(std::uint64_t highest_taken) {
    return lvmkit::internal::render_snapshotter_database(highest_taken, page_size());
}

// Whether the database is there, and whether it is the one this step writes (a regular file of
// that size is read; containerd's own, which grows, is not).
void look_at_database(const FileWriter& writer, SnapshotterIds& ids) {
    struct stat st {};
    if (::lstat(writer.root().resolve(ids.database).c_str(), &st) != 0)
        return;
    ids.database_exists = true;
    const std::string expected = database_content(ids.highest_taken);
    if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) == expected.size())
        ids.database_reserves = writer.read(ids.database) == expected;
}

}  // namespace

std::optional<SnapshotterIds> snapshotter_ids(const ThinPoolSpec& spec,
                                              const PoolContents& contents,
                                              const std::vector<lvm::LvReport>& lvs,
                                              const FileWriter& writer) {
    if (!contents.read || !contents.metadata_note.empty())
        return std::nullopt;
    std::uint64_t highest = 0;
    for (const auto id : contents.unknown_thin_ids)
        highest = std::max(highest, id);
    for (const auto& lv : lvs)
        if (lv.pool == spec.pool.str() && lv.thin_id)
            highest = std::max(highest, *lv.thin_id);
    if (highest == 0)
        return std::nullopt;
    SnapshotterIds ids;
    ids.database = database_path(spec);
    ids.highest_taken = highest;
    look_at_database(writer, ids);
    return ids;
}

Step snapshotter_ids_step(const SnapshotterIds& ids) {
    if (ids.database_reserves)
        return {StepKind::reserve_snapshotter_ids,
                "containerd's devmapper snapshotter database " + ids.database + " numbers from " +
                    std::to_string(ids.highest_taken + 1) + ", past the pool's thin ids",
                true};
    if (ids.database_exists)
        return {StepKind::reserve_snapshotter_ids,
                "containerd's devmapper snapshotter database " + ids.database +
                    " exists: lvmkit leaves it as it is (it can not tell which ids it holds)",
                true};
    const std::string highest = std::to_string(ids.highest_taken);
    return {StepKind::reserve_snapshotter_ids,
            "Keep containerd's devmapper snapshotter off the ids the pool's thin devices hold "
            "(the highest is " +
                highest + "): create its database " + ids.database + ", empty, numbering from " +
                std::to_string(ids.highest_taken + 1),
            false};
}

WriteResult reserve_snapshotter_ids(const FileWriter& writer, const SnapshotterIds& ids) {
    WriteOptions options;
    options.create_only = true;
    options.keep_backup = false;
    options.new_file_mode = 0600;
    return writer.write(ids.database, database_content(ids.highest_taken), options);
}

}  // namespace lvmkit::setup::internal
