// Implementation of "--set dotted.key=value" overrides on a job-file table.
#include "jobs/overrides.h"

#include "base/error.h"

namespace curvlab {
namespace {
std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

[[noreturn]] void override_error(const std::string& text, const std::string& what) {
  CURVLAB_THROW(ConfigError, "--set " + text + ": " + what +
                                 " (expected --set SECTION.KEY=VALUE, e.g. --set train.lr=0.05)");
}

SourceLocation override_location(const std::string& text) {
  SourceLocation loc;
  loc.file = "--set " + text;
  return loc;
}
}  // namespace

Override parse_override(const std::string& text) {
  Override o;
  o.text = text;
  const auto eq = text.find('=');
  if (eq == std::string::npos) override_error(text, "missing '='");
  const std::string key = trim(text.substr(0, eq));
  const std::string value = trim(text.substr(eq + 1));
  if (key.empty()) override_error(text, "missing key before '='");
  o.raw_value = value;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = trim(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (part.empty()) override_error(text, "empty part in the key '" + key + "'");
    o.path.push_back(part);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const auto& part : o.path) o.dotted += (o.dotted.empty() ? "" : ".") + part;

  // A TOML value when the text is exactly one (a newline could smuggle in more keys), else a string.
  bool parsed = false;
  if (!value.empty() && value.find_first_of("\r\n") == std::string::npos) {
    try {
      toml::table t = toml::parse("v = " + value);
      if (t.size() == 1 && t.get("v") != nullptr) {
        o.value_holder = std::move(t);
        parsed = true;
      }
    } catch (const toml::parse_error&) {
      parsed = false;
    }
  }
  if (!parsed) o.value_holder.insert_or_assign("v", value);
  return o;
}

void apply_overrides(toml::table& root, const std::vector<std::string>& overrides,
                     std::map<std::string, SourceLocation>& locations,
                     std::map<std::string, std::string>& raw_values) {
  for (const auto& text : overrides) {
    Override o = parse_override(text);
    const SourceLocation where = override_location(text);
    toml::table* table = &root;
    std::string prefix;
    for (std::size_t i = 0; i + 1 < o.path.size(); ++i) {
      prefix += (prefix.empty() ? "" : ".") + o.path[i];
      toml::node* node = table->get(o.path[i]);
      if (node == nullptr) {
        table->insert(o.path[i], toml::table{});
        node = table->get(o.path[i]);
        locations.emplace(prefix, where);  // the table exists only because of this override
      }
      if (!node->is_table()) override_error(text, "'" + prefix + "' is a value, not a table");
      table = node->as_table();
    }
    const toml::node* existing = table->get(o.path.back());
    if (existing != nullptr && existing->is_table()) {
      override_error(text, "'" + o.dotted + "' is a table; set one of its keys instead, e.g. --set " +
                               o.dotted + ".KEY=VALUE");
    }
    o.value_holder.get("v")->visit([&](const auto& value) { table->insert_or_assign(o.path.back(), value); });
    locations[o.dotted] = where;
    raw_values[o.dotted] = o.raw_value;
  }
}

}  // namespace curvlab
