#include "lvmkit/error.hpp"

#include <cstring>
#include <utility>

namespace lvmkit {
namespace {

class Category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "lvmkit"; }
    std::string message(int code) const override { return to_string(static_cast<Errc>(code)); }
};

std::string compose_what(const std::string& operation, const std::string& object,
                         const std::string& message, const std::vector<std::string>& details,
                         int sys_errno) {
    std::string text = operation;
    if (!object.empty()) {
        text += text.empty() ? "" : " ";
        text += object;
    }
    if (!text.empty())
        text += ": ";
    text += message;
    if (sys_errno != 0) {
        text += " (";
        text += std::strerror(sys_errno);
        text += ")";
    }
    for (const auto& line : details) {
        text += "\n  ";
        text += line;
    }
    return text;
}

}  // namespace

const std::error_category& error_category() noexcept {
    static const Category category;
    return category;
}

std::error_code make_error_code(Errc code) noexcept {
    return {static_cast<int>(code), error_category()};
}

const char* to_string(Errc code) noexcept {
    switch (code) {
        case Errc::invalid_argument:
            return "invalid_argument";
        case Errc::not_found:
            return "not_found";
        case Errc::already_exists:
            return "already_exists";
        case Errc::busy:
            return "busy";
        case Errc::device_in_use:
            return "device_in_use";
        case Errc::has_signatures:
            return "has_signatures";
        case Errc::insufficient_space:
            return "insufficient_space";
        case Errc::permission_denied:
            return "permission_denied";
        case Errc::unsupported:
            return "unsupported";
        case Errc::parse_error:
            return "parse_error";
        case Errc::conflict:
            return "conflict";
        case Errc::mismatch:
            return "mismatch";
        case Errc::io_error:
            return "io_error";
        case Errc::dm_failed:
            return "dm_failed";
        case Errc::lvm_failed:
            return "lvm_failed";
        case Errc::blkid_failed:
            return "blkid_failed";
        case Errc::timeout:
            return "timeout";
        case Errc::rollback_incomplete:
            return "rollback_incomplete";
    }
    return "unknown";
}

Error::Error(Errc code, std::string operation, std::string object, std::string message,
             std::vector<std::string> details, int sys_errno)
    : std::system_error(make_error_code(code)),
      errc_(code),
      operation_(std::move(operation)),
      object_(std::move(object)),
      message_(std::move(message)),
      details_(std::move(details)),
      sys_errno_(sys_errno),
      what_(compose_what(operation_, object_, message_, details_, sys_errno_)) {}

}  // namespace lvmkit
