// State paths (engine/checkpoint/state_path.cpp): splitting "a/b/c" into HDF5 names (a leading "/"
// dropped, dots kept inside a name), the root only where allowed, the errors for empty, "." and
// ".." components (naming the path and the file), and joining a prefix of the components.
#include "engine/checkpoint/state_path.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace curvlab {
namespace {

using Parts = std::vector<std::string>;

std::string error_of(const std::string& path, bool allow_root = false) {
  try {
    split_state_path(path, "f.h5", allow_root);
  } catch (const IoError& e) {
    return e.what();
  }
  return "<no IoError>";
}

TEST(StatePath, SplitsOnSlashesAndKeepsDots) {
  EXPECT_EQ(split_state_path("model/layer1.0.conv1.weight", "f.h5"), (Parts{"model", "layer1.0.conv1.weight"}));
  EXPECT_EQ(split_state_path("/optimizer/momentum_buffer/fc.weight", "f.h5"),
            (Parts{"optimizer", "momentum_buffer", "fc.weight"}));
  EXPECT_EQ(split_state_path("step", "f.h5"), (Parts{"step"}));
  EXPECT_EQ(split_state_path("a..b/.c/d.", "f.h5"), (Parts{"a..b", ".c", "d."}));  // only whole "." / ".." are special
}

TEST(StatePath, RootOnlyWhenAllowed) {
  EXPECT_TRUE(split_state_path("", "f.h5", true).empty());
  EXPECT_TRUE(split_state_path("/", "f.h5", true).empty());
  const std::string msg = error_of("");
  EXPECT_NE(msg.find("empty state path for 'f.h5'"), std::string::npos) << msg;
  EXPECT_NE(error_of("/").find("empty state path"), std::string::npos);
}

TEST(StatePath, BadComponentsNameThePathAndTheFile) {
  for (const std::string bad : {"a//b", "a/", "./a", "a/../b", "a/.", "//a"}) {
    const std::string msg = error_of(bad, true);
    EXPECT_NE(msg.find("bad state path '" + bad + "' for 'f.h5'"), std::string::npos) << bad << ": " << msg;
    EXPECT_NE(msg.find("non-empty and not \".\" or \"..\""), std::string::npos) << msg;
  }
}

TEST(StatePath, JoinTakesThePrefix) {
  const Parts p = {"optimizer", "momentum_buffer", "fc.weight"};
  EXPECT_EQ(join_state_path(p, 0), "");
  EXPECT_EQ(join_state_path(p, 1), "optimizer");
  EXPECT_EQ(join_state_path(p, 2), "optimizer/momentum_buffer");
  EXPECT_EQ(join_state_path(p, 3), "optimizer/momentum_buffer/fc.weight");
  EXPECT_EQ(join_state_path(p, 10), "optimizer/momentum_buffer/fc.weight");  // count past the end: all
  EXPECT_EQ(join_state_path(split_state_path("/a/b", "f.h5"), 2), "a/b");    // the normalized key
}

}  // namespace
}  // namespace curvlab
