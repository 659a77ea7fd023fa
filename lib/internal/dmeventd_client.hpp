// dmeventd's registration of one device, asked over dmeventd's own FIFO protocol (lvm2
// daemons/dmeventd: libdevmapper-event.c's client, dmeventd.c's server) with one request and a
// deadline, instead of through libdevmapper-event: that client sends a HELLO before each request,
// runs two dm ioctls around it, polls 1 ms to drain the reply FIFO and can wait 5-20 s for a
// silent daemon, so a caller had to run it on a thread it could abandon.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace lvmkit::dm::internal {

/// dmeventd's answer for one device and DSO.
enum class DmeventdRegistration {
    registered,      ///< monitored: a thread of dmeventd watches the device with the DSO
    not_registered,  ///< dmeventd answered ENOENT
    pending          ///< its monitoring thread is being set up or torn down
};

/// What `lvs -o seg_monitor` asks dmeventd (GET_REGISTERED_DEVICE for @p dso and the dm
/// device's @p uuid), in one request on dmeventd's FIFOs (/run/dmeventd-client and -server), all
/// of it within @p deadline. No thread, no libdevmapper call. nullopt: no clear answer (no
/// dmeventd listening, the FIFOs not root's, busy or silent past the deadline, a reply not
/// understood); the caller then asks LVM.
std::optional<DmeventdRegistration> dmeventd_registration(const std::string& dso,
                                                          const std::string& uuid,
                                                          std::chrono::milliseconds deadline);

/// The same on FIFOs of the caller's choosing (tests).
std::optional<DmeventdRegistration> dmeventd_registration_at(const std::string& client_fifo,
                                                             const std::string& server_fifo,
                                                             const std::string& dso,
                                                             const std::string& uuid,
                                                             std::chrono::milliseconds deadline);

}  // namespace lvmkit::dm::internal
