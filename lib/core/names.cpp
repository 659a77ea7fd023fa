#include "lvmkit/names.hpp"

#include <array>

#include "lvmkit/error.hpp"

namespace lvmkit {
namespace {

// lvm2 lib/misc/lvm-string.c: _lvname_has_reserved_string() and apply_lvname_restrictions().
constexpr std::array<std::string_view, 16> kReservedLvSubstrings{
    "_cdata",  "_cmeta", "_corig", "_cpool", "_cvol",  "_wcorig",  "_mimage",  "_mlog",
    "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata", "_vorigin", "_pmspare", "_vdo"};
constexpr std::array<std::string_view, 2> kReservedLvPrefixes{"snapshot", "pvmove"};

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '_' || c == '.' || c == '-';
}

[[noreturn]] void refuse(const char* kind, std::string_view text, const std::string& rule) {
    throw Error(Errc::invalid_argument, std::string("validate ") + kind + " name",
                "'" + std::string(text) + "'", rule);
}

void check_common_rules(const char* kind, std::string_view text) {
    if (text.empty())
        refuse(kind, text, "a name can not be empty");
    if (text.size() > kMaxLvmNameLength)
        refuse(kind, text,
               "a name can have at most " + std::to_string(kMaxLvmNameLength) +
                   " characters, this has " + std::to_string(text.size()));
    if (text == "." || text == "..")
        refuse(kind, text, "'.' and '..' are not names");
    if (text.front() == '-')
        refuse(kind, text, "a name can not start with '-'");
    for (char c : text) {
        if (!is_name_char(c)) {
            const std::string shown = (c == ' ') ? "space" : std::string("'") + c + "'";
            refuse(kind, text,
                   "the " + shown + " character is not allowed; use only A-Z a-z 0-9 + _ . -");
        }
    }
}

std::string double_dashes(const std::string& name) {
    std::string out;
    out.reserve(name.size() + 4);
    for (char c : name) {
        out += c;
        if (c == '-')
            out += '-';
    }
    return out;
}

}  // namespace

VgName::VgName(std::string_view text) : name_(text) {
    check_common_rules("VG", text);
}

LvName::LvName(std::string_view text) : name_(text) {
    check_common_rules("LV", text);
    for (auto prefix : kReservedLvPrefixes) {
        if (text.substr(0, prefix.size()) == prefix)
            refuse("LV", text, "LVM reserves names starting with '" + std::string(prefix) + "'");
    }
    for (auto reserved : kReservedLvSubstrings) {
        if (text.find(reserved) != std::string_view::npos)
            refuse("LV", text,
                   "LVM reserves '" + std::string(reserved) + "' for its hidden sub-volumes");
    }
}

std::string dm_name(const VgName& vg, const LvName& lv) {
    return double_dashes(vg.str()) + "-" + double_dashes(lv.str());
}

std::string dm_path(const VgName& vg, const LvName& lv) {
    return "/dev/mapper/" + dm_name(vg, lv);
}

}  // namespace lvmkit
