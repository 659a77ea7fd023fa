// LVM's metadata text (lvm2 lib/config/config.c, as lib/format_text/export.c writes it):
//   name { key = 12  key = "text"  key = ["a", 1]  sub { ... } }   # comments to end of line
// A strict recursive-descent reader: whatever export.c does not write (floats, unquoted words as
// values, duplicate keys) is refused, so the hot paths fall back to LVM instead of guessing.
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "internal/vg_metadata.hpp"

namespace lvmkit::blockdev::internal {
namespace {

constexpr std::size_t kMaxText = 1u << 20;
constexpr int kMaxDepth = 8;
constexpr std::size_t kMaxListItems = 4096;

bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
           c == '+';
}

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    std::optional<MetaSection> document() {
        MetaSection top;
        if (!body(top, 0))
            return std::nullopt;
        skip_space();
        // export.c ends the text with a NUL the raw_locn's size may count.
        while (pos_ < text_.size() && text_[pos_] == '\0')
            ++pos_;
        if (pos_ != text_.size())
            return std::nullopt;
        return top;
    }

  private:
    void skip_space() {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n')
                    ++pos_;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++pos_;
            } else {
                return;
            }
        }
    }

    bool peek(char c) {
        skip_space();
        return pos_ < text_.size() && text_[pos_] == c;
    }

    std::string name() {
        skip_space();
        const std::size_t start = pos_;
        while (pos_ < text_.size() && name_char(text_[pos_]))
            ++pos_;
        return std::string(text_.substr(start, pos_ - start));
    }

    // Items until a closing brace (inside a section) or the end of the text / a NUL (top level).
    bool body(MetaSection& into, int depth) {
        while (true) {
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] == '\0')
                return depth == 0;
            if (text_[pos_] == '}')
                return depth > 0;
            const std::string key = name();
            if (key.empty())
                return false;
            if (peek('{')) {
                ++pos_;
                if (depth + 1 > kMaxDepth)
                    return false;
                MetaSection child;
                if (!body(child, depth + 1) || !peek('}'))
                    return false;
                ++pos_;
                into.sections.emplace_back(key, std::move(child));
            } else if (peek('=')) {
                ++pos_;
                MetaValue value;
                if (!parse_value(value, true) || into.values.count(key) != 0)
                    return false;
                into.values.emplace(key, std::move(value));
            } else {
                return false;
            }
        }
    }

    bool parse_value(MetaValue& value, bool list_allowed) {
        skip_space();
        if (pos_ >= text_.size())
            return false;
        const char c = text_[pos_];
        if (c == '"')
            return parse_string(value);
        if (c == '[' && list_allowed)
            return parse_list(value);
        if (c == '-' || std::isdigit(static_cast<unsigned char>(c)))
            return parse_number(value);
        return false;
    }

    bool parse_string(MetaValue& value) {
        ++pos_;  // the opening quote
        value.kind = MetaValue::Kind::text;
        while (pos_ < text_.size()) {
            char c = text_[pos_++];
            if (c == '"')
                return true;
            if (c == '\0')
                return false;
            if (c == '\\') {
                if (pos_ >= text_.size())
                    return false;
                c = text_[pos_++];
            }
            value.text += c;
        }
        return false;
    }

    bool parse_list(MetaValue& value) {
        ++pos_;  // '['
        value.kind = MetaValue::Kind::list;
        if (peek(']')) {
            ++pos_;
            return true;
        }
        while (value.items.size() < kMaxListItems) {
            MetaValue item;
            if (!parse_value(item, false))
                return false;
            value.items.push_back(std::move(item));
            if (peek(',')) {
                ++pos_;
                continue;
            }
            if (peek(']')) {
                ++pos_;
                return true;
            }
            return false;
        }
        return false;
    }

    bool parse_number(MetaValue& value) {
        const std::size_t start = pos_;
        if (text_[pos_] == '-')
            ++pos_;
        const std::size_t digits = pos_;
        while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])))
            ++pos_;
        if (pos_ == digits || pos_ - start > 20)
            return false;
        // A float (".5") or a word glued to the digits is not something export.c writes.
        if (pos_ < text_.size() && (text_[pos_] == '.' || name_char(text_[pos_])))
            return false;
        const std::string digits_text(text_.substr(start, pos_ - start));
        errno = 0;
        char* end = nullptr;
        const long long number = std::strtoll(digits_text.c_str(), &end, 10);
        if (errno != 0 || end == nullptr || *end != '\0')
            return false;
        value.kind = MetaValue::Kind::number;
        value.number = number;
        return true;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

const MetaSection* MetaSection::section(const std::string& name) const {
    for (const auto& [key, child] : sections)
        if (key == name)
            return &child;
    return nullptr;
}

std::optional<std::int64_t> MetaSection::number(const std::string& key) const {
    const auto found = values.find(key);
    if (found == values.end() || found->second.kind != MetaValue::Kind::number)
        return std::nullopt;
    return found->second.number;
}

std::optional<std::string> MetaSection::text(const std::string& key) const {
    const auto found = values.find(key);
    if (found == values.end() || found->second.kind != MetaValue::Kind::text)
        return std::nullopt;
    return found->second.text;
}

std::vector<std::string> MetaSection::strings(const std::string& key) const {
    std::vector<std::string> out;
    const auto found = values.find(key);
    if (found == values.end() || found->second.kind != MetaValue::Kind::list)
        return out;
    for (const auto& item : found->second.items) {
        if (item.kind != MetaValue::Kind::text)
            return {};
        out.push_back(item.text);
    }
    return out;
}

std::optional<MetaSection> parse_meta_text(std::string_view text) {
    if (text.size() > kMaxText)
        return std::nullopt;
    return Parser(text).document();
}

}  // namespace lvmkit::blockdev::internal
