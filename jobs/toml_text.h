// Canonical TOML text of parsed values: one literal per value ("0.05", "\"kfac\"", "[64, 32]") and a
// whole table as a document with keys in sorted order, so equal settings always give equal text
// (the sweep's run ids hash it; the job parser records a job file with its --set overrides applied).
// Floats are written as the shortest decimal that reads back exactly.
// Internal to jobs/ (includes toml++): include only from jobs/ .cpp files.
// Not for: parsing or validating job files (jobs/job_parser.h).
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

namespace curvlab {

// One value as a TOML literal: strings quoted and escaped, floats shortest round-trip (always with
// a '.' or exponent), arrays "[a, b]", tables inline "{ k = v }".
std::string toml_literal(const toml::node& node);

// A table as a TOML document: plain keys first ("key = literal"), then each sub-table as
// "[path]" with its own keys, depth first; keys sorted; no trailing blank line.
std::string toml_document(const toml::table& table);

// Parses one literal (as written by toml_literal) back into a node holder: the value is holder["v"].
toml::table parse_toml_literal(const std::string& literal);

// "train.lr_schedule.kind" -> {"train", "lr_schedule", "kind"}.
std::vector<std::string> split_dotted(const std::string& dotted);

// Sets `dotted` in `root` to the value of the TOML literal, creating missing tables; a ConfigError
// when a part of the path is a value, not a table.
void set_key(toml::table& root, const std::string& dotted, const std::string& literal);

}  // namespace curvlab
