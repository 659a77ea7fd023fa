// The dm layer against a real kernel: device lifecycle, failures that must leave nothing behind,
// and raw thin pools with thin volumes and snapshots.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include "catch_compat.hpp"

#include "dm/dm_call.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"
#include "system/fixtures.hpp"

namespace dm = lvmkit::dm;
using lvmkit::Errc;
using lvmkit::Error;
using lvmkit::Sectors;
using lvmkit::test::LoopDevice;

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

bool node_exists(const std::string& name) {
    struct stat st {};
    return ::lstat(("/dev/mapper/" + name).c_str(), &st) == 0;
}

bool device_listed(const std::string& name) {
    const auto devices = dm::list_devices();
    return std::any_of(devices.begin(), devices.end(),
                       [&](const dm::DeviceEntry& d) { return d.name == name; });
}

// The error code of what @p fn throws; fails the test when it does not throw lvmkit::Error.
template <typename Fn>
Error error_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected an lvmkit::Error");
    throw std::logic_error("unreachable");
}

// Removes what a failed test left, so the next test starts clean (never throws).
struct Cleanup {
    std::vector<std::string> names;  // removed in reverse order
    ~Cleanup() {
        for (auto it = names.rbegin(); it != names.rend(); ++it) {
            try {
                if (dm::info(*it).exists)
                    dm::remove(*it);
            } catch (...) {
            }
        }
    }
};

struct Fd {
    int fd;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
};

// Writes @p bytes of a pattern with O_DIRECT from @p offset; returns the errno of the first
// failing write, or 0.
int write_direct(const std::string& path, std::uint64_t offset, std::uint64_t bytes) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC));
    REQUIRE(fd.fd >= 0);
    constexpr std::size_t chunk = 1 << 20;
    void* raw = nullptr;
    REQUIRE(::posix_memalign(&raw, 4096, chunk) == 0);
    std::unique_ptr<void, decltype(&std::free)> buffer(raw, &std::free);
    std::memset(buffer.get(), 0xa5, chunk);
    for (std::uint64_t done = 0; done < bytes; done += chunk) {
        const ssize_t n = ::pwrite(fd.fd, buffer.get(), chunk, static_cast<off_t>(offset + done));
        if (n < 0)
            return errno;
        if (static_cast<std::size_t>(n) != chunk)
            return EIO;
    }
    return ::fsync(fd.fd) == 0 ? 0 : errno;
}

const dm::ThinPoolUsage& usage_of(const dm::ThinPoolStatus& status) {
    const auto* usage = std::get_if<dm::ThinPoolUsage>(&status);
    REQUIRE(usage != nullptr);
    return *usage;
}

}  // namespace

TEST_CASE("dm: linear device lifecycle through libdevmapper", "[system][dm]") {
    LoopDevice loop(16 * kMiB, "dm-life");
    const std::string name = "lvmkit-dm-life";
    const std::string renamed = "lvmkit-dm-life2";
    Cleanup cleanup{{name, renamed}};
    const Sectors length(16 * kMiB / 512);

    REQUIRE_FALSE(dm::info(name).exists);
    dm::create(name, {{Sectors(0), length, dm::LinearTarget{loop.path(), Sectors(0)}}},
               {"LVMKIT-test-life", false});

    const auto info = dm::info(name);
    CHECK(info.exists);
    CHECK(info.uuid == "LVMKIT-test-life");
    CHECK(info.live_table);
    CHECK_FALSE(info.suspended);
    CHECK_FALSE(info.read_only);
    CHECK(info.open_count == 0);
    CHECK(info.target_count == 1);
    CHECK(info.number.major != 0);
    CHECK(node_exists(name));  // libdevmapper made the node itself: no udev in the guest
    CHECK(device_listed(name));

    struct stat loop_stat {};
    REQUIRE(::stat(loop.path().c_str(), &loop_stat) == 0);
    const std::string loop_number =
        std::to_string(major(loop_stat.st_rdev)) + ":" + std::to_string(minor(loop_stat.st_rdev));
    const dm::Table expected{{Sectors(0), length, dm::LinearTarget{loop_number, Sectors(0)}}};
    CHECK(dm::table(name) == expected);

    const auto statuses = dm::status(name);
    REQUIRE(statuses.size() == 1);
    CHECK(statuses[0].type == "linear");
    CHECK(statuses[0].length == length);

    dm::suspend(name);
    CHECK(dm::info(name).suspended);
    dm::reload(name, {{Sectors(0), length, dm::ErrorTarget{}}});
    CHECK(dm::info(name).inactive_table);
    dm::resume(name);
    CHECK_FALSE(dm::info(name).suspended);
    CHECK(dm::table(name) == dm::Table{{Sectors(0), length, dm::ErrorTarget{}}});
    CHECK(dm::info(name).event_number >= info.event_number);

    const auto refused = error_of([&] { dm::message(name, "hello"); });
    CHECK(refused.errc() == Errc::dm_failed);
    CHECK(refused.sys_errno() != 0);

    dm::rename(name, renamed);
    CHECK_FALSE(dm::info(name).exists);
    CHECK(dm::info(renamed).exists);
    CHECK(node_exists(renamed));
    CHECK_FALSE(node_exists(name));

    dm::remove(renamed);
    CHECK_FALSE(dm::info(renamed).exists);
    CHECK_FALSE(node_exists(renamed));
    CHECK_FALSE(device_listed(renamed));
    CHECK(dm::info(renamed).name.empty());
}

TEST_CASE("dm: busy removal, deferred removal", "[system][dm]") {
    REQUIRE(lvmkit::test::load_module("dm-zero"));  // the guest can not autoload modules
    LoopDevice loop(8 * kMiB, "dm-busy");
    const std::string name = "lvmkit-dm-busy";
    Cleanup cleanup{{name}};
    dm::create(name, {{Sectors(0), Sectors(8 * kMiB / 512), dm::ZeroTarget{}}});
    {
        Fd holder(::open(("/dev/mapper/" + name).c_str(), O_RDONLY | O_CLOEXEC));
        REQUIRE(holder.fd >= 0);
        CHECK(dm::info(name).open_count == 1);

        const auto busy = error_of([&] { dm::remove(name, {false, false}); });
        CHECK(busy.errc() == Errc::busy);
        CHECK(busy.sys_errno() == EBUSY);
        CHECK(dm::info(name).exists);

        dm::remove(name, {false, true});  // deferred: returns while still open
        const auto pending = dm::info(name);
        CHECK(pending.exists);
        CHECK(pending.deferred_remove);
    }
    // The last close queues the removal in the kernel (a work item): give it a moment.
    for (int i = 0; i < 200 && dm::info(name).exists; ++i)
        ::usleep(10000);
    CHECK_FALSE(dm::info(name).exists);
    CHECK_FALSE(node_exists(name));
}

TEST_CASE("dm: refusals leave nothing behind", "[system][dm]") {
    REQUIRE(lvmkit::test::load_module("dm-zero"));
    LoopDevice loop(8 * kMiB, "dm-refuse");
    const std::string name = "lvmkit-dm-refuse";
    Cleanup cleanup{{name}};
    const auto before = dm::list_devices().size();

    // A bad name never reaches the kernel.
    CHECK(error_of([&] {
              dm::create("bad name", {{Sectors(0), Sectors(8), dm::ZeroTarget{}}});
          }).errc() == Errc::invalid_argument);

    // The kernel refuses the table: libdevmapper's messages and errno come with the error, and
    // the half-made device is gone.
    const auto refused = error_of([&] {
        dm::create(name,
                   {{Sectors(0), Sectors(8), dm::LinearTarget{"/dev/lvmkit-nothing", Sectors(0)}}});
    });
    CHECK(refused.errc() == Errc::not_found);
    CHECK_FALSE(refused.details().empty());
    CHECK(refused.sys_errno() != 0);
    CHECK_FALSE(dm::info(name).exists);
    CHECK_FALSE(node_exists(name));
    CHECK(dm::list_devices().size() == before);

    // Errors for a missing device.
    CHECK(error_of([&] { dm::table(name); }).errc() == Errc::not_found);
    CHECK(error_of([&] { dm::status(name); }).errc() == Errc::not_found);
    CHECK(error_of([&] { dm::remove(name); }).errc() == Errc::not_found);
    CHECK(error_of([&] { dm::resume(name); }).errc() == Errc::not_found);
    CHECK(error_of([&] { dm::thin_pool_status(name); }).errc() == Errc::not_found);

    // A name that exists.
    dm::create(name, {{Sectors(0), Sectors(8), dm::ZeroTarget{}}});
    CHECK(error_of([&] {
              dm::create(name, {{Sectors(0), Sectors(8), dm::ZeroTarget{}}});
          }).errc() == Errc::already_exists);
    CHECK(error_of([&] { dm::thin_pool_status(name); }).errc() == Errc::mismatch);
    dm::create(name + "-tpool", {{Sectors(0), Sectors(8), dm::ZeroTarget{}}});
    cleanup.names.push_back(name + "-tpool");
    CHECK_THAT(error_of([&] { dm::thin_pool_status(name); }).message(),
               Catch::Contains("'lvmkit-dm-refuse-tpool'"));
    dm::remove(name + "-tpool");
    dm::remove(name);
}

TEST_CASE("dm: libdevmapper's messages go to the log sink, not stderr", "[system][dm]") {
    std::vector<std::string> seen;
    auto previous = lvmkit::set_log_sink(
        [&](lvmkit::LogCategory category, lvmkit::LogLevel level, std::string_view message) {
            if (category == lvmkit::LogCategory::dm && level >= lvmkit::LogLevel::warning)
                seen.emplace_back(message);
        });
    char path[] = "/tmp/lvmkit-stderr-XXXXXX";
    const int capture = ::mkstemp(path);
    REQUIRE(capture >= 0);
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(capture, STDERR_FILENO);
    try {
        dm::create("lvmkit-dm-log",
                   {{Sectors(0), Sectors(8), dm::LinearTarget{"/dev/lvmkit-nothing", Sectors(0)}}});
    } catch (const Error&) {
    }
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    struct stat st {};
    ::fstat(capture, &st);
    ::close(capture);
    ::unlink(path);
    lvmkit::set_log_sink(previous);
    CHECK(st.st_size == 0);
    CHECK_FALSE(seen.empty());
}

TEST_CASE("dm: raw thin pool, thin volumes, snapshot, out of data space", "[system][dm]") {
    REQUIRE(lvmkit::test::load_module("dm-thin-pool"));
    LoopDevice metadata(8 * kMiB, "dm-meta");
    LoopDevice data(16 * kMiB, "dm-data");
    const std::string pool_name = "lvmkit-dm-pool";
    Cleanup cleanup{{pool_name, "lvmkit-dm-thin1", "lvmkit-dm-thin2", "lvmkit-dm-snap"}};

    dm::RawThinPoolSpec spec;
    spec.name = pool_name;
    spec.metadata_device = metadata.path();
    spec.data_device = data.path();
    spec.data_block_size = Sectors(128);  // 64 KiB: 256 blocks of data
    spec.features.error_if_no_space = true;
    spec.features.skip_block_zeroing = true;
    const dm::ThinPool pool = dm::create_thin_pool(spec);

    const auto pool_table = dm::table(pool_name);
    REQUIRE(pool_table.size() == 1);
    const auto& target = std::get<dm::ThinPoolTarget>(pool_table[0].target);
    CHECK(target.data_block_size == Sectors(128));
    CHECK(target.features.error_if_no_space);
    CHECK(target.features.skip_block_zeroing);
    CHECK_FALSE(target.features.read_only);

    // Same text as the CLI reads (the library never runs it; the test compares).
    const auto raw = dm::status(pool_name);
    REQUIRE(raw.size() == 1);
    const auto cli = lvmkit::test::run_command({"dmsetup", "status", pool_name});
    REQUIRE(cli.exit_code == 0);
    CHECK(cli.output ==
          "0 " + std::to_string(raw[0].length.count()) + " thin-pool " + raw[0].params + "\n");

    const auto fresh = usage_of(pool.status());
    CHECK(fresh.transaction_id == 0);
    CHECK(fresh.used_data_blocks == 0);
    CHECK(fresh.total_data_blocks == 256);
    CHECK(fresh.total_metadata_blocks == 8 * kMiB / 4096);
    CHECK(fresh.used_metadata_blocks > 0);
    CHECK(fresh.mode == dm::PoolMode::read_write);
    CHECK(fresh.no_space_policy == dm::NoSpacePolicy::error);
    CHECK(fresh.discards == dm::DiscardMode::passdown);
    CHECK_FALSE(fresh.needs_check);
    CHECK_FALSE(fresh.held_metadata_root.has_value());
    CHECK(fresh.metadata_low_water_mark.has_value());  // kernel 6.1 prints one
    CHECK(fresh.data_block_size == Sectors(128));
    CHECK(fresh.total_data_bytes() == lvmkit::Bytes(16 * kMiB));
    CHECK(fresh.data_percent() == Approx(0.0));

    pool.create_thin(1);
    pool.create_thin(2);
    pool.set_transaction_id(0, 1);
    CHECK(usage_of(pool.status()).transaction_id == 1);
    // A wrong current id is refused by the kernel.
    CHECK(error_of([&] { pool.set_transaction_id(0, 2); }).errc() == Errc::dm_failed);
    // An id that exists is refused.
    const auto taken = error_of([&] { pool.create_thin(1); });
    CHECK(taken.errc() == Errc::already_exists);
    CHECK(taken.sys_errno() == EEXIST);
    CHECK(error_of([&] { pool.create_thin(dm::kMaxThinDeviceId + 1); }).errc() ==
          Errc::invalid_argument);

    const Sectors virtual_size(64 * kMiB / 512);
    pool.activate_thin("lvmkit-dm-thin1", 1, virtual_size);
    pool.activate_thin("lvmkit-dm-thin2", 2, virtual_size);
    CHECK(node_exists("lvmkit-dm-thin1"));
    const auto thin_usage = std::get<dm::ThinUsage>(dm::thin_status("lvmkit-dm-thin1"));
    CHECK(thin_usage.mapped == Sectors(0));
    CHECK_FALSE(thin_usage.highest_mapped.has_value());

    // Writing 4 MiB to thin1 maps 64 blocks.
    REQUIRE(write_direct("/dev/mapper/lvmkit-dm-thin1", 0, 4 * kMiB) == 0);
    const auto written = usage_of(pool.status());
    CHECK(written.used_data_blocks == 64);
    CHECK(written.used_data_bytes() == lvmkit::Bytes(4 * kMiB));
    CHECK(written.data_percent() == Approx(25.0));
    const auto thin1 = std::get<dm::ThinUsage>(dm::thin_status("lvmkit-dm-thin1"));
    CHECK(thin1.mapped == Sectors(4 * kMiB / 512));
    REQUIRE(thin1.highest_mapped.has_value());
    CHECK(*thin1.highest_mapped == Sectors(4 * kMiB / 512 - 1));

    // Snapshot of the active thin1: suspend the origin so the snapshot is consistent.
    dm::suspend("lvmkit-dm-thin1");
    pool.create_snap(3, 1);
    dm::resume("lvmkit-dm-thin1");
    pool.activate_thin("lvmkit-dm-snap", 3, virtual_size);
    CHECK(std::get<dm::ThinUsage>(dm::thin_status("lvmkit-dm-snap")).mapped ==
          Sectors(4 * kMiB / 512));
    CHECK(usage_of(pool.status()).used_data_blocks == 64);  // shared, not copied

    // Fill the pool through thin2: with error_if_no_space the writer gets an error, no hang.
    const int fill_errno = write_direct("/dev/mapper/lvmkit-dm-thin2", 0, 32 * kMiB);
    CHECK(fill_errno != 0);
    const auto full = usage_of(pool.status());
    CHECK(full.mode == dm::PoolMode::out_of_data_space);
    CHECK(full.used_data_blocks == full.total_data_blocks);
    CHECK(full.data_percent() == Approx(100.0));

    // Tear down: thins first, then delete them in the pool, then the pool.
    dm::remove("lvmkit-dm-snap");
    dm::remove("lvmkit-dm-thin2");
    dm::remove("lvmkit-dm-thin1");
    pool.delete_thin(3);
    pool.delete_thin(2);
    pool.delete_thin(1);
    const auto emptied = usage_of(pool.status());
    CHECK(emptied.used_data_blocks == 0);
    CHECK(error_of([&] { pool.delete_thin(1); }).errc() == Errc::not_found);
    dm::remove_thin_pool(pool_name);

    for (const auto& name : cleanup.names) {
        CHECK_FALSE(dm::info(name).exists);
        CHECK_FALSE(node_exists(name));
    }
}

TEST_CASE("dm: raw thin pool refuses devices in use and reports a failed zeroing", "[system][dm]") {
    REQUIRE(lvmkit::test::load_module("dm-thin-pool"));
    LoopDevice metadata(4 * kMiB, "dm-meta");
    LoopDevice data(8 * kMiB, "dm-data");
    LoopDevice other(4 * kMiB, "dm-other");
    const std::string pool_name = "lvmkit-dm-pool-a";
    Cleanup cleanup{{"lvmkit-dm-errdev", pool_name, "lvmkit-dm-pool-b", "lvmkit-dm-pool-c"}};

    dm::RawThinPoolSpec spec;
    spec.name = pool_name;
    spec.metadata_device = metadata.path();
    spec.data_device = data.path();
    const dm::ThinPool pool = dm::create_thin_pool(spec);
    pool.create_thin(7);
    pool.set_transaction_id(0, 5);

    // A second pool over the same metadata: refused before the live pool's metadata is zeroed.
    spec.name = "lvmkit-dm-pool-b";
    spec.data_device = other.path();
    const auto in_use = error_of([&] { dm::create_thin_pool(spec); });
    CHECK(in_use.errc() == Errc::device_in_use);
    CHECK(in_use.sys_errno() == EBUSY);
    CHECK_FALSE(dm::info("lvmkit-dm-pool-b").exists);
    // The first pool kept its metadata.
    CHECK(usage_of(pool.status()).transaction_id == 5);
    pool.create_snap(8, 7);  // thin 7 still exists

    // Same through the data device.
    spec.metadata_device = other.path();
    spec.data_device = data.path();
    CHECK(error_of([&] { dm::create_thin_pool(spec); }).errc() == Errc::device_in_use);
    CHECK_FALSE(dm::info("lvmkit-dm-pool-b").exists);

    // Validation before anything is touched.
    spec.data_device = data.path() + "-missing";
    CHECK(error_of([&] { dm::create_thin_pool(spec); }).errc() == Errc::not_found);
    spec.data_device = other.path();
    CHECK(error_of([&] { dm::create_thin_pool(spec); }).errc() == Errc::invalid_argument);
    spec.data_device = data.path();
    spec.data_block_size = Sectors(100);
    CHECK(error_of([&] { dm::create_thin_pool(spec); }).errc() == Errc::invalid_argument);
    spec.data_block_size = Sectors(128);
    {
        LoopDevice tiny(1 * kMiB, "dm-tiny");
        spec.metadata_device = tiny.path();
        spec.data_device = other.path();
        const auto small = error_of([&] { dm::create_thin_pool(spec); });
        CHECK(small.errc() == Errc::insufficient_space);
        CHECK_THAT(small.message(), Catch::Contains("at least 2 MiB"));
        spec.metadata_device = other.path();
        spec.data_device = data.path();
    }
    spec.name = pool_name;
    CHECK(error_of([&] { dm::create_thin_pool(spec); }).errc() == Errc::already_exists);

    // A metadata device whose writes fail: the zeroing reports io_error, no pool appears.
    dm::create("lvmkit-dm-errdev", {{Sectors(0), Sectors(8192), dm::ErrorTarget{}}});
    dm::RawThinPoolSpec failing;
    failing.name = "lvmkit-dm-pool-c";
    failing.metadata_device = "/dev/mapper/lvmkit-dm-errdev";
    failing.data_device = other.path();
    const auto io = error_of([&] { dm::create_thin_pool(failing); });
    CHECK(io.errc() == Errc::io_error);
    CHECK(io.sys_errno() == EIO);
    CHECK_FALSE(dm::info("lvmkit-dm-pool-c").exists);
    dm::remove("lvmkit-dm-errdev");

    // Teardown removes the active thins, then the pool; an open thin stops it with busy.
    pool.activate_thin("lvmkit-dm-td-a", 7, Sectors(8192));
    pool.activate_thin("lvmkit-dm-td-b", 8, Sectors(8192));
    cleanup.names.insert(cleanup.names.begin(), {"lvmkit-dm-td-a", "lvmkit-dm-td-b"});
    CHECK(pool.active_thins() == std::vector<std::string>{"lvmkit-dm-td-a", "lvmkit-dm-td-b"});
    {
        Fd holder(::open("/dev/mapper/lvmkit-dm-td-b", O_RDONLY | O_CLOEXEC));
        REQUIRE(holder.fd >= 0);
        const auto busy = error_of([&] { dm::teardown_thin_pool(pool_name, {false, false}); });
        CHECK(busy.errc() == Errc::busy);
        CHECK(busy.object() == "lvmkit-dm-td-b");
        CHECK(dm::info(pool_name).exists);
    }
    CHECK(pool.active_thins() == std::vector<std::string>{"lvmkit-dm-td-b"});
    dm::teardown_thin_pool(pool_name);
    CHECK_FALSE(dm::info("lvmkit-dm-td-b").exists);
    CHECK_FALSE(dm::info(pool_name).exists);
    CHECK_FALSE(node_exists(pool_name));
}

namespace {
const char* g_fail_at = nullptr;
void fail_at(const char* step) {
    if (g_fail_at != nullptr && std::string(step) == g_fail_at)
        throw Error(Errc::dm_failed, "injected", step, "injected failure");
}
struct FailPointGuard {
    explicit FailPointGuard(const char* step) {
        g_fail_at = step;
        dm::internal::set_create_fail_point(fail_at);
    }
    ~FailPointGuard() {
        dm::internal::set_create_fail_point(nullptr);
        g_fail_at = nullptr;
    }
};
}  // namespace

TEST_CASE("dm: a create that fails after the device exists is undone, or says what is left",
          "[system][dm]") {
    LoopDevice loop(8 * kMiB, "dm-undo");
    const std::string name = "lvmkit-dm-undo";
    Cleanup cleanup{{name}};
    const dm::Table table{
        {Sectors(0), Sectors(8 * kMiB / 512), dm::LinearTarget{loop.path(), Sectors(0)}}};

    for (const char* step : {"load", "resume"}) {
        INFO("failing step: " << step);
        FailPointGuard guard(step);
        const auto e = error_of([&] { dm::create(name, table); });
        CHECK(e.errc() == Errc::dm_failed);
        CHECK(e.message() == "injected failure");
        CHECK_FALSE(dm::info(name).exists);
        CHECK_FALSE(node_exists(name));
    }
    {
        FailPointGuard guard("create");
        CHECK(error_of([&] { dm::create(name, table); }).errc() == Errc::dm_failed);
        CHECK_FALSE(dm::info(name).exists);
    }
    {
        // The load fails and so does the undo: the error says the device is left.
        FailPointGuard guard("undo");
        g_fail_at = "undo";
        const auto bad_table = dm::Table{
            {Sectors(0), Sectors(8), dm::LinearTarget{"/dev/lvmkit-nothing", Sectors(0)}}};
        const auto e = error_of([&] { dm::create(name, bad_table); });
        CHECK(e.errc() == Errc::rollback_incomplete);
        CHECK_THAT(e.message(), Catch::Contains("it is left"));
        CHECK(e.sys_errno() == ENODEV);
        CHECK(dm::info(name).exists);
    }
    dm::remove(name);  // the leftover has no table; removing it works
    CHECK_FALSE(dm::info(name).exists);
}

TEST_CASE("dm: calls from several threads are serialised", "[system][dm]") {
    REQUIRE(lvmkit::test::load_module("dm-zero"));
    const std::string name = "lvmkit-dm-threads";
    Cleanup cleanup{{name + "-0", name + "-1", name + "-2"}};
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            const std::string mine = name + "-" + std::to_string(t);
            try {
                for (int i = 0; i < 10; ++i) {
                    dm::create(mine, {{Sectors(0), Sectors(8), dm::ZeroTarget{}}});
                    if (dm::status(mine).size() != 1 || !dm::info(mine).exists)
                        ++failures;
                    dm::remove(mine);
                }
            } catch (const Error&) {
                ++failures;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    CHECK(failures == 0);
    for (const auto& leftover : cleanup.names)
        CHECK_FALSE(dm::info(leftover).exists);
}
