// Canonical TOML text (jobs/toml_text.cpp): literals (floats shortest round-trip and always with a
// '.' or exponent, strings escaped, arrays, inline tables with sorted keys), whole documents (plain
// keys first, sub-tables as sections, sorted; a fixed point that reads back as the same table),
// literals parsed back, dotted keys split, and set_key creating tables or refusing to go through a value.
#include "jobs/toml_text.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace curvlab {
namespace {

TEST(TomlText, CanonicalLiteralsAndDocuments) {
  const toml::table t = toml::parse(std::string_view(
      "a = 0.1\nb = 1.0\nc = 5e-2\nd = 0x10\ne = \"q\\\"x\\ty\"\nf = [1, 2.5, \"s\"]\ng = { z = 1, y = true }\n"
      "\"dotted.key\" = 3\n[sub]\nk = 1e300\n"));
  EXPECT_EQ(toml_literal(*t.get("a")), "0.1");
  EXPECT_EQ(toml_literal(*t.get("b")), "1.0");
  EXPECT_EQ(toml_literal(*t.get("c")), "0.05");
  EXPECT_EQ(toml_literal(*t.get("d")), "16");
  EXPECT_EQ(toml_literal(*t.get("e")), "\"q\\\"x\\ty\"");
  EXPECT_EQ(toml_literal(*t.get("f")), "[1, 2.5, \"s\"]");
  EXPECT_EQ(toml_literal(*t.get("g")), "{ y = true, z = 1 }");
  const std::string doc = toml_document(t);
  // Inline and [header] tables are the same table: the document writes every table as a section.
  EXPECT_EQ(doc, "a = 0.1\nb = 1.0\nc = 0.05\nd = 16\n\"dotted.key\" = 3\ne = \"q\\\"x\\ty\"\nf = [1, 2.5, \"s\"]\n"
                 "\n[g]\ny = true\nz = 1\n\n[sub]\nk = 1e+300\n");
  // The document reads back as the same table, and its text is a fixed point.
  const toml::table back = toml::parse(std::string_view(doc));
  EXPECT_EQ(toml_document(back), doc);
  EXPECT_EQ(back, t);
}

TEST(TomlText, LiteralsRoundTripAndSpecialValues) {
  for (const std::string lit : {"0.1", "1.0", "-2.5e-07", "1e+300", "\"a\\\\b\"", "[1, [2, 3]]", "{ a = 1, b = \"x\" }", "true",
                                "-7", "inf", "nan"}) {
    const toml::table holder = parse_toml_literal(lit);
    ASSERT_NE(holder.get("v"), nullptr) << lit;
    EXPECT_EQ(toml_literal(*holder.get("v")), lit);
  }
  try {
    parse_toml_literal("not a value");
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("not a TOML value: not a value"), std::string::npos) << e.what();
  }
  EXPECT_EQ(toml_document(toml::table{}), "");
}

TEST(TomlText, SplitDottedAndSetKey) {
  EXPECT_EQ(split_dotted("train.lr_schedule.kind"), (std::vector<std::string>{"train", "lr_schedule", "kind"}));
  EXPECT_EQ(split_dotted("lr"), (std::vector<std::string>{"lr"}));
  toml::table root = toml::parse("[train]\nlr = 0.1\n");
  set_key(root, "train.lr", "0.05");
  set_key(root, "train.lr_schedule.kind", "\"cosine\"");
  set_key(root, "model.widths", "[8, 4]");
  EXPECT_EQ(toml_document(root), "[model]\nwidths = [8, 4]\n\n[train]\nlr = 0.05\n\n[train.lr_schedule]\nkind = \"cosine\"\n");
  try {
    set_key(root, "train.lr.x", "1");
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot set train.lr.x: 'lr' in the file is not a table"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace curvlab
