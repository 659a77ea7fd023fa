#include "lvmkit/profile.hpp"

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "lvmkit/error.hpp"

namespace lvmkit {
namespace {

constexpr const char* kParseOp = "parse LVM profile";
constexpr unsigned kMinThreshold = 50;
constexpr unsigned kMaxThreshold = 100;
constexpr unsigned kMaxPercent = 1000;

void check_name(std::string_view name) {
    auto refuse = [&](const std::string& why) {
        throw Error(Errc::invalid_argument, "check LVM profile", std::string(name),
                    "is not a valid profile name: " + why);
    };
    if (name.empty())
        refuse("it is empty");
    if (name.size() > 127)
        refuse("it is longer than 127 characters");
    if (name == "." || name == "..")
        refuse("'.' and '..' are reserved");
    if (name.front() == '-')
        refuse("it starts with '-'");
    for (char c : name)
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '_' && c != '.' &&
            c != '-')
            refuse(std::string("character '") + c + "' is not one of [A-Za-z0-9+_.-]");
}

// --- a small tokenizer for LVM's config syntax -------------------------------------------

enum class Tok { word, string, number, open, close, equals, end, other };

struct Token {
    Tok kind = Tok::end;
    std::string text;
    int line = 0;
};

class Lexer {
  public:
    Lexer(std::string_view name, std::string_view text) : name_(name), text_(text) {}

    Token next() {
        skip_space_and_comments();
        Token token;
        token.line = line_;
        if (pos_ >= text_.size())
            return token;
        const char c = text_[pos_];
        if (c == '{' || c == '}' || c == '=') {
            token.kind = c == '{' ? Tok::open : c == '}' ? Tok::close : Tok::equals;
            token.text = std::string(1, c);
            ++pos_;
        } else if (c == '"') {
            token.kind = Tok::string;
            token.text = read_string();
        } else if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-') {
            token.kind = Tok::number;
            token.text = read_while([](char ch) {
                return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' || ch == '.';
            });
        } else if (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_') {
            token.kind = Tok::word;
            token.text = read_while([](char ch) {
                return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '/';
            });
        } else {
            token.kind = Tok::other;
            token.text = std::string(1, c);
            ++pos_;
        }
        return token;
    }

    [[noreturn]] void fail(int line, const std::string& message) const {
        throw Error(Errc::parse_error, kParseOp, name_,
                    "line " + std::to_string(line) + ": " + message);
    }

  private:
    void skip_space_and_comments() {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '\n') {
                ++line_;
                ++pos_;
            } else if (std::isspace(static_cast<unsigned char>(c)) != 0) {
                ++pos_;
            } else if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n')
                    ++pos_;
            } else {
                return;
            }
        }
    }

    template <typename Pred>
    std::string read_while(Pred pred) {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && pred(text_[pos_]))
            ++pos_;
        return std::string(text_.substr(start, pos_ - start));
    }

    std::string read_string() {
        const int start_line = line_;
        std::string out;
        for (++pos_; pos_ < text_.size(); ++pos_) {
            const char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c == '\n')
                fail(start_line, "string not closed on its line");
            if (c == '\\' && pos_ + 1 < text_.size())
                ++pos_;
            out += text_[pos_];
        }
        fail(start_line, "string not closed");
    }

    std::string name_;
    std::string_view text_;
    std::size_t pos_ = 0;
    int line_ = 1;
};

unsigned parse_unsigned(const Lexer& lexer, const Token& value, const std::string& key) {
    if (value.kind != Tok::number || value.text.empty() || value.text.size() > 9 ||
        value.text.find_first_not_of("0123456789") != std::string::npos)
        lexer.fail(value.line, key + " wants a whole number, not '" + value.text + "'");
    return static_cast<unsigned>(std::stoul(value.text));
}

std::string parse_string(const Lexer& lexer, const Token& value, const std::string& key) {
    if (value.kind != Tok::string)
        lexer.fail(value.line, key + " wants a quoted string, not '" + value.text + "'");
    return value.text;
}

ThinPoolDiscards discards_from(const Lexer& lexer, const Token& value) {
    const std::string text = parse_string(lexer, value, "thin_pool_discards");
    for (auto d :
         {ThinPoolDiscards::ignore, ThinPoolDiscards::nopassdown, ThinPoolDiscards::passdown})
        if (text == to_string(d))
            return d;
    lexer.fail(value.line,
               "thin_pool_discards is \"" + text + "\"; LVM knows ignore, nopassdown, passdown");
}

ChunkSizePolicy policy_from(const Lexer& lexer, const Token& value) {
    const std::string text = parse_string(lexer, value, "thin_pool_chunk_size_policy");
    for (auto p : {ChunkSizePolicy::generic, ChunkSizePolicy::performance})
        if (text == to_string(p))
            return p;
    lexer.fail(value.line,
               "thin_pool_chunk_size_policy is \"" + text + "\"; LVM knows generic, performance");
}

void apply_setting(const Lexer& lexer, const std::string& section, const Token& key,
                   const Token& value, LvmProfile& profile) {
    const std::string& k = key.text;
    if (section == "activation" && k == "thin_pool_autoextend_threshold")
        profile.autoextend_threshold = parse_unsigned(lexer, value, k);
    else if (section == "activation" && k == "thin_pool_autoextend_percent")
        profile.autoextend_percent = parse_unsigned(lexer, value, k);
    else if (section == "allocation" && k == "thin_pool_zero") {
        const unsigned zero = parse_unsigned(lexer, value, k);
        if (zero > 1)
            lexer.fail(value.line, "thin_pool_zero must be 0 or 1");
        profile.zero = zero == 1;
    } else if (section == "allocation" && k == "thin_pool_discards")
        profile.discards = discards_from(lexer, value);
    else if (section == "allocation" && k == "thin_pool_chunk_size_policy")
        profile.chunk_size_policy = policy_from(lexer, value);
    else
        lexer.fail(key.line, "setting " + section + "/" + k +
                                 " is not one lvmkit manages; refusing to drop it");
}

void parse_section(Lexer& lexer, const Token& header, LvmProfile& profile,
                   std::set<std::string>& seen) {
    if (header.text != "activation" && header.text != "allocation")
        lexer.fail(header.line, "unknown section '" + header.text +
                                    "' (lvmkit's profiles have activation and allocation)");
    const Token open = lexer.next();
    if (open.kind != Tok::open)
        lexer.fail(open.line, "expected '{' after '" + header.text + "'");
    for (;;) {
        const Token key = lexer.next();
        if (key.kind == Tok::close)
            return;
        if (key.kind != Tok::word)
            lexer.fail(key.line, key.kind == Tok::end
                                     ? "section '" + header.text + "' not closed"
                                     : "expected a setting name, not '" + key.text + "'");
        const Token equals = lexer.next();
        if (equals.kind != Tok::equals)
            lexer.fail(equals.line, "expected '=' after '" + key.text + "'");
        const Token value = lexer.next();
        if (!seen.insert(header.text + "/" + key.text).second)
            lexer.fail(key.line, "setting " + header.text + "/" + key.text + " appears twice");
        apply_setting(lexer, header.text, key, value, profile);
    }
}

}  // namespace

const char* to_string(ThinPoolDiscards discards) noexcept {
    switch (discards) {
        case ThinPoolDiscards::ignore:
            return "ignore";
        case ThinPoolDiscards::nopassdown:
            return "nopassdown";
        case ThinPoolDiscards::passdown:
            return "passdown";
    }
    return "passdown";
}

const char* to_string(ChunkSizePolicy policy) noexcept {
    return policy == ChunkSizePolicy::performance ? "performance" : "generic";
}

void validate(const LvmProfile& profile) {
    check_name(profile.name);
    if (profile.autoextend_threshold < kMinThreshold ||
        profile.autoextend_threshold > kMaxThreshold)
        throw Error(Errc::invalid_argument, "check LVM profile", profile.name,
                    "thin_pool_autoextend_threshold is " +
                        std::to_string(profile.autoextend_threshold) +
                        "; LVM takes 50..100 (100 turns autoextend off)");
    if (profile.autoextend_percent > kMaxPercent)
        throw Error(Errc::invalid_argument, "check LVM profile", profile.name,
                    "thin_pool_autoextend_percent is " +
                        std::to_string(profile.autoextend_percent) + "; lvmkit takes 0..1000");
}

std::string render_profile(const LvmProfile& profile) {
    validate(profile);
    std::string out =
        "# LVM metadata profile written by lvmkit.\n"
        "# Attach with: lvchange --metadataprofile " +
        profile.name +
        " <vg>/<pool>\n"
        "# thin_pool_autoextend_threshold=100 turns autoextend off.\n";
    out += "activation {\n";
    out +=
        "\tthin_pool_autoextend_threshold=" + std::to_string(profile.autoextend_threshold) + "\n";
    out += "\tthin_pool_autoextend_percent=" + std::to_string(profile.autoextend_percent) + "\n";
    out += "}\n";
    if (profile.zero || profile.discards || profile.chunk_size_policy) {
        out += "allocation {\n";
        if (profile.zero)
            out += std::string("\tthin_pool_zero=") + (*profile.zero ? "1" : "0") + "\n";
        if (profile.discards)
            out += std::string("\tthin_pool_discards=\"") + to_string(*profile.discards) + "\"\n";
        if (profile.chunk_size_policy)
            out += std::string("\tthin_pool_chunk_size_policy=\"") +
                   to_string(*profile.chunk_size_policy) + "\"\n";
        out += "}\n";
    }
    return out;
}

LvmProfile parse_profile(std::string_view name, std::string_view text) {
    check_name(name);
    LvmProfile profile;
    profile.name = std::string(name);
    // LVM's defaults for what the file leaves out: autoextend off, 20%.
    profile.autoextend_threshold = 100;
    profile.autoextend_percent = 20;
    Lexer lexer(name, text);
    std::set<std::string> seen;
    for (;;) {
        const Token header = lexer.next();
        if (header.kind == Tok::end)
            break;
        if (header.kind != Tok::word)
            lexer.fail(header.line, "expected a section name, not '" + header.text + "'");
        parse_section(lexer, header, profile, seen);
    }
    validate(profile);
    return profile;
}

std::string profile_file_name(std::string_view name) {
    check_name(name);
    return std::string(name) + ".profile";
}

std::string profile_path(std::string_view profile_dir, std::string_view name) {
    if (profile_dir.empty() || profile_dir.front() != '/')
        throw Error(Errc::invalid_argument, "locate LVM profile", std::string(profile_dir),
                    "the profile directory must be an absolute path (ask LVM for "
                    "config/profile_dir)");
    std::string dir(profile_dir);
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    return (dir == "/" ? "" : dir) + "/" + profile_file_name(name);
}

std::string describe(const LvmProfile& profile) {
    std::string out = "LVM profile " + profile.name + ": ";
    if (profile.autoextend_threshold >= 100)
        out += "autoextend off (thin_pool_autoextend_threshold=100)";
    else if (profile.autoextend_percent == 0)
        out += "autoextend off (thin_pool_autoextend_percent=0)";
    else
        out += "autoextend by " + std::to_string(profile.autoextend_percent) + "% when " +
               std::to_string(profile.autoextend_threshold) + "% full";
    if (profile.zero)
        out += std::string(", zeroing ") + (*profile.zero ? "on" : "off");
    if (profile.discards)
        out += std::string(", discards ") + to_string(*profile.discards);
    if (profile.chunk_size_policy)
        out += std::string(", chunk size policy ") + to_string(*profile.chunk_size_policy);
    return out;
}

}  // namespace lvmkit
