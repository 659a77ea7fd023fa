// Devices LVM skips as components: a member of an md RAID1 array (assembled or stopped) and a
// device held by another dm device, as a multipath path is held by its map.
#pragma once

#include <string>

#include "system/fixtures.hpp"

namespace lvmkit::test {

/// An md RAID1 array `/dev/<name>` of two devices (metadata 1.2, superblock at 4 KiB, no
/// resync). Stopped and the members' superblocks cleared on destruction.
class MdMirror {
  public:
    MdMirror(const std::string& name, const std::string& a, const std::string& b)
        : md_("/dev/" + name), a_(a), b_(b) {
        created = load_module("raid1") &&
                  run_command({"mdadm", "--create", md_, "--run", "--quiet", "--level=1",
                               "--raid-devices=2", "--metadata=1.2", "--assume-clean",
                               "--homehost=lvmkit", "--name=" + name, a_, b_})
                          .exit_code == 0;
    }
    ~MdMirror() {
        stop();
        run_command({"mdadm", "--zero-superblock", a_});
        run_command({"mdadm", "--zero-superblock", b_});
    }
    MdMirror(const MdMirror&) = delete;
    MdMirror& operator=(const MdMirror&) = delete;

    /// `mdadm --stop`: the members keep their superblocks (linux_raid_member), nothing holds them.
    bool stop() { return run_command({"mdadm", "--stop", md_}).exit_code == 0; }
    /// `mdadm --assemble` of both members again.
    bool assemble() { return run_command({"mdadm", "--assemble", md_, a_, b_}).exit_code == 0; }
    const std::string& path() const { return md_; }

    bool created = false;

  private:
    std::string md_;
    std::string a_;
    std::string b_;
};

/// A dm `linear` map @p name over the first MiB of @p device: the device's `holders/` names it,
/// as a multipath map holds its paths. Removed on destruction.
class DmHolder {
  public:
    DmHolder(const std::string& name, const std::string& device) : name_(name) {
        created =
            run_command({"dmsetup", "create", name_, "--table", "0 2048 linear " + device + " 0"})
                .exit_code == 0;
    }
    ~DmHolder() { run_command({"dmsetup", "remove", name_}); }
    DmHolder(const DmHolder&) = delete;
    DmHolder& operator=(const DmHolder&) = delete;

    bool created = false;

  private:
    std::string name_;
};

}  // namespace lvmkit::test
