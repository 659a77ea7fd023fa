// Pure helpers of the LVM layer: command-line building and quoting for liblvm2cmd's splitter,
// --config text, error mapping and JSON report parsing. No liblvm2cmd calls here, so all of it is
// unit-tested on the host.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"
#include "lvmkit/lvm.hpp"

namespace lvmkit::lvm::internal {

/// lvm2_run splits at most this many words (tools/lvmcmdlib.c MAX_ARGS); more is refused.
inline constexpr std::size_t kMaxArguments = 63;

/// Quotes one word for lvm_split() (tools/lvmcmdline.c): a word is either bare (no whitespace,
/// not starting with a quote or '#') or wrapped in ' or " and then may not contain that quote.
/// lvm_split has no escapes, so a word holding both quote characters can not be passed.
/// @throws Error(Errc::invalid_argument) for such a word, an empty word or a control character.
std::string quote_word(std::string_view word);

/// One liblvm2cmd command line, built word by word.
class CommandLine {
  public:
    explicit CommandLine(std::string_view command);
    /// Appends one word (quoted as needed). @throws Error(Errc::invalid_argument)
    CommandLine& add(std::string_view word);
    /// Appends an option and its value as two words.
    CommandLine& add(std::string_view option, std::string_view value);
    /// The text for lvm2_run. @throws Error(Errc::invalid_argument) past kMaxArguments words.
    std::string str() const;
    const std::string& command() const noexcept { return command_; }
    std::size_t word_count() const noexcept { return words_.size(); }

  private:
    std::string command_;
    std::vector<std::string> words_;
};

/// `devices/filter` value accepting exactly @p devices: `["a|^/dev/x$|", ..., "r|.*|"]`.
/// @throws Error(Errc::invalid_argument) for a path with characters outside [A-Za-z0-9/_.+:-],
///         which could not be written as a regex inside an lvm.conf string safely.
std::vector<std::string> device_filter(const std::vector<DevicePath>& devices);

/// The settings lvmkit always passes: report settings that keep the parsed output stable
/// whatever the user's lvm.conf says, then the session's own.
/// @throws Error(Errc::invalid_argument) naming an `extra` key that would change what lvmkit
///         relies on (see SessionOptions::extra).
ConfigOverride session_config(const SessionOptions& options);

/// `a/b=1 c/d="x" e/f=["y","z"]`, the text of one --config word.
std::string render_config(const ConfigOverride& config);

/// `-L 512k` / `-l 95%VG` / `-l 100`; with @p relative a leading `+`.
std::vector<std::string> size_words(const SizeSpec& size, bool relative = false);

/// The Errc that LVM's error-level messages (and lvm2_run's return code) mean.
Errc map_lvm_error(const std::vector<std::string>& errors, int return_code);

/// lvmkit's level for an lvm2_log_fn level (2 fatal .. 7 debug).
LogLevel map_lvm_level(int level) noexcept;

/// A report command's print-level lines, split. liblvm2cmd gives warnings ("WARNING: PV ... is
/// marked in use but no VG was found using it") to the log callback at the same level as report
/// output, so they can land in the middle of the JSON. Every line of LVM's JSON report starts
/// (after blanks) with a brace, a bracket, a quote or (lvm2 >= 2.03.26, before its "log" section)
/// a comma; any other line is a message.
struct ReportOutput {
    std::string json;                   ///< the report lines, one per line
    std::vector<std::string> messages;  ///< everything else, in order
};
ReportOutput split_report_output(const std::vector<std::string>& lines);

/// Parsers of `--reportformat json --units b --nosuffix` output of the fields lvmkit requests.
/// @throws Error(Errc::parse_error) naming what is missing or malformed.
std::vector<PvReport> parse_pvs(std::string_view json);
std::vector<VgReport> parse_vgs(std::string_view json);
std::vector<LvReport> parse_lvs(std::string_view json);
/// A `pvs` report with the fields of kPvWithVgFields: the PVs, and the VGs they belong to (each
/// once; orphans and PVs of a VG LVM can not find give no VG).
PvsAndVgs parse_pvs_with_vgs(std::string_view json);

/// The field lists requested (never LVM's default columns).
extern const char* const kPvFields;
extern const char* const kVgFields;
extern const char* const kPvWithVgFields;
extern const char* const kLvFields;

LvAttributes decode_lv_attributes(std::string_view attr);

}  // namespace lvmkit::lvm::internal
