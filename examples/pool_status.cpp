// Prints the status of a thin pool set up by lvmkit (or by hand, following the same layout):
// usage, mode, monitoring, autoextend and headroom, as text or JSON.
//   example-pool_status [VG [POOL]] [--json]      e.g. example-pool_status docker thinpool
#include <lvmkit/error.hpp>
#include <lvmkit/setup.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    lvmkit::setup::ThinPoolSpec spec;  // the defaults name docker/thinpool
    bool json = false;
    int positional = 0;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "--json")
                json = true;
            else if (positional++ == 0)
                spec.vg = lvmkit::VgName(arg);  // validated: a bad name throws invalid_argument
            else
                spec.pool = lvmkit::LvName(arg);
        }
        // status() only reads: LVM's report, the dm status line and the config files.
        const lvmkit::setup::PoolStatus status = lvmkit::setup::status(spec);
        std::fputs((json ? status.to_json() + "\n" : status.to_text()).c_str(), stdout);
        return status.exists ? 0 : 1;
    } catch (const lvmkit::Error& e) {
        // what() carries the operation, the object, the message and LVM's/dm's own lines.
        std::fprintf(stderr, "example-pool_status: %s\n", e.what());
        return 1;
    }
}
