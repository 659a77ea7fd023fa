// Reading a pool's contents (lvmkit/pool_contents.hpp) for status() and teardown().
#pragma once

#include <vector>

#include "lvmkit/lvm.hpp"
#include "lvmkit/pool_contents.hpp"
#include "lvmkit/setup.hpp"

namespace lvmkit::setup::internal {

/// What the spec's pool holds: LVM's thin LVs from @p lvs (the VG's LVs), and, while the pool is
/// active, the kernel's figures, the thin ids in its committed metadata, the dm devices stacked on
/// it, and runtime metadata under the spec's target root. Reads only; never throws for what it can
/// not read (metadata_note says why).
PoolContents read_pool_contents(const ThinPoolSpec& spec, const std::vector<lvm::LvReport>& lvs);

}  // namespace lvmkit::setup::internal
