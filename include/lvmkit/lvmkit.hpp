/// @file lvmkit.hpp
/// @brief Umbrella header: everything lvmkit offers.
#pragma once

#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"
#include "lvmkit/names.hpp"
#include "lvmkit/size.hpp"
#include "lvmkit/version.hpp"
