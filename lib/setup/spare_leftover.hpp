// The lvol<N> leftover of a power cut inside LVM's pool creation. LVM makes the pool's metadata
// spare as an ordinary LV `lvol<N>` and commits it, wipes it, and renames it to `lvol<N>_pmspare`
// only in the commit that creates (or converts to) the pool (lvm2 pool_manip.c,
// _alloc_pool_metadata_spare). A cut in between leaves `lvol<N>`: visible, inactive, linear, of
// the spare's size. Whichever LVM command makes the pool (lvconvert --thinpool, or lvcreate
// --type thin-pool), the leftover looks the same.
#pragma once

#include <string>
#include <vector>

#include "lvmkit/lvm.hpp"
#include "lvmkit/setup.hpp"

namespace lvmkit::setup::internal {

/// The leftovers in @p lvs (the VG's LVs, hidden ones included): only in a VG lvmkit made for the
/// spec (not `use_existing_vg`) whose other LVs are all the pool's own (the pool, `<pool>meta`,
/// its sub-LVs and spare, thin LVs of the pool); each inactive, linear, named `lvol<N>`, exactly
/// the size of the pool's metadata LV. Empty when anything else is in the VG: a user's LV is never
/// taken for one.
std::vector<std::string> spare_leftovers(const ThinPoolSpec& spec,
                                         const std::vector<lvm::LvReport>& lvs);

/// The VG has a thin pool of the spec's name but no metadata spare (`*_pmspare`).
bool pool_lacks_spare(const ThinPoolSpec& spec, const std::vector<lvm::LvReport>& lvs);

/// The conversion committed but the cut fell before LVM's spare got its name: the pool exists
/// without a spare, and exactly one leftover is there to become it.
bool spare_to_adopt(const ThinPoolSpec& spec, const std::vector<lvm::LvReport>& lvs);

/// @p metadata (vgcfgbackup text) with LV @p lv renamed to `<lv>_pmspare` and hidden: what LVM's
/// own commit would have written (lvm2 _vg_set_pool_metadata_spare: rename, lv_set_hidden).
/// @throws Error(Errc::parse_error) when the LV's section or its status is not found once.
std::string adopt_as_spare_text(const std::string& metadata, const std::string& lv);

/// Finishes a cut pool creation: with a pool and no spare, the one leftover becomes the spare
/// (vgcfgbackup, adopt_as_spare_text, vgcfgrestore); without a pool, every leftover is removed
/// (the command that makes the pool then makes its spare again). @throws Error
void settle_spare_leftovers(lvm::Session& session, const ThinPoolSpec& spec,
                            const std::vector<lvm::LvReport>& lvs);

/// A note for the plan naming the leftovers setup removes; empty when there are none.
std::string describe_spare_leftovers(const std::vector<std::string>& leftovers);

}  // namespace lvmkit::setup::internal
