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
    /// Also make devmapper the CRI plugin's default snapshotter (Kubernetes nodes): version 2
    /// `[plugins."io.containerd.grpc.v1.cri".containerd] snapshotter = "devmapper"`, version 3
    /// `[plugins.'io.containerd.cri.v1.images'] snapshotter = "devmapper"`.
    bool cri_default = false;
    /// The major version of the containerd that reads the file; 0 when not known. containerd 2
    /// gets a new file as `version = 3` and devmapper in its transfer service's `unpack_config`
    /// (next to overlayfs): it unpacks images there for `ctr` and the CRI plugin, and without
    /// the entry every import or pull into devmapper fails ("no unpack platforms defined").
    unsigned containerd_major = 0;
    /// The platform of the unpack_config entries, e.g. `linux/amd64`.
    std::string platform = "linux/amd64";
};

/// The config.toml syntax a file is written in: its top-level `version`.
enum class ContainerdSyntax {
    v2 = 2,  ///< `version = 2`: containerd 1.5 .. 2.x; plugin sections by their full id
    v3 = 3,  ///< `version = 3`: containerd 2.x; the CRI plugin split into cri.v1.images/runtime
};

/// How lvmkit reads and edits a config.toml, and why.
struct ContainerdVersion {
    ContainerdSyntax syntax = ContainerdSyntax::v2;  ///< the syntax edits are made in
    bool add_version_line = false;  ///< the file has no `version` line: lvmkit adds `version = 2`
    std::string reason;             ///< one sentence for the plan
};

/// Decides the syntax of config.toml text (std::nullopt: no file yet, which gets `version = 2`).
/// A file without a `version` line that holds nothing version-1-specific gets `version = 2`
/// added: containerd reads a file without the line as version 1, where the devmapper section
/// means nothing.
/// @throws Error(Errc::unsupported) for a version-1 file (`version = 1`, or no version line and
///         plugins named by their short id such as `[plugins.cri]`), with the hint to run
///         `containerd config migrate`; for a version other than 1, 2 or 3;
///         Error(Errc::parse_error) for invalid TOML.
ContainerdVersion containerd_config_version(std::optional<std::string_view> existing);

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
/// The file's version decides the syntax (containerd_config_version()): a new file starts with
/// `version = 2`, a file without a version line gets one (with a note), version 2 and 3 files are
/// edited in their own syntax, a version-1 file is refused before anything is edited. With
/// `cri_default` the CRI plugin's default snapshotter is set too (refused when it names another
/// snapshotter, unless @p on_conflict is replace).
///
/// A missing section is appended to the text as it is, so other sections keep their comments
/// and layout; an existing one is replaced in place. Either way the result is parsed again and
/// checked to hold exactly the original document with our section set; if the text edit can not
/// achieve that (e.g. `plugins` written as an inline table) the document is re-serialized by
/// toml++ instead and a note says comments were not kept. An identical section leaves the text
/// byte for byte (changed = false).
/// @throws Error(Errc::parse_error) for invalid TOML, naming line and column;
///         Error(Errc::unsupported) for a version-1 file, as containerd_config_version();
///         Error(Errc::conflict) when the section names another pool_name or root_path, or
///         `plugins` is not a table, unless @p on_conflict is replace.
ConfigEdit merge_containerd_config(std::optional<std::string_view> existing,
                                   const ContainerdDevmapperConfig& config,
                                   OnConflict on_conflict = OnConflict::refuse);

/// The inverse for teardown: removes the section when it names our pool, and with `cri_default`
/// the CRI default `snapshotter = "devmapper"` (and its table when that leaves it empty);
/// anything else is left as it is (changed = false, with a note). The `version` line stays.
/// What setup changed in place it gives back: a section it filled from containerd's empty
/// default is emptied again, a CRI snapshotter it replaced (`overlayfs`) is restored, the
/// unpack_config entries it added are removed (setup marks them with `# lvmkit:` comments).
/// @throws Error(Errc::parse_error) for invalid TOML.
ConfigEdit remove_from_containerd_config(std::string_view existing,
                                         const ContainerdDevmapperConfig& config);

}  // namespace lvmkit
