#include "internal/json_document.hpp"

#include <set>
#include <vector>

#include "lvmkit/error.hpp"

namespace lvmkit::internal {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

struct Position {
    std::size_t line = 1;
    std::size_t column = 1;
};

std::string at(Position p) {
    return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column);
}

/// Finds the @p nth (1-based) object key, or container opening when @p keys is false, in text
/// that is valid JSON up to that point. Only used to place an error, so a simple scan will do.
Position locate(std::string_view text, std::size_t nth, bool keys) {
    Position pos;
    std::size_t seen = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++pos.line;
            pos.column = 1;
            continue;
        }
        if (c == '"') {
            const Position start = pos;
            std::size_t j = i + 1;
            for (; j < text.size() && text[j] != '"'; ++j)
                if (text[j] == '\\')
                    ++j;
            std::size_t k = j + 1;
            while (k < text.size() &&
                   (text[k] == ' ' || text[k] == '\t' || text[k] == '\r' || text[k] == '\n'))
                ++k;
            if (keys && k < text.size() && text[k] == ':' && ++seen == nth)
                return start;
            pos.column += j - i;  // strings hold no raw newlines in valid JSON
            i = j;
        } else if (!keys && (c == '{' || c == '[') && ++seen == nth) {
            return pos;
        }
        ++pos.column;
    }
    return pos;
}

Position first_token(std::string_view text) {
    Position pos;
    for (char c : text) {
        if (c == '\n') {
            ++pos.line;
            pos.column = 1;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            ++pos.column;
        } else {
            break;
        }
    }
    return pos;
}

/// Validates structure that nlohmann's DOM parser accepts silently: duplicate keys and depth.
class StrictSax final : public nlohmann::json_sax<Json> {
  public:
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t value, const string_t& text) override {
        const std::string written = Json(value).dump();
        if (written != text)
            respelled_.push_back(text + " is written back as " + written);
        return true;
    }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return open(); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(); }
    bool end_array() override { return close(); }
    bool key(string_t& name) override {
        ++keys_;
        if (scopes_.back().insert(name).second)
            return true;
        failure_ = Failure::duplicate;
        duplicate_ = name;
        return false;
    }
    bool parse_error(std::size_t, const std::string&,
                     const nlohmann::detail::exception& error) override {
        failure_ = Failure::syntax;
        syntax_message_ = error.what();
        return false;
    }

    enum class Failure { none, syntax, duplicate, depth };
    Failure failure() const { return failure_; }
    std::size_t keys() const { return keys_; }
    std::size_t containers() const { return containers_; }
    const std::string& duplicate() const { return duplicate_; }
    const std::string& syntax_message() const { return syntax_message_; }
    std::vector<std::string> respelled() const { return respelled_; }

  private:
    bool open() {
        ++containers_;
        if (scopes_.size() >= kMaxJsonDepth) {
            failure_ = Failure::depth;
            return false;
        }
        scopes_.emplace_back();  // arrays get one too, unused, so close() can always pop
        return true;
    }
    bool close() {
        scopes_.pop_back();
        return true;
    }

    std::vector<std::set<std::string>> scopes_;
    std::size_t keys_ = 0;
    std::size_t containers_ = 0;
    Failure failure_ = Failure::none;
    std::string duplicate_;
    std::string syntax_message_;
    std::vector<std::string> respelled_;
};

/// nlohmann's "[json.exception.parse_error.101] parse error at line 2, column 5: syntax error
/// ..." without its prefix: "line 2, column 5: syntax error ...".
std::string readable(const std::string& message) {
    const auto at_line = message.find("at line ");
    if (at_line != std::string::npos)
        return message.substr(at_line + 3);
    const auto bracket = message.find("] ");
    return bracket == std::string::npos ? message : message.substr(bracket + 2);
}

[[noreturn]] void refuse(const std::string& what, const std::string& message) {
    throw Error(Errc::parse_error, "read", what, message);
}

/// @return the numbers whose spelling changes when written back.
std::vector<std::string> check_strict(std::string_view body, const std::string& what) {
    StrictSax sax;
    nlohmann::json::sax_parse(body, &sax, nlohmann::json::input_format_t::json, true, false);
    switch (sax.failure()) {
        case StrictSax::Failure::none:
            return sax.respelled();
        case StrictSax::Failure::syntax:
            refuse(what, "is not valid JSON: " + readable(sax.syntax_message()));
        case StrictSax::Failure::duplicate:
            refuse(what, at(locate(body, sax.keys(), true)) + ": key \"" + sax.duplicate() +
                             "\" appears twice in the same object (JSON readers disagree on "
                             "which one wins)");
        case StrictSax::Failure::depth:
            refuse(what, at(locate(body, sax.containers(), false)) + ": nested deeper than " +
                             std::to_string(kMaxJsonDepth) + " levels");
    }
    return {};
}

}  // namespace

JsonDocument load_json_object(std::optional<std::string_view> text, const std::string& what) {
    JsonDocument document;
    if (!text)
        return document;
    document.original = std::string(*text);
    std::string_view body = *text;
    if (body.substr(0, kBom.size()) == kBom) {
        document.had_bom = true;
        body.remove_prefix(kBom.size());
    }
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return document;
    document.was_empty = false;
    document.respelled_numbers = check_strict(body, what);
    document.value = Json::parse(body);
    if (!document.value.is_object())
        refuse(what, at(first_token(body)) + ": the top level is " +
                         (document.value.is_array() ? "an array" : "a single value") +
                         ", not an object");
    return document;
}

std::string dump_json(const JsonDocument& document, const Json& value) {
    return (document.had_bom ? std::string(kBom) : std::string()) + value.dump(2) + "\n";
}

}  // namespace lvmkit::internal
