// Prints a thin pool's typed status, e.g. `example-dm_pool_status docker-thinpool`.
// With no argument, lists the device-mapper devices and the type of their first target.
#include <lvmkit/dm.hpp>
#include <lvmkit/error.hpp>

#include <cstdio>
#include <string>
#include <variant>

namespace dm = lvmkit::dm;

namespace {

void print_usage(const dm::ThinPoolUsage& u) {
    std::printf("transaction id   %llu\n", static_cast<unsigned long long>(u.transaction_id));
    std::printf("data             %llu/%llu blocks (%.2f%%), %s of %s\n",
                static_cast<unsigned long long>(u.used_data_blocks),
                static_cast<unsigned long long>(u.total_data_blocks), u.data_percent(),
                lvmkit::format_human(u.used_data_bytes()).c_str(),
                lvmkit::format_human(u.total_data_bytes()).c_str());
    std::printf("metadata         %llu/%llu blocks (%.2f%%)\n",
                static_cast<unsigned long long>(u.used_metadata_blocks),
                static_cast<unsigned long long>(u.total_metadata_blocks), u.metadata_percent());
    std::printf("mode             %s\n", dm::to_string(u.mode));
    std::printf("discards         %s\n", dm::to_string(u.discards));
    std::printf("no space         %s\n", dm::to_string(u.no_space_policy));
    std::printf("needs_check      %s\n", u.needs_check ? "yes" : "no");
    if (u.held_metadata_root)
        std::printf("held root        %llu\n",
                    static_cast<unsigned long long>(*u.held_metadata_root));
}

int list() {
    for (const auto& device : dm::list_devices()) {
        const auto lines = dm::table(device.name);
        std::printf("%-40s %s %s\n", device.name.c_str(), device.number.str().c_str(),
                    lines.empty() ? "(no table)" : dm::target_type(lines.front().target).c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        if (argc < 2)
            return list();
        const auto status = dm::thin_pool_status(argv[1]);
        if (const auto* usage = std::get_if<dm::ThinPoolUsage>(&status)) {
            print_usage(*usage);
            return usage->needs_check || usage->mode != dm::PoolMode::read_write ? 1 : 0;
        }
        std::printf("%s\n", std::holds_alternative<dm::ThinPoolFailed>(status)
                                ? "Fail: the pool is in failure mode"
                                : "Error: the kernel could not read the pool's metadata");
        return 1;
    } catch (const lvmkit::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
}
