/// @file containerd_config.hpp
/// @brief containerd's devmapper snapshotter section for a pool lvmkit made, rendered and merged
/// into an existing `config.toml` (pure functions; FileWriter writes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lvmkit/config_edit.hpp"
#include "lvmkit/names.hpp"
#include "lvmkit/size.hpp"

namespace lvmkit {

/// `[plugins."io.containerd.snapshotter.v1.devmapper"]`: what containerd needs to use a thin
/// pool. This is the path that remains after Docker 25.0 removed its devicemapper driver.
struct ContainerdDevmapperConfig {
    /// The pool's device-mapper name (`/dev/mapper/<pool_name>`), LVM's mangling applied.
    std::string pool_name;
    /// Where the snapshotter keeps its metadata; absolute.
    std::string root_path = "/var/lib/containerd/devmapper";
    /// Size of each thin device (the base image); more than zero.
    Bytes base_image_size = Bytes::GiB(10);
    /// Remove snapshots in the background (`async_remove`), unset: containerd's default.
    std::optional<bool> async_remove;
    /// Discard blocks of removed devices (`discard_blocks`), unset: containerd's default.
    std::optional<bool> discard_blocks;
    /// `ext4` or `xfs` (`fs_type`), unset: containerd's default (ext4).
    std::optional<std::string> fs_type;
};

/// The settings for pool @p vg/@p pool.
ContainerdDevmapperConfig containerd_devmapper_config(const VgName& vg, const LvName& pool,
                                                      Bytes base_image_size = Bytes::GiB(10));

/// @throws Error(Errc::invalid_argument) naming the field: an empty pool name, a relative
///         root_path or one with control characters, a zero base_image_size, an fs_type other
///         than ext4/xfs.
void validate(const ContainerdDevmapperConfig& config);

/// containerd's size text for @p size: the largest binary unit that divides it (`10GiB`,
/// `512MiB`, else bytes), as containerd's parser (go-units RAMInBytes) reads it.
std::string containerd_size(Bytes size);

/// The section as TOML text, header line included, ending in a newline.
/// @throws Error(Errc::invalid_argument) when validate() does.
std::string render_containerd_devmapper(const ContainerdDevmapperConfig& config);

/// Merges the section into config.toml text (std::nullopt: no file yet), parsed with toml++.
///
/// A missing section is appended to the text as it is, so other sections keep their comments
/// and layout; an existing one is replaced in place. Either way the result is parsed again and
/// checked to hold exactly the original document with our section set; if the text edit can not
/// achieve that (e.g. `plugins` written as an inline table) the document is re-serialized by
/// toml++ instead and a note says comments were not kept. An identical section leaves the text
/// byte for byte (changed = false).
/// @throws Error(Errc::parse_error) for invalid TOML, naming line and column;
///         Error(Errc::conflict) when the section names another pool_name or root_path, or
///         `plugins` is not a table, unless @p on_conflict is replace.
ConfigEdit merge_containerd_config(std::optional<std::string_view> existing,
                                   const ContainerdDevmapperConfig& config,
                                   OnConflict on_conflict = OnConflict::refuse);

/// The inverse for teardown: removes the section when it names our pool; anything else is left
/// as it is (changed = false, with a note).
/// @throws Error(Errc::parse_error) for invalid TOML.
ConfigEdit remove_from_containerd_config(std::string_view existing,
                                         const ContainerdDevmapperConfig& config);

}  // namespace lvmkit
