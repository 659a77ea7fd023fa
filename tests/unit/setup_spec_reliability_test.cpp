// Spec values that must be refused before setup touches anything (the pure half of preflight);
// the same values are also driven through setup::apply under a real kernel in
// tests/system/reliability_input_test.cpp.
#include <string>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "setup/setup_internal.hpp"

using namespace lvmkit;

namespace {

setup::ThinPoolSpec base() {
    setup::ThinPoolSpec spec;
    spec.devices = {"/dev/sdb"};
    return spec;
}

void check_refused(const setup::ThinPoolSpec& spec, const std::string& words) {
    try {
        setup::internal::validate_spec(spec);
        FAIL("accepted");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.errc() == Errc::invalid_argument);
        CHECK(std::string(e.what()).find(words) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("setup spec: percentages outside 1..100 are refused", "[setup][reliability]") {
    for (const unsigned value : {0u, 101u, 1000u}) {
        INFO(value);
        auto spec = base();
        spec.data_size = Percent{value, PercentOf::VG};
        check_refused(spec, "a percentage must be 1..100");
        spec = base();
        spec.metadata_size = Percent{value, PercentOf::FREE};
        check_refused(spec, "a percentage must be 1..100");
    }
    auto spec = base();
    spec.data_size = Percent{100, PercentOf::FREE};
    spec.metadata_size = Percent{1, PercentOf::VG};
    CHECK_NOTHROW(setup::internal::validate_spec(spec));
}

TEST_CASE("setup spec: chunk sizes and thresholds out of range are refused",
          "[setup][reliability]") {
    for (const auto chunk : {Bytes::KiB(32), Bytes::KiB(100), Bytes::GiB(2)}) {
        auto spec = base();
        spec.chunk_size = chunk;
        check_refused(spec, "chunk");
    }
    for (const unsigned threshold : {0u, 49u, 101u}) {
        auto spec = base();
        spec.autoextend_threshold = threshold;
        check_refused(spec, "threshold");
    }
}

TEST_CASE("setup spec: an unreadable Docker version is refused, not read as Docker 24 or older",
          "[setup][reliability]") {
    for (const char* version : {"banana", "latest", ""}) {
        auto spec = base();
        spec.docker_version = version;
        check_refused(spec, "give it as 28, v28, 28.5, 28.5.2");
    }
    auto spec = base();
    spec.docker_version = "28";
    CHECK_NOTHROW(setup::internal::validate_spec(spec));
}
