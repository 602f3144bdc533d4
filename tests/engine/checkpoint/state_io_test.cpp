// Round trips through the HDF5 StateWriter/StateReader: every dtype and shape (0-d and empty
// included), scalars bit for bit, strings, nested paths with dots, and the reader's errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "engine/checkpoint/checkpointer.h"
#include "engine/checkpoint/hdf5_state_reader.h"
#include "base/error.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

using testing_ckpt::ScratchDir;

// Deterministic values exact in every dtype: small integers and halves, signs mixed.
torch::Tensor sample(torch::Dtype dtype, const std::vector<std::int64_t>& shape) {
  const std::int64_t n = c10::multiply_integers(shape);
  torch::Tensor base = torch::arange(n, torch::kFloat64);
  if (dtype == torch::kBool) return (base.remainder(3) == 0).reshape(shape);
  if (dtype == torch::kUInt8) return (base.remainder(251)).to(dtype).reshape(shape);
  torch::Tensor v = base.remainder(97) - 40;
  if (at::isFloatingType(dtype)) v = v * 0.5;
  return v.to(dtype).reshape(shape);
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const IoError& e) {
    return e.what();
  }
  return "(no IoError thrown)";
}

TEST(StateIo, EveryDtypeAndShapeRoundTrips) {
  ScratchDir dir;
  const std::string file = dir.file("dtypes.h5");
  const std::vector<torch::Dtype> dtypes = {
      torch::kFloat32, torch::kFloat64, torch::kFloat16, torch::kBFloat16, torch::kInt64,
      torch::kInt32,   torch::kInt16,   torch::kInt8,    torch::kUInt8,    torch::kBool};
  const std::vector<std::vector<std::int64_t>> shapes = {{}, {0}, {5}, {2, 3}, {2, 0, 3},
                                                          {1, 2, 3, 4}};
  auto path_of = [](std::size_t d, std::size_t s) {
    return "t/" + std::to_string(d) + "/shape" + std::to_string(s);
  };
  write_state_file(file, [&](StateWriter& w) {
    for (std::size_t d = 0; d < dtypes.size(); ++d)
      for (std::size_t s = 0; s < shapes.size(); ++s)
        w.write_tensor(path_of(d, s), sample(dtypes[d], shapes[s]));
  }, {});
  auto reader = open_state_file(file);
  for (std::size_t d = 0; d < dtypes.size(); ++d) {
    for (std::size_t s = 0; s < shapes.size(); ++s) {
      const torch::Tensor expected = sample(dtypes[d], shapes[s]);
      const torch::Tensor got = reader->read_tensor(path_of(d, s));
      SCOPED_TRACE(path_of(d, s) + " dtype " + std::string(c10::toString(dtypes[d])));
      EXPECT_EQ(got.scalar_type(), dtypes[d]);
      EXPECT_EQ(got.sizes(), expected.sizes());
      EXPECT_EQ(got.dim(), static_cast<std::int64_t>(shapes[s].size()));
      ASSERT_TRUE(torch::equal(got, expected))
          << "max |difference| "
          << (got.numel() ? (got.to(torch::kFloat64) - expected.to(torch::kFloat64))
                                .abs().max().item<double>()
                          : 0.0);
    }
  }
}

TEST(StateIo, NonContiguousAndGradTensorsAreWrittenAsValues) {
  ScratchDir dir;
  const std::string file = dir.file("views.h5");
  const torch::Tensor base = torch::arange(12, torch::kFloat32).reshape({3, 4});
  const torch::Tensor transposed = base.t();               // non-contiguous view, shape [4, 3]
  const torch::Tensor param = base.clone().requires_grad_(true);
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("v/transposed", transposed);
    w.write_tensor("v/param", param);
  }, {});
  auto reader = open_state_file(file);
  EXPECT_TRUE(torch::equal(reader->read_tensor("v/transposed"), transposed.contiguous()));
  const torch::Tensor p = reader->read_tensor("v/param");
  EXPECT_FALSE(p.requires_grad());
  EXPECT_TRUE(torch::equal(p, base));
}

TEST(StateIo, ScalarsRoundTripBitForBit) {
  ScratchDir dir;
  const std::string file = dir.file("scalars.h5");
  const std::vector<std::int64_t> ints = {0, -1, 42, std::numeric_limits<std::int64_t>::min(),
                                          std::numeric_limits<std::int64_t>::max()};
  const std::vector<double> doubles = {0.1, -0.0, M_PI, std::numeric_limits<double>::infinity(),
                                       std::numeric_limits<double>::quiet_NaN(),
                                       std::numeric_limits<double>::denorm_min()};
  write_state_file(file, [&](StateWriter& w) {
    for (std::size_t i = 0; i < ints.size(); ++i) w.write_int("i/" + std::to_string(i), ints[i]);
    for (std::size_t i = 0; i < doubles.size(); ++i)
      w.write_double("d/" + std::to_string(i), doubles[i]);
  }, {});
  auto reader = open_state_file(file);
  for (std::size_t i = 0; i < ints.size(); ++i) {
    EXPECT_EQ(reader->read_int("i/" + std::to_string(i)), ints[i]);
  }
  for (std::size_t i = 0; i < doubles.size(); ++i) {
    const double got = reader->read_double("d/" + std::to_string(i));
    EXPECT_EQ(std::memcmp(&got, &doubles[i], sizeof got), 0) << "d/" << i << " read " << got;
  }
}

TEST(StateIo, StringsRoundTrip) {
  ScratchDir dir;
  const std::string file = dir.file("strings.h5");
  const std::string job = "[job]\nname = \"resnet\"\n# κ-FAC ✓ comment\n";
  const std::string big(100000, 'x');
  write_state_file(file, [&](StateWriter& w) {
    w.write_string("s/empty", "");
    w.write_string("s/unicode", "κ-FAC ✓ ü");
    w.write_string("s/job", job);
    w.write_string("s/big", big);
  }, {});
  auto reader = open_state_file(file);
  EXPECT_EQ(reader->read_string("s/empty"), "");
  EXPECT_EQ(reader->read_string("s/unicode"), "κ-FAC ✓ ü");
  EXPECT_EQ(reader->read_string("s/job"), job);
  EXPECT_EQ(reader->read_string("s/big"), big);
}

TEST(StateIo, NestedPathsWithDotsAndChildren) {
  ScratchDir dir;
  const std::string file = dir.file("paths.h5");
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("model/layer1.0.conv1.weight", torch::ones({2, 2}));
    w.write_tensor("/model/layer1.0.bn1.running_mean", torch::zeros({2}));
    w.write_tensor("optimizer/momentum_buffer/layer1.0.conv1.weight", torch::full({2, 2}, 3.0));
    w.write_int("optimizer/step", 7);
  }, {});
  auto reader = open_state_file(file);
  EXPECT_EQ(reader->children(""), (std::vector<std::string>{"model", "optimizer"}));
  EXPECT_EQ(reader->children("/"), (std::vector<std::string>{"model", "optimizer"}));
  EXPECT_EQ(reader->children("model"),
            (std::vector<std::string>{"layer1.0.bn1.running_mean", "layer1.0.conv1.weight"}));
  EXPECT_EQ(reader->children("optimizer"),
            (std::vector<std::string>{"momentum_buffer", "step"}));
  EXPECT_TRUE(reader->children("missing").empty());
  EXPECT_TRUE(reader->children("optimizer/step").empty());  // a dataset, not a group
  EXPECT_TRUE(reader->has("model"));
  EXPECT_TRUE(reader->has("model/layer1.0.conv1.weight"));
  EXPECT_TRUE(reader->has("/optimizer/momentum_buffer/layer1.0.conv1.weight"));
  EXPECT_FALSE(reader->has("model/layer1"));
  EXPECT_FALSE(reader->has("missing/deeper/still"));
  EXPECT_FALSE(reader->has("optimizer/step/below_a_dataset"));
  EXPECT_TRUE(torch::equal(reader->read_tensor("optimizer/momentum_buffer/layer1.0.conv1.weight"),
                           torch::full({2, 2}, 3.0)));
}

TEST(StateIo, ReaderErrorsNameFilePathAndExpectation) {
  ScratchDir dir;
  const std::string file = dir.file("errors.h5");
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("model/w", torch::ones({3}));
    w.write_double("trainer/lr", 0.5);
    w.write_string("trainer/name", "x");
  }, {});
  auto reader = open_state_file(file);
  const std::string missing = message_of([&] { reader->read_tensor("model/absent"); });
  EXPECT_NE(missing.find("'model/absent'"), std::string::npos) << missing;
  EXPECT_NE(missing.find(file), std::string::npos) << missing;
  EXPECT_NE(missing.find("expected a tensor"), std::string::npos) << missing;
  const std::string wrong = message_of([&] { reader->read_int("trainer/lr"); });
  EXPECT_NE(wrong.find("float64"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("expected an integer scalar"), std::string::npos) << wrong;
  const std::string group = message_of([&] { reader->read_tensor("model"); });
  EXPECT_NE(group.find("is a group"), std::string::npos) << group;
  const std::string str = message_of([&] { reader->read_tensor("trainer/name"); });
  EXPECT_NE(str.find("string"), std::string::npos) << str;
  const std::string notstr = message_of([&] { reader->read_string("model/w"); });
  EXPECT_NE(notstr.find("expected a string scalar"), std::string::npos) << notstr;
  const std::string notdouble = message_of([&] { reader->read_double("model/w"); });
  EXPECT_NE(notdouble.find("shape [3]"), std::string::npos) << notdouble;
}

TEST(StateIo, WriterRejectsBadPathsAndValues) {
  ScratchDir dir;
  auto fails = [&](const std::function<void(StateWriter&)>& fill) {
    return message_of([&] { write_state_file(dir.file("bad.h5"), fill, {}); });
  };
  EXPECT_NE(fails([](StateWriter& w) {
              w.write_int("a/b", 1);
              w.write_int("a/b", 2);
            }).find("written twice"),
            std::string::npos);
  EXPECT_NE(fails([](StateWriter& w) {
              w.write_int("a", 1);
              w.write_int("a/b", 2);
            }).find("already a dataset"),
            std::string::npos);
  EXPECT_NE(fails([](StateWriter& w) { w.write_int("a//b", 1); }).find("bad state path"),
            std::string::npos);
  EXPECT_NE(fails([](StateWriter& w) { w.write_int("", 1); }).find("empty state path"),
            std::string::npos);
  EXPECT_NE(fails([](StateWriter& w) {
              w.write_tensor("c", torch::zeros({2}, torch::kComplexFloat));
            }).find("not supported"),
            std::string::npos);
  EXPECT_NE(fails([](StateWriter& w) { w.write_tensor("u", torch::Tensor()); })
                .find("undefined"),
            std::string::npos);
  EXPECT_NE(fails([](StateWriter& w) { w.write_string("s", std::string("a\0b", 3)); })
                .find("NUL"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.h5")));
}

}  // namespace
}  // namespace curvlab
