// Pure text side of the dm layer: name rules, target tables and status lines. No libdevmapper here.
#include <charconv>
#include <limits>

#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"

namespace lvmkit::dm {
namespace {

bool is_udev_safe(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '#' ||
           c == '+' || c == '-' || c == '.' || c == ':' || c == '=' || c == '@' || c == '_';
}

[[noreturn]] void refuse(const char* what, std::string_view text, const std::string& rule) {
    throw Error(Errc::invalid_argument, std::string("validate device-mapper ") + what,
                "'" + std::string(text) + "'", rule);
}

void check_characters(const char* what, std::string_view text) {
    for (char c : text) {
        if (is_udev_safe(c))
            continue;
        std::string shown;
        if (c == ' ')
            shown = "space";
        else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            shown = "byte " + std::to_string(static_cast<unsigned>(static_cast<unsigned char>(c)));
        else
            shown = std::string("'") + c + "'";
        refuse(what, text,
               "the " + shown + " character is not allowed; use only A-Z a-z 0-9 # + - . : = @ _");
    }
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
            ++pos;
        const std::size_t begin = pos;
        while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t')
            ++pos;
        if (pos > begin)
            words.push_back(text.substr(begin, pos - begin));
    }
    return words;
}

[[noreturn]] void malformed(const char* what, std::string_view text, const std::string& problem) {
    throw Error(Errc::parse_error, std::string("parse ") + what, "",
                problem + " in '" + std::string(text) + "'");
}

std::optional<std::uint64_t> to_u64(std::string_view word) {
    std::uint64_t value = 0;
    if (word.empty())
        return std::nullopt;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (ec != std::errc() || end != word.data() + word.size())
        return std::nullopt;
    return value;
}

std::uint64_t number(const char* what, std::string_view text, std::string_view word,
                     const char* field) {
    const auto value = to_u64(word);
    if (!value)
        malformed(what, text,
                  std::string(field) + " '" + std::string(word) + "' is not an unsigned integer");
    return *value;
}

// ---- rendering ----

void check_device(const char* target, const char* field, const std::string& device) {
    if (device.empty())
        throw Error(Errc::invalid_argument, std::string("render ") + target + " target", "",
                    std::string(field) + " is empty");
    for (char c : device) {
        if (c == ' ' || c == '\t' || c == '\n')
            throw Error(Errc::invalid_argument, std::string("render ") + target + " target", device,
                        std::string(field) + " contains whitespace, which a table can not carry");
    }
}

void check_block_size(Sectors size) {
    const auto n = size.count();
    if (n < kMinThinPoolBlockSize.count() || n > kMaxThinPoolBlockSize.count() ||
        n % kMinThinPoolBlockSize.count() != 0)
        throw Error(Errc::invalid_argument, "render thin-pool target", "",
                    "data block size " + std::to_string(n) +
                        " sectors is not a multiple of 128 sectors (64 KiB) between 128 and "
                        "2097152 (1 GiB)");
}

void check_thin_id(const char* operation, std::uint64_t id) {
    if (id > kMaxThinDeviceId)
        throw Error(Errc::invalid_argument, operation, "",
                    "thin device id " + std::to_string(id) + " is over the kernel's 24-bit limit " +
                        std::to_string(kMaxThinDeviceId));
}

struct ParamsRenderer {
    std::string operator()(const LinearTarget& t) const {
        check_device("linear", "device", t.device);
        return t.device + " " + std::to_string(t.offset.count());
    }
    std::string operator()(const ErrorTarget&) const { return {}; }
    std::string operator()(const ZeroTarget&) const { return {}; }
    std::string operator()(const ThinPoolTarget& t) const {
        check_device("thin-pool", "metadata device", t.metadata_device);
        check_device("thin-pool", "data device", t.data_device);
        check_block_size(t.data_block_size);
        std::vector<const char*> features;
        if (t.features.skip_block_zeroing)
            features.push_back("skip_block_zeroing");
        if (t.features.ignore_discard)
            features.push_back("ignore_discard");
        if (t.features.no_discard_passdown)
            features.push_back("no_discard_passdown");
        if (t.features.read_only)
            features.push_back("read_only");
        if (t.features.error_if_no_space)
            features.push_back("error_if_no_space");
        std::string out = t.metadata_device + " " + t.data_device + " " +
                          std::to_string(t.data_block_size.count()) + " " +
                          std::to_string(t.low_water_mark) + " " + std::to_string(features.size());
        for (const char* feature : features) {
            out += " ";
            out += feature;
        }
        return out;
    }
    std::string operator()(const ThinTarget& t) const {
        check_device("thin", "pool device", t.pool_device);
        check_thin_id("render thin target", t.device_id);
        std::string out = t.pool_device + " " + std::to_string(t.device_id);
        if (t.external_origin) {
            check_device("thin", "external origin", *t.external_origin);
            out += " " + *t.external_origin;
        }
        return out;
    }
    std::string operator()(const OtherTarget& t) const {
        if (t.type.empty() || split_words(t.type).size() != 1 || t.type.size() >= 16)
            throw Error(Errc::invalid_argument, "render target", t.type,
                        "a target type is one word of at most 15 characters");
        if (t.params.find('\n') != std::string::npos)
            throw Error(Errc::invalid_argument, "render target", t.type,
                        "target parameters can not contain a newline");
        return t.params;
    }
};

struct TypeName {
    std::string operator()(const LinearTarget&) const { return "linear"; }
    std::string operator()(const ErrorTarget&) const { return "error"; }
    std::string operator()(const ZeroTarget&) const { return "zero"; }
    std::string operator()(const ThinPoolTarget&) const { return "thin-pool"; }
    std::string operator()(const ThinTarget&) const { return "thin"; }
    std::string operator()(const OtherTarget& t) const { return t.type; }
};

// ---- parsing ----

LinearTarget parse_linear(std::string_view params) {
    const auto words = split_words(params);
    if (words.size() != 2)
        malformed("linear target", params, "expected '<device> <offset>'");
    return {std::string(words[0]), Sectors(number("linear target", params, words[1], "offset"))};
}

void expect_no_params(const char* what, std::string_view params) {
    if (!split_words(params).empty())
        malformed(what, params, "this target takes no parameters");
}

void set_pool_feature(ThinPoolFeatures& features, std::string_view params, std::string_view word) {
    if (word == "skip_block_zeroing")
        features.skip_block_zeroing = true;
    else if (word == "ignore_discard")
        features.ignore_discard = true;
    else if (word == "no_discard_passdown")
        features.no_discard_passdown = true;
    else if (word == "read_only")
        features.read_only = true;
    else if (word == "error_if_no_space")
        features.error_if_no_space = true;
    else
        malformed("thin-pool target", params, "unknown feature '" + std::string(word) + "'");
}

ThinPoolTarget parse_thin_pool(std::string_view params) {
    const char* what = "thin-pool target";
    const auto words = split_words(params);
    if (words.size() < 4)
        malformed(what, params,
                  "expected '<metadata dev> <data dev> <data block size> <low water mark> "
                  "[<#features> <feature>...]'");
    ThinPoolTarget t;
    t.metadata_device = std::string(words[0]);
    t.data_device = std::string(words[1]);
    t.data_block_size = Sectors(number(what, params, words[2], "data block size"));
    t.low_water_mark = number(what, params, words[3], "low water mark");
    if (words.size() == 4)
        return t;
    const auto count = number(what, params, words[4], "feature count");
    if (count != words.size() - 5)
        malformed(what, params,
                  "feature count " + std::to_string(count) + " but " +
                      std::to_string(words.size() - 5) + " features follow");
    for (std::size_t i = 5; i < words.size(); ++i)
        set_pool_feature(t.features, params, words[i]);
    return t;
}

ThinTarget parse_thin(std::string_view params) {
    const char* what = "thin target";
    const auto words = split_words(params);
    if (words.size() != 2 && words.size() != 3)
        malformed(what, params, "expected '<pool dev> <device id> [<external origin dev>]'");
    const auto id = number(what, params, words[1], "device id");
    if (id > kMaxThinDeviceId)
        malformed(what, params, "device id " + std::to_string(id) + " is over 24 bits");
    ThinTarget t;
    t.pool_device = std::string(words[0]);
    t.device_id = static_cast<std::uint32_t>(id);
    if (words.size() == 3)
        t.external_origin = std::string(words[2]);
    return t;
}

// ---- status ----

struct UsedTotal {
    std::uint64_t used;
    std::uint64_t total;
};

UsedTotal parse_used_total(std::string_view text, std::string_view word, const char* field) {
    const auto slash = word.find('/');
    if (slash == std::string_view::npos)
        malformed("thin-pool status", text,
                  std::string(field) + " '" + std::string(word) + "' is not '<used>/<total>'");
    const auto used = number("thin-pool status", text, word.substr(0, slash), field);
    const auto total = number("thin-pool status", text, word.substr(slash + 1), field);
    if (total == 0 || used > total)
        malformed(
            "thin-pool status", text,
            std::string(field) + " '" + std::string(word) + "' has used over total or total 0");
    return {used, total};
}

PoolMode parse_mode(std::string_view text, std::string_view word) {
    if (word == "rw")
        return PoolMode::read_write;
    if (word == "ro")
        return PoolMode::read_only;
    if (word == "out_of_data_space")
        return PoolMode::out_of_data_space;
    malformed("thin-pool status", text, "unknown pool mode '" + std::string(word) + "'");
}

DiscardMode parse_discards(std::string_view text, std::string_view word) {
    if (word == "discard_passdown")
        return DiscardMode::passdown;
    if (word == "no_discard_passdown")
        return DiscardMode::no_passdown;
    if (word == "ignore_discard")
        return DiscardMode::ignore;
    malformed("thin-pool status", text, "unknown discard mode '" + std::string(word) + "'");
}

NoSpacePolicy parse_no_space(std::string_view text, std::string_view word) {
    if (word == "queue_if_no_space")
        return NoSpacePolicy::queue;
    if (word == "error_if_no_space")
        return NoSpacePolicy::error;
    malformed("thin-pool status", text, "unknown no-space policy '" + std::string(word) + "'");
}

Bytes times(std::uint64_t blocks, Bytes block) {
    return Bytes(blocks * block.count());
}

Bytes data_block_bytes(const ThinPoolUsage& usage) {
    if (usage.data_block_size.count() == 0)
        throw Error(Errc::invalid_argument, "compute thin-pool data bytes", "",
                    "the data block size is unknown (status parsed without the pool's table)");
    return usage.data_block_size.bytes();
}

}  // namespace

void validate_name(std::string_view name) {
    const char* what = "name";
    if (name.empty())
        refuse(what, name, "a name can not be empty");
    if (name.size() > kMaxNameLength)
        refuse(what, name,
               "a name can have at most " + std::to_string(kMaxNameLength) +
                   " characters, this has " + std::to_string(name.size()));
    if (name == "." || name == "..")
        refuse(what, name, "'.' and '..' are not names");
    if (name == "control")
        refuse(what, name, "'control' is the name of /dev/mapper/control");
    check_characters(what, name);
}

void validate_uuid(std::string_view uuid) {
    const char* what = "uuid";
    if (uuid.empty())
        refuse(what, uuid, "a uuid can not be empty");
    if (uuid.size() > kMaxUuidLength)
        refuse(what, uuid,
               "a uuid can have at most " + std::to_string(kMaxUuidLength) +
                   " characters, this has " + std::to_string(uuid.size()));
    check_characters(what, uuid);
}

std::string target_type(const Target& target) {
    return std::visit(TypeName{}, target);
}

std::string render_params(const Target& target) {
    return std::visit(ParamsRenderer{}, target);
}

Target parse_target(std::string_view type, std::string_view params) {
    if (type == "linear")
        return parse_linear(params);
    if (type == "error") {
        expect_no_params("error target", params);
        return ErrorTarget{};
    }
    if (type == "zero") {
        expect_no_params("zero target", params);
        return ZeroTarget{};
    }
    if (type == "thin-pool")
        return parse_thin_pool(params);
    if (type == "thin")
        return parse_thin(params);
    if (type.empty())
        malformed("target", params, "the target type is empty");
    return OtherTarget{std::string(type), std::string(params)};
}

std::string render_table(const Table& table) {
    std::string out;
    for (const auto& line : table) {
        if (line.length.count() == 0)
            throw Error(Errc::invalid_argument, "render table", target_type(line.target),
                        "a table line can not have length 0");
        const std::string params = render_params(line.target);
        out += std::to_string(line.start.count()) + " " + std::to_string(line.length.count()) +
               " " + target_type(line.target);
        if (!params.empty())
            out += " " + params;
        out += "\n";
    }
    return out;
}

Table parse_table(std::string_view text) {
    Table table;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        const std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        const auto words = split_words(line);
        if (words.empty())
            continue;
        if (words.size() < 3)
            malformed("table line", line, "expected '<start> <length> <type> [<params>]'");
        const Sectors start(number("table line", line, words[0], "start"));
        const Sectors length(number("table line", line, words[1], "length"));
        // The params are the rest of the line after the type, verbatim.
        const auto type_end =
            static_cast<std::size_t>(words[2].data() - line.data()) + words[2].size();
        std::string_view params = line.substr(type_end);
        while (!params.empty() && (params.front() == ' ' || params.front() == '\t'))
            params.remove_prefix(1);
        table.push_back({start, length, parse_target(words[2], params)});
    }
    return table;
}

const char* to_string(PoolMode mode) noexcept {
    switch (mode) {
        case PoolMode::read_write:
            return "rw";
        case PoolMode::read_only:
            return "ro";
        case PoolMode::out_of_data_space:
            return "out_of_data_space";
    }
    return "?";
}

const char* to_string(DiscardMode mode) noexcept {
    switch (mode) {
        case DiscardMode::passdown:
            return "discard_passdown";
        case DiscardMode::no_passdown:
            return "no_discard_passdown";
        case DiscardMode::ignore:
            return "ignore_discard";
    }
    return "?";
}

const char* to_string(NoSpacePolicy policy) noexcept {
    switch (policy) {
        case NoSpacePolicy::queue:
            return "queue_if_no_space";
        case NoSpacePolicy::error:
            return "error_if_no_space";
    }
    return "?";
}

ThinPoolStatus parse_thin_pool_status(std::string_view params) {
    const char* what = "thin-pool status";
    const auto words = split_words(params);
    if (words.size() == 1 && words[0] == "Fail")
        return ThinPoolFailed{};
    if (words.size() == 1 && words[0] == "Error")
        return ThinPoolStatusError{};
    // Oldest format (3.2): txid, metadata, data, held root; 3.10 adds mode and discards.
    if (words.size() < 6)
        malformed(what, params,
                  "truncated: expected at least 6 fields, found " + std::to_string(words.size()));
    if (words.size() > 9)
        malformed(what, params, "unexpected fields after the metadata low water mark");
    ThinPoolUsage usage;
    usage.transaction_id = number(what, params, words[0], "transaction id");
    const auto metadata = parse_used_total(params, words[1], "metadata blocks");
    usage.used_metadata_blocks = metadata.used;
    usage.total_metadata_blocks = metadata.total;
    const auto data = parse_used_total(params, words[2], "data blocks");
    usage.used_data_blocks = data.used;
    usage.total_data_blocks = data.total;
    if (words[3] != "-")
        usage.held_metadata_root = number(what, params, words[3], "held metadata root");
    usage.mode = parse_mode(params, words[4]);
    usage.discards = parse_discards(params, words[5]);
    if (words.size() > 6)
        usage.no_space_policy = parse_no_space(params, words[6]);
    if (words.size() > 7) {
        if (words[7] == "needs_check")
            usage.needs_check = true;
        else if (words[7] != "-")
            malformed(what, params,
                      "expected 'needs_check' or '-', found '" + std::string(words[7]) + "'");
    }
    if (words.size() > 8)
        usage.metadata_low_water_mark = number(what, params, words[8], "metadata low water mark");
    return usage;
}

ThinStatus parse_thin_status(std::string_view params) {
    const char* what = "thin status";
    const auto words = split_words(params);
    if (words.size() == 1 && words[0] == "Fail")
        return ThinFailed{};
    if (words.size() != 2)
        malformed(what, params, "expected '<mapped sectors> <highest mapped sector|->'");
    ThinUsage usage;
    usage.mapped = Sectors(number(what, params, words[0], "mapped sectors"));
    if (words[1] != "-")
        usage.highest_mapped = Sectors(number(what, params, words[1], "highest mapped sector"));
    return usage;
}

double ThinPoolUsage::data_percent() const noexcept {
    return total_data_blocks == 0 ? 0.0
                                  : 100.0 * static_cast<double>(used_data_blocks) /
                                        static_cast<double>(total_data_blocks);
}

double ThinPoolUsage::metadata_percent() const noexcept {
    return total_metadata_blocks == 0 ? 0.0
                                      : 100.0 * static_cast<double>(used_metadata_blocks) /
                                            static_cast<double>(total_metadata_blocks);
}

Bytes ThinPoolUsage::used_metadata_bytes() const noexcept {
    return times(used_metadata_blocks, kThinMetadataBlockSize);
}

Bytes ThinPoolUsage::total_metadata_bytes() const noexcept {
    return times(total_metadata_blocks, kThinMetadataBlockSize);
}

Bytes ThinPoolUsage::used_data_bytes() const {
    return times(used_data_blocks, data_block_bytes(*this));
}

Bytes ThinPoolUsage::total_data_bytes() const {
    return times(total_data_blocks, data_block_bytes(*this));
}

std::string DeviceNumber::str() const {
    return std::to_string(major) + ":" + std::to_string(minor);
}

}  // namespace lvmkit::dm
