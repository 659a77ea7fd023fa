// What an installer's UI shows before it touches a disk: the ordered steps as JSON (each with
// a sentence and whether it is done), the sizes lvmkit resolved, warnings and decisions.
// plan() runs the preflight checks and reads the system; it writes nothing.
//   example-installer_plan DEVICE [TARGET_ROOT]     e.g. example-installer_plan /dev/vdb
//   /mnt/sysimage
#include <lvmkit/error.hpp>
#include <lvmkit/setup.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DEVICE [TARGET_ROOT]\n", argv[0]);
        return 2;
    }
    lvmkit::setup::ThinPoolSpec spec;
    spec.devices = {argv[1]};
    if (argc > 2)
        spec.target_root = argv[2];  // daemon.json is planned under the installed system's root
    try {
        const lvmkit::setup::Plan plan = lvmkit::setup::plan(spec);
        std::printf("%s\n", plan.to_json().c_str());
        return 0;
    } catch (const lvmkit::Error& e) {
        // A refusal names the device and the reason (has_signatures, device_in_use, ...): an
        // installer shows e.message() and offers the choice that e.errc() suggests.
        std::printf("{\"refused\": \"%s\"}\n", lvmkit::to_string(e.errc()));
        std::fprintf(stderr, "%s\n", e.what());
        return 3;
    }
}
