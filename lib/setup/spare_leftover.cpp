// Recognising the lvol<N> a cut inside LVM's metadata-spare creation leaves (see the header).
#include "setup/spare_leftover.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <fstream>

#include "lvmkit/error.hpp"
#include "lvmkit/files.hpp"
#include "setup/setup_internal.hpp"

namespace lvmkit::setup::internal {
namespace {

bool is_lvol_name(const std::string& name) {
    if (name.size() <= 4 || name.compare(0, 4, "lvol") != 0)
        return false;
    for (std::size_t i = 4; i < name.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(name[i])))
            return false;
    return true;
}

// The pool's LVs as setup names them, before and after LVM converts them.
bool is_pool_lv(const ThinPoolSpec& spec, const lvm::LvReport& lv) {
    const std::string pool = spec.pool.str();
    return lv.name == pool || lv.name == metadata_lv_name(spec).str() ||
           lv.name == pool + "_tdata" || lv.name == pool + "_tmeta" ||
           lv.name.find("_pmspare") != std::string::npos || lv.pool == pool;
}

// The metadata LV's size: `<pool>meta` before the conversion, `<pool>_tmeta` after.
Bytes metadata_size(const ThinPoolSpec& spec, const std::vector<lvm::LvReport>& lvs) {
    for (const auto& lv : lvs)
        if (lv.name == metadata_lv_name(spec).str() || lv.name == spec.pool.str() + "_tmeta")
            return lv.size;
    return Bytes();
}

bool looks_like_leftover(const lvm::LvReport& lv, Bytes spare_size) {
    return is_lvol_name(lv.name) && !lv.hidden && !lv.active && lv.segment_type == "linear" &&
           spare_size.count() > 0 && lv.size == spare_size;
}

}  // namespace

std::vector<std::string> spare_leftovers(const ThinPoolSpec& spec,
                                         const std::vector<lvm::LvReport>& lvs) {
    if (spec.use_existing_vg)
        return {};
    const Bytes spare_size = metadata_size(spec, lvs);
    std::vector<std::string> out;
    for (const auto& lv : lvs) {
        if (is_pool_lv(spec, lv))
            continue;
        if (!looks_like_leftover(lv, spare_size))
            return {};  // someone else's LV: this is not (only) lvmkit's VG
        out.push_back(lv.name);
    }
    return out;
}

bool pool_lacks_spare(const ThinPoolSpec& spec, const std::vector<lvm::LvReport>& lvs) {
    bool pool = false;
    for (const auto& lv : lvs) {
        if (lv.name.find("_pmspare") != std::string::npos)
            return false;
        pool = pool || (lv.name == spec.pool.str() && lv.segment_type == "thin-pool");
    }
    return pool;
}

bool spare_to_adopt(const ThinPoolSpec& spec, const std::vector<lvm::LvReport>& lvs) {
    return pool_lacks_spare(spec, lvs) && spare_leftovers(spec, lvs).size() == 1;
}

[[noreturn]] static void refuse_adoption(const std::string& lv, const std::string& why) {
    throw Error(Errc::parse_error, "adopt metadata spare", lv, why);
}

std::string adopt_as_spare_text(const std::string& metadata, const std::string& lv) {
    const std::string header = "\n\t\t" + lv + " {\n";
    const std::size_t at = metadata.find(header);
    if (at == std::string::npos || metadata.find(header, at + 1) != std::string::npos)
        refuse_adoption(lv, "the VG metadata has no single section for the LV");
    const std::size_t body = at + header.size();
    const std::size_t status = metadata.find("status = [", body);
    const std::size_t end = metadata.find(']', status);
    const std::size_t next_section = metadata.find(" {\n", body);
    if (status == std::string::npos || end == std::string::npos || status > next_section)
        refuse_adoption(lv, "the LV's section has no status");
    std::string flags = metadata.substr(status, end - status);
    const std::string visible = ", \"VISIBLE\"";
    const std::size_t found = flags.find(visible);
    if (found == std::string::npos)
        refuse_adoption(lv, "the LV is not visible, so it is no leftover");
    flags.erase(found, visible.size());
    return metadata.substr(0, at) + "\n\t\t" + lv + "_pmspare {\n" +
           metadata.substr(body, status - body) + flags + metadata.substr(end);
}

namespace {

// A private file for vgcfgbackup's text, removed again when it goes.
class MetadataFile {
  public:
    MetadataFile() {
        char name[] = "/run/lvmkit-vg-XXXXXX";
        const int fd = ::mkstemp(name);
        if (fd < 0)
            throw Error(Errc::io_error, "adopt metadata spare", name, "mkstemp failed", {}, errno);
        ::close(fd);
        path_ = name;
    }
    ~MetadataFile() { ::unlink(path_.c_str()); }
    MetadataFile(const MetadataFile&) = delete;
    MetadataFile& operator=(const MetadataFile&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

}  // namespace

void settle_spare_leftovers(lvm::Session& session, const ThinPoolSpec& spec,
                            const std::vector<lvm::LvReport>& lvs) {
    const auto leftovers = spare_leftovers(spec, lvs);
    if (leftovers.empty())
        return;
    if (!spare_to_adopt(spec, lvs)) {
        for (const auto& leftover : leftovers)
            session.remove_lv(spec.vg, LvName(leftover));
        return;
    }
    const MetadataFile file;
    session.backup_vg_metadata(spec.vg, file.path());
    const FileWriter writer;
    const auto text = writer.read(file.path());
    if (!text)
        throw Error(Errc::io_error, "adopt metadata spare", file.path(),
                    "vgcfgbackup wrote no file");
    std::ofstream(file.path(), std::ios::trunc) << adopt_as_spare_text(*text, leftovers.front());
    session.restore_vg_metadata(spec.vg, file.path());
}

std::string describe_spare_leftovers(const std::vector<std::string>& leftovers) {
    if (leftovers.empty())
        return {};
    std::string names;
    for (const auto& name : leftovers)
        names += (names.empty() ? "" : ", ") + name;
    return "remove " + names +
           ": the metadata spare an interrupted pool creation left as an ordinary LV (inactive, "
           "linear, of the spare's size, in lvmkit's VG)";
}

}  // namespace lvmkit::setup::internal
