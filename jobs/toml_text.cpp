// Canonical TOML text of parsed values, and setting a dotted key in a table (see toml_text.h).
#include "jobs/toml_text.h"

#include <cstdio>
#include <sstream>

#include "base/error.h"
#include "jobs/section_reader.h"  // format_number

namespace curvlab {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// A bare key when it may be one (A-Z a-z 0-9 _ -), else a quoted key.
std::string key_text(const std::string& key) {
  bool bare = !key.empty();
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') bare = false;
  }
  return bare ? key : quote(key);
}

void write_table(const toml::table& table, const std::string& path, std::string& out) {
  std::string plain;
  for (auto&& [k, v] : table) {
    if (v.is_table()) continue;
    plain += key_text(std::string(k.str())) + " = " + toml_literal(v) + "\n";
  }
  if (!path.empty() && (!plain.empty() || table.empty())) {
    if (!out.empty()) out += "\n";
    out += "[" + path + "]\n";
  }
  out += plain;
  for (auto&& [k, v] : table) {
    if (!v.is_table()) continue;
    const std::string key = key_text(std::string(k.str()));
    write_table(*v.as_table(), path.empty() ? key : path + "." + key, out);
  }
}

}  // namespace

std::string toml_literal(const toml::node& node) {
  if (const auto* s = node.as_string()) return quote(s->get());
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (const auto* f = node.as_floating_point()) {
    std::string text = format_number(f->get());
    if (text == "nan" || text == "inf" || text == "-inf") return text;
    if (text.find_first_of(".e") == std::string::npos) text += ".0";
    return text;
  }
  if (const auto* a = node.as_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < a->size(); ++i) out += (i ? ", " : "") + toml_literal(*a->get(i));
    return out + "]";
  }
  if (const auto* t = node.as_table()) {
    std::string out = "{";
    bool first = true;
    for (auto&& [k, v] : *t) {
      out += (first ? " " : ", ") + key_text(std::string(k.str())) + " = " + toml_literal(v);
      first = false;
    }
    return out + (first ? "}" : " }");
  }
  // Dates and times: toml++'s own text.
  std::ostringstream o;
  node.visit([&](const auto& v) { o << v; });
  return o.str();
}

std::string toml_document(const toml::table& table) {
  std::string out;
  write_table(table, "", out);
  return out;
}

toml::table parse_toml_literal(const std::string& literal) {
  try {
    return toml::parse(std::string_view("v = " + literal), std::string_view("<value>"));
  } catch (const toml::parse_error& e) {
    CURVLAB_THROW(ConfigError, "not a TOML value: " + literal + " (" + std::string(e.description()) + ")");
  }
}

std::vector<std::string> split_dotted(const std::string& dotted) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted.find('.', start);
    parts.push_back(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

// Sets `dotted` in `root` to the value of the TOML literal, creating missing tables.
void set_key(toml::table& root, const std::string& dotted, const std::string& literal) {
  const std::vector<std::string> parts = split_dotted(dotted);
  toml::table* t = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (t->get(parts[i]) == nullptr) t->insert(parts[i], toml::table{});
    toml::table* next = t->get(parts[i])->as_table();
    CURVLAB_CHECK(next != nullptr, ConfigError,
                  "cannot set " + dotted + ": '" + parts[i] + "' in the file is not a table");
    t = next;
  }
  const toml::table holder = parse_toml_literal(literal);
  holder.get("v")->visit([&](const auto& v) { t->insert_or_assign(parts.back(), v); });
}

}  // namespace curvlab
