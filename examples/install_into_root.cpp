// An installer's setup step: the pool on the target disk, with daemon.json written into the
// installed system's root (e.g. /mnt/sysimage), reporting each step to a progress callback.
// On failure apply() has already undone what it created; the error says what failed.
//   example-install_into_root DEVICE TARGET_ROOT
#include <lvmkit/error.hpp>
#include <lvmkit/setup.hpp>

#include <cstdio>

namespace setup = lvmkit::setup;

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s DEVICE TARGET_ROOT\n", argv[0]);
        return 2;
    }
    setup::ThinPoolSpec spec;
    spec.devices = {argv[1]};
    spec.target_root = argv[2];  // /etc/docker/daemon.json lands in TARGET_ROOT/etc/docker/
    spec.docker_version = "24.0.7";

    setup::ApplyOptions options;
    // Called on the calling thread, in order; an installer would update its progress bar here.
    options.on_progress = [](const setup::Progress& p) {
        std::printf("[%zu/%zu] %-12s %s (%lld ms)\n", p.index, p.total, setup::to_string(p.phase),
                    p.description.c_str(), static_cast<long long>(p.elapsed.count()));
        std::fflush(stdout);
    };
    try {
        const setup::ApplyResult result = setup::apply(spec, options);
        std::printf("%s in %lld ms\n", result.nothing_to_do ? "already set up" : "set up",
                    static_cast<long long>(result.duration.count()));
        return 0;
    } catch (const lvmkit::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return e.errc() == lvmkit::Errc::rollback_incomplete ? 4 : 1;
    }
}
