/// @file lvmkit.hpp
/// @brief Umbrella header: everything lvmkit offers.
#pragma once

#include "lvmkit/blockdev.hpp"
#include "lvmkit/config_edit.hpp"
#include "lvmkit/containerd_config.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/docker_config.hpp"
#include "lvmkit/docker_detect.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/files.hpp"
#include "lvmkit/graph_leftovers.hpp"
#include "lvmkit/grow.hpp"
#include "lvmkit/log.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/metrics.hpp"
#include "lvmkit/names.hpp"
#include "lvmkit/profile.hpp"
#include "lvmkit/setup.hpp"
#include "lvmkit/size.hpp"
#include "lvmkit/sizing.hpp"
#include "lvmkit/version.hpp"

// The version macros are defined in the generated lvmkit/version.hpp (from lib/version.hpp.in);
// they are documented here, in a header under include/, for the API reference.

/// @def LVMKIT_VERSION_MAJOR
/// lvmkit's major version, an integer literal, e.g. `0` for 0.1.0 (set at configure time).

/// @def LVMKIT_VERSION_MINOR
/// lvmkit's minor version, an integer literal, e.g. `1` for 0.1.0.

/// @def LVMKIT_VERSION_PATCH
/// lvmkit's patch version, an integer literal, e.g. `0` for 0.1.0.

/// @def LVMKIT_VERSION_STRING
/// lvmkit's version as a string literal, e.g. `"0.1.0"`; lvmkit::kVersion holds the same text.
