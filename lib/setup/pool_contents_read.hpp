// Reading a pool's contents (lvmkit/pool_contents.hpp) for status() and teardown().
#pragma once

#include <vector>

#include "lvmkit/lvm.hpp"
#include "lvmkit/pool_contents.hpp"
#include "lvmkit/setup.hpp"

namespace lvmkit::setup::internal {

/// What the spec's pool holds: LVM's thin LVs from @p lvs (the VG's LVs), the thin ids in its
/// committed metadata, runtime metadata under the spec's target root, and, while the pool is
/// active, the kernel's figures and the dm devices stacked on it. An inactive pool's metadata is
/// read through LVM's read-only activation of its `_tmeta` component (through @p session), which
/// is deactivated again on every path. Never throws for what it can not read (metadata_note says
/// why; metadata_unreadable for an inactive pool).
PoolContents read_pool_contents(const ThinPoolSpec& spec, lvm::Session& session,
                                const std::vector<lvm::LvReport>& lvs);

}  // namespace lvmkit::setup::internal
