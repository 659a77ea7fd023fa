// The unit suite: no root, no device-mapper.
#include "catch_runner.hpp"

int main(int argc, char* argv[]) {
    return lvmkit::test::run_catch_session(argc, argv);
}
