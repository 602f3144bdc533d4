// Reads one table of a parsed job file into plain fields: type checks, range checks, allowed
// names, source locations, and the unknown-key report with did-you-mean hints.
// Internal to job-file parsing: it includes toml++, so include it only from jobs/*.cpp files that
// parse job files (never from a header that others include). Adding a section to the job file is
// one function that calls these readers (see jobs/job_parser.cpp).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/enum_names.h"
#include "jobs/job_spec.h"

namespace curvlab {

// Numeric bounds for a key, printed in errors as "> 0", ">= 1" or "in [0, 1)".
struct Range {
  bool has_lo = false, lo_open = false, has_hi = false, hi_open = false;
  double lo = 0.0, hi = 0.0;

  static Range any() { return Range{}; }
  static Range at_least(double v);                            // >= v
  static Range above(double v);                               // > v
  static Range between(double lo, double hi, bool hi_open);   // [lo, hi] or [lo, hi)
  bool contains(double v) const;
  std::string describe() const;
};

// Shortest decimal text that reads back as the same double ("0.1", "5e-04" -> "0.0005").
std::string format_number(double v);

// Throws ConfigError("<where>: <message>").
[[noreturn]] void throw_config_error(const SourceLocation& where, const std::string& message);

// What all readers of one job file share: its name, the --set overrides' locations (dotted key ->
// "--set k=v"), and the map (JobSpec::locations) that records where each key was written.
struct ParseContext {
  std::string source_name;
  std::map<std::string, SourceLocation> override_locations;
  std::map<std::string, std::string> override_raw_values;  // dotted key -> text after '='
  std::set<std::string> strings_from_overrides;  // keys read as strings from --set text that TOML read otherwise
  std::map<std::string, SourceLocation>* locations = nullptr;
  std::map<std::string, std::vector<std::string>> choices;  // dotted key -> its allowed names (every choice read)
  std::map<std::string, std::string>* resolved = nullptr;     // JobSpec::resolved: every key read -> value used

  // The --set location of `dotted` when an override wrote it, else `region` in the file.
  SourceLocation locate(const std::string& dotted, const toml::source_region& region) const;
};

class SectionReader {
 public:
  // `table` may be null (the section is absent: every read keeps the field's default). `path` is
  // the dotted name of the table: "" for the top level, "train", "train.lr_schedule".
  SectionReader(ParseContext& ctx, const toml::table* table, std::string path);

  // Each reader registers `key` as allowed; when the key is present it checks the type (and the
  // range or allowed names), records its location, and writes `out`; else `out` keeps its default.
  void integer(const std::string& key, std::int64_t& out, const Range& range = Range::any());
  void number(const std::string& key, double& out, const Range& range = Range::any());  // finite
  void boolean(const std::string& key, bool& out);
  void string(const std::string& key, std::string& out, bool allow_empty = true);
  void choice(const std::string& key, std::string& out, const std::vector<std::string>& allowed);
  // An options enum by its job-file names (the table lives next to the component that owns it).
  template <typename E>
  void choice(const std::string& key, E& out, const EnumNames<E>& names) {
    std::string name = names.name(out);
    choice(key, name, names.names());
    out = *names.find(name);
  }
  // One name or an array of distinct names, each one of `allowed` (did-you-mean on a near miss);
  // a single name reads as a list of one.
  void choice_list(const std::string& key, std::vector<std::string>& out, const std::vector<std::string>& allowed);
  template <typename E>
  void choice_list(const std::string& key, std::vector<E>& out, const EnumNames<E>& names) {
    std::vector<std::string> written;
    for (E e : out) written.push_back(names.name(e));
    choice_list(key, written, names.names());
    out.clear();
    for (const std::string& n : written) out.push_back(*names.find(n));
  }
  // exact_size == 0: any length.
  void integer_list(const std::string& key, std::vector<std::int64_t>& out,
                    const Range& element_range = Range::any(), std::size_t exact_size = 0);
  void number_list(const std::string& key, std::vector<double>& out,
                   const Range& element_range = Range::any());
  // An array of strings; each element non-empty and free of newlines (they become script lines).
  void string_list(const std::string& key, std::vector<std::string>& out);
  // The sub-table [path.key]; a reader of nothing when absent. References stay valid.
  SectionReader& section(const std::string& key);

  // For tables whose keys are not fixed ([sweep.grid]): the table as written (null when absent),
  // accept(key) marks a key as allowed (check_unknown_keys passes over it), and locate() gives
  // where a node nested below this table was written.
  const toml::table* table() const { return table_; }
  void accept(const std::string& key);
  SourceLocation locate(const std::string& dotted_name, const toml::node& node) const {
    return ctx_.locate(dotted_name, node.source());
  }
  ParseContext& context() const { return ctx_; }

  bool present() const { return table_ != nullptr; }
  bool has(const std::string& key) const;              // written in the file or by --set
  std::string dotted(const std::string& key) const;    // "train" + "lr" -> "train.lr"
  SourceLocation location(const std::string& key) const;  // of the value, or of the file

  // Every key the readers asked for, dotted, depth first ("train", "train.epochs", ...).
  std::vector<std::string> known_keys() const {
    std::vector<std::string> out;
    collect_known(out);
    return out;
  }

  // Throws ConfigError naming the first key (in file order) in this table or its sub-tables that no
  // reader asked for, with a did-you-mean hint and the allowed keys. Call after all reads.
  void check_unknown_keys() const;

 private:
  struct Unknown {
    std::string dotted, key;
    SourceLocation where;
    const SectionReader* owner;
  };
  const toml::node* find(const std::string& key);  // registers `key` as allowed
  // The string value of `node`; for a --set override that is not a TOML string, its text as given.
  const std::string* string_value(const std::string& key, const toml::node& node) const;
  void record(const std::string& key, const toml::node& node);
  void resolve(const std::string& key, const std::string& literal);  // into ParseContext::resolved
  [[noreturn]] void type_error(const std::string& key, const toml::node& node,
                               const std::string& expected) const;
  [[noreturn]] void range_error(const std::string& key, const toml::node& node, const Range& range,
                                const std::string& got) const;
  void collect_known(std::vector<std::string>& out) const;
  void collect_unknown(std::vector<Unknown>& out) const;
  std::string describe_allowed() const;

  ParseContext& ctx_;
  const toml::table* table_;
  std::string path_;
  std::vector<std::string> allowed_;   // keys asked for, in the order the parser reads them
  std::deque<SectionReader> children_;  // deque: references handed out stay valid
};

// "string \"abc\"", "integer 5", "array [1, 2]": a node's type and (shortened) value for messages.
std::string describe_node(const toml::node& node);

}  // namespace curvlab
