// Times blockdev::inspect(), assess() and wipe() on image files (or on the devices given).
//   bench-blockdev [ROUNDS] [DEVICE...]   (devices are only inspected, never wiped)
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lvmkit/blockdev.hpp"

namespace bd = lvmkit::blockdev;
using Clock = std::chrono::steady_clock;

namespace {

void report(const std::string& what, std::vector<double> us) {
    std::sort(us.begin(), us.end());
    const double median = us[us.size() / 2];
    const double p90 = us[std::min(us.size() - 1, us.size() * 9 / 10)];
    std::printf("%-40s median %9.1f us  p90 %9.1f us  (%zu runs)\n", what.c_str(), median, p90,
                us.size());
}

double time_us(const std::function<void()>& action) {
    const auto start = Clock::now();
    action();
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

std::string make_image(std::uint64_t size) {
    std::string path = std::filesystem::temp_directory_path() / "lvmkit-bench-XXXXXX.img";
    const int fd = ::mkstemps(path.data(), 4);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(size)) != 0)
        std::exit(1);
    ::close(fd);
    return path;
}

// A GPT written by sfdisk: three signatures (bench setup only; lvmkit never spawns tools).
bool write_gpt(const std::string& image) {
    const std::string cmd =
        "printf 'label: gpt\\nsize=64MiB\\n' | sfdisk -q " + image + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
    const bd::InspectOptions image_options{true};
    const std::string image = make_image(1ull << 30);

    std::vector<double> inspect_empty, assess_gpt, wipe_gpt;
    for (int i = 0; i < rounds; ++i)
        inspect_empty.push_back(time_us([&] { bd::inspect(image, image_options); }));
    report("inspect, empty 1 GiB image", inspect_empty);

    for (int i = 0; i < rounds; ++i) {
        if (!write_gpt(image)) {
            std::fprintf(stderr, "sfdisk failed\n");
            break;
        }
        assess_gpt.push_back(time_us([&] { bd::assess(image, image_options); }));
        wipe_gpt.push_back(time_us([&] { bd::wipe(image, {{}, true}); }));
    }
    if (!assess_gpt.empty()) {
        report("assess, 1 GiB image with GPT", assess_gpt);
        report("wipe (3 signatures + verify), GPT image", wipe_gpt);
    }
    std::filesystem::remove(image);

    for (int a = 2; a < argc; ++a) {
        std::vector<double> device;
        for (int i = 0; i < rounds; ++i)
            device.push_back(time_us([&] { bd::inspect(argv[a]); }));
        report(std::string("inspect ") + argv[a], device);
    }
    return 0;
}
