// The unit suite: no root, no device-mapper.
#define LVMKIT_CATCH_RUNNER
#include "catch_compat.hpp"

int main(int argc, char* argv[]) {
    return Catch::Session().run(argc, argv);
}
