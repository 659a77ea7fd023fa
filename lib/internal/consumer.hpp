// The runtime modes setup configures, one small unit each: the files a mode writes, the plan's
// sentences about it, and what teardown takes out of each file. Verification and status are
// the same for every unit: a file agrees when merging the mode's settings into it changes
// nothing. A new runtime is one new unit and one line in consumer_unit().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lvmkit/files.hpp"
#include "lvmkit/setup.hpp"

namespace lvmkit::setup::internal {

/// One file of a runtime mode and its new content (after a merge, or after a removal).
struct ConsumerFile {
    std::string path;      ///< inside the target root
    std::string what;      ///< what lvmkit sets in it, for the plan ("devmapper snapshotter ...")
    std::string content;   ///< the whole new text
    bool changed = false;  ///< false: the file already holds it
    std::vector<std::string> notes;  ///< one line per edit, from the merge
};

/// A runtime mode.
class ConsumerUnit {
  public:
    virtual ~ConsumerUnit() = default;
    /// "Docker >= 25 (containerd image store, devmapper snapshotter)".
    virtual std::string name() const = 0;
    /// The mode's files (inside the target root), in writing order: what files() reads.
    virtual std::vector<std::string> paths() const = 0;
    /// Every file of the mode with lvmkit's settings merged in, in writing order.
    /// @throws Error as the merges do (conflict, parse_error, unsupported).
    virtual std::vector<ConsumerFile> files(const FileWriter& writer) const = 0;
    /// Every existing file of the mode with lvmkit's settings taken out (teardown).
    virtual std::vector<ConsumerFile> removals(const FileWriter& writer) const = 0;
    /// Sentences for the plan: which mode and why, the kernel decision.
    virtual std::vector<std::string> decisions() const { return {}; }
    /// Warnings for the plan (Docker version advice).
    virtual std::vector<std::string> warnings() const { return {}; }
};

/// The unit for the spec's consumer (and, for Docker, the storage mode decided once here);
/// nullptr for Consumer::none.
std::unique_ptr<ConsumerUnit> consumer_unit(const ThinPoolSpec& spec);

/// The Docker storage mode for the spec and the sentence that says why.
struct DockerStorageChoice {
    DockerStorage mode = DockerStorage::devicemapper;  ///< never automatic
    std::string reason;
    std::optional<std::string> version;  ///< given or found; nullopt when neither
};
DockerStorageChoice choose_docker_storage(const ThinPoolSpec& spec);

/// The consumer's files with the pool's settings merged (empty for Consumer::none).
std::vector<ConsumerFile> consumer_files(const ThinPoolSpec& spec, const FileWriter& writer);

/// Adds the write_daemon_config step (one step for all the mode's files), its notes and the
/// unit's decisions and warnings to @p plan; checks that changed files can be written.
void add_consumer_step(const ThinPoolSpec& spec, const FileWriter& writer, Plan& plan);

/// Refuses (Errc::conflict, naming the path and what it is) a file of @p unit, or its backup,
/// that exists and is not a regular file: a FIFO, a socket, a device, a directory. Only stat(2),
/// before any file is opened: reading a FIFO would wait for a writer.
void check_consumer_paths(const ConsumerUnit& unit, const FileWriter& writer);

/// Takes lvmkit's settings out of @p unit's files, keeping the user's other settings.
void remove_consumer_entries(const ConsumerUnit& unit, const FileWriter& writer);

/// One line per file for status(): whether it points at this pool; false in @p all_agree when
/// one does not.
std::vector<std::string> consumer_agreement(const ThinPoolSpec& spec, bool& all_agree);

}  // namespace lvmkit::setup::internal
