/// @file error.hpp
/// @brief lvmkit's single exception type and its error codes.
#pragma once

#include <string>
#include <system_error>
#include <vector>

namespace lvmkit {

/// What went wrong, in terms a caller can act on.
enum class Errc {
    invalid_argument =
        1,           ///< A value broke a rule (name, size, option); the message names the rule.
    not_found,       ///< A device, VG, LV, file or dm device does not exist.
    already_exists,  ///< The object to create exists already.
    busy,            ///< The object is busy (open, locked by another run); try again later.
    device_in_use,   ///< A device is mounted, active swap, held by dm/md, or a PV of another VG.
    has_signatures,  ///< A device carries signatures and wiping was not permitted.
    insufficient_space,   ///< Not enough free space or extents.
    permission_denied,    ///< Not root, read-only device or file.
    unsupported,          ///< The kernel, LVM or platform lacks a needed feature.
    parse_error,          ///< Text from a file, the kernel or LVM could not be understood.
    conflict,             ///< Existing configuration contradicts the request.
    mismatch,             ///< An existing object differs from the spec; lvmkit will not change it.
    io_error,             ///< A read, write, fsync or rename failed.
    dm_failed,            ///< A libdevmapper call failed for another reason.
    lvm_failed,           ///< A liblvm2cmd command failed for another reason.
    blkid_failed,         ///< A libblkid probe failed; the device state is unknown.
    timeout,              ///< Something did not finish in time (udev wait, lock).
    rollback_incomplete,  ///< A failed apply could not undo everything; the message lists what is
                          ///< left.
};

/// The std::error_category of lvmkit::Errc ("lvmkit").
const std::error_category& error_category() noexcept;

/// Makes Errc usable as a std::error_code.
std::error_code make_error_code(Errc code) noexcept;

/// Short stable name of a code, e.g. "invalid_argument".
const char* to_string(Errc code) noexcept;

/// The one exception lvmkit throws.
///
/// `what()` reads "<operation> <object>: <message>" followed by the underlying library messages
/// (LVM, libdevmapper, libblkid) one per line, so printing `what()` alone tells the whole story.
class Error : public std::system_error {
  public:
    /// @param code      what kind of failure
    /// @param operation what lvmkit was doing, e.g. "create thin pool"
    /// @param object    what it was done to, e.g. "docker/thinpool" or "/dev/sdb" (may be empty)
    /// @param message   one sentence naming the problem
    /// @param details   the C libraries' own messages, verbatim
    /// @param sys_errno the errno seen, or 0
    Error(Errc code, std::string operation, std::string object, std::string message,
          std::vector<std::string> details = {}, int sys_errno = 0);

    /// What kind of failure (also available as `code()`, a std::error_code).
    Errc errc() const noexcept { return errc_; }
    /// What lvmkit was doing, e.g. "create thin pool".
    const std::string& operation() const noexcept { return operation_; }
    /// What it was done to, e.g. "docker/thinpool" or "/dev/sdb"; may be empty.
    const std::string& object() const noexcept { return object_; }
    /// The one-sentence message, without operation, object or details.
    const std::string& message() const noexcept { return message_; }
    /// The C libraries' own messages (LVM, libdevmapper, libblkid), verbatim; may be empty.
    const std::vector<std::string>& details() const noexcept { return details_; }
    /// The errno seen, or 0 when there was none.
    int sys_errno() const noexcept { return sys_errno_; }
    /// The full text: operation, object, message, errno text and details.
    const char* what() const noexcept override { return what_.c_str(); }

  private:
    Errc errc_;
    std::string operation_;
    std::string object_;
    std::string message_;
    std::vector<std::string> details_;
    int sys_errno_;
    std::string what_;
};

}  // namespace lvmkit

namespace std {
template <>
struct is_error_code_enum<lvmkit::Errc> : true_type {};
}  // namespace std
