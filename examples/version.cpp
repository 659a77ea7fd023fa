// Prints the lvmkit version and checks a size spec: the smallest program that links lvmkit.
#include <lvmkit/lvmkit.hpp>

#include <cstdio>

int main(int argc, char* argv[]) {
    std::printf("lvmkit %s\n", lvmkit::kVersion);
    for (int i = 1; i < argc; ++i) {
        try {
            std::printf("%s -> %s\n", argv[i],
                        lvmkit::to_string(lvmkit::parse_size_spec(argv[i])).c_str());
        } catch (const lvmkit::Error& e) {
            std::fprintf(stderr, "%s\n", e.what());
            return 2;
        }
    }
    return 0;
}
