// Implementation of the typed, range-checked readers for one table of a job file (long: one reader per
// TOML value kind, each with its type, range, did-you-mean and location errors, share the helpers here).
#include "jobs/section_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "base/error.h"
#include "jobs/did_you_mean.h"
#include "jobs/toml_text.h"

namespace curvlab {
namespace {

// The value a reader ended with (read or default) as a canonical TOML literal (JobSpec::resolved).
std::string literal_of(std::int64_t v) { return std::to_string(v); }
std::string literal_of(double v) { return toml_literal(toml::value<double>(v)); }
std::string literal_of(bool v) { return v ? "true" : "false"; }
std::string literal_of(const std::string& v) { return toml_literal(toml::value<std::string>(v)); }
template <typename T>
std::string literal_of(const std::vector<T>& values) {
  toml::array a;
  for (const T& v : values) a.push_back(v);
  return toml_literal(a);
}

}  // namespace

Range Range::at_least(double v) {
  Range r;
  r.has_lo = true;
  r.lo = v;
  return r;
}

Range Range::above(double v) {
  Range r = at_least(v);
  r.lo_open = true;
  return r;
}

Range Range::between(double lo, double hi, bool hi_open) {
  Range r = at_least(lo);
  r.has_hi = true;
  r.hi = hi;
  r.hi_open = hi_open;
  return r;
}

bool Range::contains(double v) const {
  if (has_lo && (lo_open ? !(v > lo) : !(v >= lo))) return false;
  if (has_hi && (hi_open ? !(v < hi) : !(v <= hi))) return false;
  return true;
}

std::string Range::describe() const {
  if (has_lo && has_hi) {
    return "in " + std::string(lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
           (hi_open ? ")" : "]");
  }
  if (has_lo) return (lo_open ? "> " : ">= ") + format_number(lo);
  if (has_hi) return (hi_open ? "< " : "<= ") + format_number(hi);
  return "any number";
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void throw_config_error(const SourceLocation& where, const std::string& message) {
  const std::string prefix = where.str();
  CURVLAB_THROW(ConfigError, prefix.empty() ? message : prefix + ": " + message);
}

SourceLocation ParseContext::locate(const std::string& dotted,
                                    const toml::source_region& region) const {
  auto it = override_locations.find(dotted);
  if (it != override_locations.end()) return it->second;
  SourceLocation loc;
  loc.file = source_name;
  loc.line = static_cast<int>(region.begin.line);
  loc.column = static_cast<int>(region.begin.column);
  return loc;
}

std::string describe_node(const toml::node& node) {
  static const char* const kTypeNames[] = {"nothing", "table",   "array", "string", "integer",
                                           "float",   "boolean", "date",  "time",   "date-time"};
  const auto type_index = static_cast<std::size_t>(node.type());
  const std::string type = type_index < 10 ? kTypeNames[type_index] : "value";
  std::ostringstream text;
  if (node.is_table()) {
    text << "{...}";
  } else if (const auto* str = node.as_string()) {
    text << '"';
    for (char c : str->get()) {
      if (c == '"' || c == '\\') text << '\\';
      text << c;
    }
    text << '"';
  } else if (node.is_array()) {
    text << toml::toml_formatter(*node.as_array(), toml::format_flags::none);
  } else {
    node.visit([&](const auto& v) { text << v; });
  }
  std::string value = text.str();
  std::replace(value.begin(), value.end(), '\n', ' ');
  if (value.size() > 60) value = value.substr(0, 57) + "...";
  return type + " " + value;
}

SectionReader::SectionReader(ParseContext& ctx, const toml::table* table, std::string path)
    : ctx_(ctx), table_(table), path_(std::move(path)) {}

std::string SectionReader::dotted(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool SectionReader::has(const std::string& key) const {
  return table_ != nullptr && table_->get(key) != nullptr;
}

SourceLocation SectionReader::location(const std::string& key) const {
  if (table_ != nullptr) {
    if (const toml::node* node = table_->get(key)) return ctx_.locate(dotted(key), node->source());
  }
  SourceLocation loc;
  loc.file = ctx_.source_name;
  return loc;
}

const toml::node* SectionReader::find(const std::string& key) {
  if (std::find(allowed_.begin(), allowed_.end(), key) == allowed_.end()) allowed_.push_back(key);
  return table_ == nullptr ? nullptr : table_->get(key);
}

void SectionReader::resolve(const std::string& key, const std::string& literal) {
  if (ctx_.resolved != nullptr) (*ctx_.resolved)[dotted(key)] = literal;
}

void SectionReader::record(const std::string& key, const toml::node& node) {
  if (ctx_.locations != nullptr) (*ctx_.locations)[dotted(key)] = ctx_.locate(dotted(key), node.source());
}

void SectionReader::type_error(const std::string& key, const toml::node& node,
                               const std::string& expected) const {
  throw_config_error(ctx_.locate(dotted(key), node.source()),
                     dotted(key) + " must be " + expected + ", got " + describe_node(node));
}

void SectionReader::range_error(const std::string& key, const toml::node& node, const Range& range,
                                const std::string& got) const {
  throw_config_error(ctx_.locate(dotted(key), node.source()),
                     dotted(key) + " must be " + range.describe() + " (got " + got + ")");
}

void SectionReader::integer(const std::string& key, std::int64_t& out, const Range& range) {
  const toml::node* node = find(key);
  if (node == nullptr) return resolve(key, literal_of(out));
  const auto* v = node->as_integer();
  if (v == nullptr) type_error(key, *node, "an integer");
  const std::int64_t value = v->get();
  if (!range.contains(static_cast<double>(value))) range_error(key, *node, range, std::to_string(value));
  record(key, *node);
  out = value;
  resolve(key, literal_of(out));
}

void SectionReader::number(const std::string& key, double& out, const Range& range) {
  const toml::node* node = find(key);
  if (node == nullptr) return resolve(key, literal_of(out));
  if (!node->is_number()) type_error(key, *node, "a number");
  const double value = node->is_integer() ? static_cast<double>(node->as_integer()->get())
                                          : node->as_floating_point()->get();
  if (!std::isfinite(value)) {
    throw_config_error(ctx_.locate(dotted(key), node->source()),
                       dotted(key) + " must be a finite number (got " + format_number(value) + ")");
  }
  if (!range.contains(value)) range_error(key, *node, range, format_number(value));
  record(key, *node);
  out = value;
  resolve(key, literal_of(out));
}

void SectionReader::boolean(const std::string& key, bool& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return resolve(key, literal_of(out));
  const auto* v = node->as_boolean();
  if (v == nullptr) type_error(key, *node, "true or false");
  record(key, *node);
  out = v->get();
  resolve(key, literal_of(out));
}

const std::string* SectionReader::string_value(const std::string& key,
                                               const toml::node& node) const {
  if (const auto* v = node.as_string()) return &v->get();
  auto it = ctx_.override_raw_values.find(dotted(key));
  if (it == ctx_.override_raw_values.end() || node.is_table()) return nullptr;
  ctx_.strings_from_overrides.insert(dotted(key));  // "--set job.name=2024": the string "2024"
  return &it->second;
}

void SectionReader::string(const std::string& key, std::string& out, bool allow_empty) {
  const toml::node* node = find(key);
  if (node == nullptr) return resolve(key, literal_of(out));
  const std::string* v = string_value(key, *node);
  if (v == nullptr) type_error(key, *node, "a string");
  if (!allow_empty && v->empty()) {
    throw_config_error(ctx_.locate(dotted(key), node->source()),
                       dotted(key) + " must not be empty");
  }
  record(key, *node);
  out = *v;
  resolve(key, literal_of(out));
}

void SectionReader::choice(const std::string& key, std::string& out,
                           const std::vector<std::string>& allowed) {
  ctx_.choices[dotted(key)] = allowed;
  const toml::node* node = find(key);
  if (node == nullptr) return resolve(key, literal_of(out));
  const std::string* v = string_value(key, *node);
  if (v == nullptr) type_error(key, *node, "a string, one of " + join_names(allowed));
  const std::string& value = *v;
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    std::string message = dotted(key) + " must be one of " + join_names(allowed) + " (got \"" +
                          value + "\")";
    const std::string hint = closest_match(value, allowed);
    if (!hint.empty()) message += "; did you mean \"" + hint + "\"?";
    throw_config_error(ctx_.locate(dotted(key), node->source()), message);
  }
  record(key, *node);
  out = value;
  resolve(key, literal_of(out));
}

void SectionReader::choice_list(const std::string& key, std::vector<std::string>& out,
                                const std::vector<std::string>& allowed) {
  ctx_.choices[dotted(key)] = allowed;
  const toml::node* node = find(key);
  if (node == nullptr) return resolve(key, literal_of(out));
  const std::string expected = "a string or an array of strings, each one of " + join_names(allowed);
  std::vector<std::pair<const toml::node*, std::string>> elements;  // (node, name as written)
  // The array first: an override's raw text ("--set k=[\"a\"]") would also read as one string.
  if (const auto* array = node->as_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      if (!element.is_string()) {
        throw_config_error(ctx_.locate(dotted(key), element.source()),
                           dotted(key) + "[" + std::to_string(i) + "] must be a string, one of " + join_names(allowed) +
                               " (got " + describe_node(element) + ")");
      }
      elements.emplace_back(&element, element.as_string()->get());
    }
  } else if (const std::string* v = string_value(key, *node)) {
    elements.emplace_back(node, *v);
  } else {
    type_error(key, *node, expected);
  }
  std::vector<std::string> values;
  for (const auto& [element, value] : elements) {
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      std::string message = dotted(key) + " must name only " + join_names(allowed) + " (got \"" + value + "\")";
      const std::string hint = closest_match(value, allowed);
      if (!hint.empty()) message += "; did you mean \"" + hint + "\"?";
      throw_config_error(ctx_.locate(dotted(key), element->source()), message);
    }
    if (std::find(values.begin(), values.end(), value) != values.end()) {
      throw_config_error(ctx_.locate(dotted(key), element->source()),
                         dotted(key) + " names \"" + value + "\" twice; list each once");
    }
    values.push_back(value);
  }
  record(key, *node);
  out = std::move(values);
  resolve(key, literal_of(out));
}

void SectionReader::integer_list(const std::string& key, std::vector<std::int64_t>& out,
                                 const Range& element_range, std::size_t exact_size) {
  const toml::node* node = find(key);
  if (node == nullptr) return resolve(key, literal_of(out));
  const std::string expected =
      exact_size ? "an array of " + std::to_string(exact_size) + " integers" : "an array of integers";
  const auto* array = node->as_array();
  if (array == nullptr) type_error(key, *node, expected);
  if (exact_size != 0 && array->size() != exact_size) {
    throw_config_error(ctx_.locate(dotted(key), node->source()),
                       dotted(key) + " must be " + expected + " (got " +
                           std::to_string(array->size()) + " elements)");
  }
  std::vector<std::int64_t> values;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string element_name = dotted(key) + "[" + std::to_string(i) + "]";
    if (!element.is_integer()) {
      throw_config_error(ctx_.locate(dotted(key), element.source()),
                         element_name + " must be an integer, got " + describe_node(element));
    }
    const std::int64_t value = element.as_integer()->get();
    if (!element_range.contains(static_cast<double>(value))) {
      throw_config_error(ctx_.locate(dotted(key), element.source()),
                         element_name + " must be " + element_range.describe() + " (got " +
                             std::to_string(value) + ")");
    }
    values.push_back(value);
  }
  record(key, *node);
  out = std::move(values);
  resolve(key, literal_of(out));
}

void SectionReader::number_list(const std::string& key, std::vector<double>& out,
                                const Range& element_range) {
  const toml::node* node = find(key);
  if (node == nullptr) return resolve(key, literal_of(out));
  const auto* array = node->as_array();
  if (array == nullptr) type_error(key, *node, "an array of numbers");
  std::vector<double> values;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string element_name = dotted(key) + "[" + std::to_string(i) + "]";
    if (!element.is_number()) {
      throw_config_error(ctx_.locate(dotted(key), element.source()),
                         element_name + " must be a number, got " + describe_node(element));
    }
    const double value = element.is_integer() ? static_cast<double>(element.as_integer()->get())
                                              : element.as_floating_point()->get();
    if (!std::isfinite(value) || !element_range.contains(value)) {
      throw_config_error(ctx_.locate(dotted(key), element.source()),
                         element_name + " must be a finite number " + element_range.describe() +
                             " (got " + format_number(value) + ")");
    }
    values.push_back(value);
  }
  record(key, *node);
  out = std::move(values);
  resolve(key, literal_of(out));
}

void SectionReader::string_list(const std::string& key, std::vector<std::string>& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return resolve(key, literal_of(out));
  const auto* array = node->as_array();
  if (array == nullptr) type_error(key, *node, "an array of strings");
  std::vector<std::string> values;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string element_name = dotted(key) + "[" + std::to_string(i) + "]";
    if (!element.is_string()) {
      throw_config_error(ctx_.locate(dotted(key), element.source()),
                         element_name + " must be a string, got " + describe_node(element));
    }
    const std::string& value = element.as_string()->get();
    if (value.empty() || value.find_first_of("\r\n") != std::string::npos) {
      throw_config_error(ctx_.locate(dotted(key), element.source()),
                         element_name + " must be a non-empty string on one line (got " +
                             describe_node(element) + ")");
    }
    values.push_back(value);
  }
  record(key, *node);
  out = std::move(values);
  resolve(key, literal_of(out));
}

void SectionReader::accept(const std::string& key) {
  if (const toml::node* node = find(key)) resolve(key, toml_literal(*node));
}

SectionReader& SectionReader::section(const std::string& key) {
  const toml::node* node = find(key);
  const toml::table* table = nullptr;
  if (node != nullptr) {
    table = node->as_table();
    if (table == nullptr) type_error(key, *node, "a table ([" + dotted(key) + "])");
    record(key, *node);
  }
  children_.emplace_back(ctx_, table, dotted(key));
  return children_.back();
}

void SectionReader::collect_known(std::vector<std::string>& out) const {
  for (const auto& key : allowed_) {
    out.push_back(dotted(key));
    for (const auto& child : children_)
      if (child.path_ == dotted(key)) child.collect_known(out);
  }
}

void SectionReader::collect_unknown(std::vector<Unknown>& out) const {
  if (table_ == nullptr) return;
  for (auto&& [key, node] : *table_) {
    const std::string name(key.str());
    if (std::find(allowed_.begin(), allowed_.end(), name) != allowed_.end()) continue;
    out.push_back(Unknown{dotted(name), name, ctx_.locate(dotted(name), key.source()), this});
  }
  for (const auto& child : children_) child.collect_unknown(out);
}

std::string SectionReader::describe_allowed() const {
  if (path_.empty()) {
    std::vector<std::string> sections;
    for (const auto& key : allowed_) sections.push_back("[" + key + "]");
    return "the job file has the sections " + join_names(sections);
  }
  return "keys allowed in [" + path_ + "]: " + join_names(allowed_);
}

void SectionReader::check_unknown_keys() const {
  std::vector<Unknown> unknown;
  collect_unknown(unknown);
  if (unknown.empty()) return;
  // File order; --set overrides (line 0) come first, as they were given first.
  const Unknown& first = *std::min_element(
      unknown.begin(), unknown.end(), [](const Unknown& a, const Unknown& b) {
        return std::make_pair(a.where.line, a.where.column) <
               std::make_pair(b.where.line, b.where.column);
      });
  const SectionReader& owner = *first.owner;

  // A near miss in the same table, else the same name in another table, else a near miss there.
  std::string hint;
  const std::string near = closest_match(first.key, owner.allowed_);
  if (!near.empty()) {
    hint = owner.dotted(near);
  } else {
    std::vector<std::string> known, leaves;
    collect_known(known);
    for (const auto& k : known) leaves.push_back(k.substr(k.rfind('.') + 1));
    for (std::size_t i = 0; i < known.size() && hint.empty(); ++i)
      if (leaves[i] == first.key) hint = known[i];
    if (hint.empty()) {
      const std::string leaf = closest_match(first.key, leaves);
      for (std::size_t i = 0; i < known.size() && hint.empty(); ++i)
        if (!leaf.empty() && leaves[i] == leaf) hint = known[i];
    }
  }
  std::string message = "unknown key '" + first.dotted + "' " +
                        (owner.path_.empty() ? std::string("at the top level")
                                             : "in [" + owner.path_ + "]");
  if (!hint.empty()) {
    const auto dot = hint.rfind('.');
    message += "; did you mean '" + hint + "'";
    if (dot != std::string::npos && hint.substr(0, dot) != owner.path_)
      message += " (in [" + hint.substr(0, dot) + "])";
    message += "?";
  }
  message += " (" + owner.describe_allowed() + ")";
  throw_config_error(first.where, message);
}

}  // namespace curvlab
