/// @file config_edit.hpp
/// @brief What the config merges return, and how they treat settings that contradict lvmkit's.
#pragma once

#include <string>
#include <vector>

namespace lvmkit {

/// What to do when an existing file already chooses another storage driver, pool or snapshotter
/// setup than the one lvmkit writes.
enum class OnConflict {
    refuse,   ///< throw Error(Errc::conflict) and change nothing
    replace,  ///< take over: lvmkit's settings win, each replacement listed in the notes
};

/// The result of a merge: the new text, whether it differs from the input, and one line per
/// change for the plan.
struct ConfigEdit {
    std::string text;                ///< The merged file content.
    bool changed = false;            ///< True when @ref text differs from the input.
    std::vector<std::string> notes;  ///< One human-readable line per change or replacement.
};

}  // namespace lvmkit
