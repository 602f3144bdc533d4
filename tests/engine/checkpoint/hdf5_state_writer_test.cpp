// The HDF5 StateWriter (engine/checkpoint/hdf5_state_writer.cpp): round trips of every dtype and
// shape (0-d and empty included), scalars bit for bit, strings; what lands in the file as HDF5 sees
// it (little-endian types, scalar dataspaces, the torch_dtype attribute, UTF-8 link names); the
// writer's running checksum against an independent CRC32; and the paths and values it refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "engine/checkpoint/checkpointer.h"
#include "engine/checkpoint/hdf5_state_reader.h"
#include "engine/checkpoint/hdf5_state_writer.h"
#include "engine/checkpoint/hdf5_strings.h"
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

TEST(Hdf5StateWriter, EveryDtypeAndShapeRoundTrips) {
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

TEST(Hdf5StateWriter, NonContiguousAndGradTensorsAreWrittenAsValues) {
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

TEST(Hdf5StateWriter, ScalarsRoundTripBitForBit) {
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

TEST(Hdf5StateWriter, StringsRoundTrip) {
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

TEST(Hdf5StateWriter, WriterRejectsBadPathsAndValues) {
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

// The file as HDF5 describes it, opened without curvlab's reader.
TEST(Hdf5StateWriter, StoredTypesAsHdf5SeesThem) {
  ScratchDir dir;
  const std::string file = dir.file("types.h5");
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("t/bf16", torch::tensor({0.5, 2.0}, torch::kBFloat16));
    w.write_tensor("t/i16", torch::tensor({-1, 2, 3}, torch::kInt16).reshape({3, 1}));
    w.write_tensor("t/scalar", torch::tensor(2.5, torch::kFloat64));
    w.write_int("s/int", 5);
    w.write_double("s/double", 0.5);
    w.write_string("s/string", "x");
    w.write_tensor("model/layer1.0.bn1.running_mean", torch::zeros({2}));
  }, {});
  H5File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  ASSERT_TRUE(f.valid());
  struct Want {
    const char* path;
    H5T_class_t cls;
    std::size_t size;
    int rank;           // -1: scalar dataspace
    const char* tag;    // torch_dtype attribute, nullptr: none
  };
  for (const Want& want : std::vector<Want>{{"t/bf16", H5T_FLOAT, 4, 1, "bfloat16"},
                                            {"t/i16", H5T_INTEGER, 2, 2, "int16"},
                                            {"t/scalar", H5T_FLOAT, 8, -1, "float64"},
                                            {"s/int", H5T_INTEGER, 8, -1, nullptr},
                                            {"s/double", H5T_FLOAT, 8, -1, nullptr},
                                            {"s/string", H5T_STRING, 0, -1, nullptr}}) {
    SCOPED_TRACE(want.path);
    H5Dataset d(H5Dopen2(f.get(), want.path, H5P_DEFAULT));
    ASSERT_TRUE(d.valid());
    H5Type t(H5Dget_type(d.get()));
    H5Dataspace s(H5Dget_space(d.get()));
    EXPECT_EQ(H5Tget_class(t.get()), want.cls);
    if (want.cls == H5T_STRING) {
      EXPECT_GT(H5Tis_variable_str(t.get()), 0);
      EXPECT_EQ(H5Tget_cset(t.get()), H5T_CSET_UTF8);
    } else {
      EXPECT_EQ(H5Tget_size(t.get()), want.size);
      EXPECT_EQ(H5Tget_order(t.get()), H5T_ORDER_LE);
    }
    if (want.rank < 0) {
      EXPECT_EQ(H5Sget_simple_extent_type(s.get()), H5S_SCALAR);
    } else {
      EXPECT_EQ(H5Sget_simple_extent_ndims(s.get()), want.rank);
    }
    const auto tag = read_string_attribute(d.get(), "torch_dtype", file);
    EXPECT_EQ(tag.has_value(), want.tag != nullptr);
    if (tag && want.tag) EXPECT_EQ(*tag, want.tag);
  }
  // Dots stay inside one link name; link names are UTF-8 (h5py decodes them as str).
  H5Group model(H5Gopen2(f.get(), "model", H5P_DEFAULT));
  H5L_info_t info{};
  ASSERT_GE(H5Lget_info(model.get(), "layer1.0.bn1.running_mean", &info, H5P_DEFAULT), 0);
  EXPECT_EQ(info.cset, H5T_CSET_UTF8);
}

// The running checksum is the CRC32 of the records of everything written, in path order, whatever
// the write order; the writer never re-reads the file for it.
TEST(Hdf5StateWriter, RunningChecksumMatchesIndependentCrc) {
  ScratchDir dir;
  const std::string file = dir.file("sum.h5");
  H5File f(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  Hdf5StateWriter w(f.get(), file);
  const torch::Tensor t = torch::tensor({1.0f, -2.0f}, torch::kFloat16);  // stored as float32
  w.write_string("z/name", "abc");
  w.write_tensor("a/half", t);
  w.write_int("m/step", 3);
  w.write_root_attribute("note", "attributes are not covered");
  const float widened[2] = {1.0f, -2.0f};
  const std::int64_t step = 3;
  const std::string all = testing_ckpt::record("a/half", "float16", "2", widened, 8) +
                          testing_ckpt::record("m/step", "int64", "", &step, 8) +
                          testing_ckpt::record("z/name", "string", "", "abc", 3);
  EXPECT_EQ(w.checksum().datasets(), 3u);
  EXPECT_EQ(w.checksum().value(), testing_ckpt::reference_crc32(all));
  EXPECT_THROW(w.write_root_attribute("note", "again"), IoError);
}

}  // namespace
}  // namespace curvlab
