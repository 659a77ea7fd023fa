#include "internal/libdm_lock.hpp"

namespace lvmkit::internal {

std::recursive_mutex& libdm_mutex() {
    static std::recursive_mutex mutex;
    return mutex;
}

}  // namespace lvmkit::internal
