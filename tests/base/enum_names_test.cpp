// Tests of base/enum_names.h: names in declaration order, find by name (exact, case-sensitive),
// name of a value, and the logic_error for a value missing from the table.
#include "base/enum_names.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace curvlab {
namespace {

enum class Color { kRed, kGreen, kBlue, kUnnamed };

const EnumNames<Color>& color_names() {
  static const EnumNames<Color> names = {{Color::kGreen, "green"}, {Color::kRed, "red"}, {Color::kBlue, "blue"}};
  return names;
}

TEST(EnumNames, NamesKeepTheDeclarationOrder) {
  EXPECT_EQ(color_names().names(), (std::vector<std::string>{"green", "red", "blue"}));
}

TEST(EnumNames, FindIsExactAndNameIsItsInverse) {
  ASSERT_TRUE(color_names().find("blue").has_value());
  EXPECT_EQ(*color_names().find("blue"), Color::kBlue);
  EXPECT_EQ(*color_names().find("green"), Color::kGreen);
  EXPECT_FALSE(color_names().find("Blue").has_value());   // case-sensitive
  EXPECT_FALSE(color_names().find("blue ").has_value());  // no trimming
  EXPECT_FALSE(color_names().find("").has_value());
  for (const std::string& n : color_names().names()) EXPECT_EQ(color_names().name(*color_names().find(n)), n);
  EXPECT_EQ(color_names().name(Color::kRed), "red");
}

TEST(EnumNames, AValueWithoutANameIsALogicError) {
  EXPECT_THROW(color_names().name(Color::kUnnamed), std::logic_error);
}

TEST(EnumNames, FirstEntryWinsForADuplicatedName) {
  const EnumNames<Color> dup = {{Color::kRed, "x"}, {Color::kBlue, "x"}};
  EXPECT_EQ(*dup.find("x"), Color::kRed);
  EXPECT_EQ(dup.names().size(), 2u);
}

}  // namespace
}  // namespace curvlab
