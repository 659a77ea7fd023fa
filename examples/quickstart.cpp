// The README's "library in 20 lines": plan, apply with progress, status.
//   example-quickstart /dev/sdb [target-root]
#include <lvmkit/lvmkit.hpp>

#include <iostream>

int main(int argc, char* argv[]) {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " DEVICE [TARGET_ROOT]\n";
        return 2;
    }
    lvmkit::setup::ThinPoolSpec spec;  // defaults: the seed procedure (docker/thinpool, 95%/1%)
    spec.devices = {argv[1]};
    if (argc > 2)
        spec.target_root = argv[2];
    try {
        std::cout << lvmkit::setup::plan(spec).to_text();  // refuses before touching anything
        lvmkit::setup::ApplyOptions options;
        options.on_progress = [](const lvmkit::setup::Progress& p) {
            if (p.phase == lvmkit::setup::Progress::Phase::finished)
                std::cout << p.index << "/" << p.total << " " << p.description << " ("
                          << p.elapsed.count() << " ms)\n";
        };
        lvmkit::setup::apply(spec, options);  // rolls back on failure
        std::cout << lvmkit::setup::status(spec).to_text();
    } catch (const lvmkit::Error& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
