/// @file lvmkit.hpp
/// @brief Umbrella header: everything lvmkit offers.
#pragma once

#include "lvmkit/blockdev.hpp"
#include "lvmkit/config_edit.hpp"
#include "lvmkit/containerd_config.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/docker_config.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/files.hpp"
#include "lvmkit/log.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/names.hpp"
#include "lvmkit/profile.hpp"
#include "lvmkit/setup.hpp"
#include "lvmkit/size.hpp"
#include "lvmkit/version.hpp"
