// Interop with h5py (Debian's /usr/bin/python3): Python reads a file curvlab wrote (values,
// dtypes, strings, attributes, the checksum recomputed from its documented definition, and a
// torch.nn model loaded from /model), and curvlab reads a plain file h5py wrote.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "engine/checkpoint/checkpointer.h"
#include "engine/checkpoint/hdf5_state_reader.h"
#include "base/error.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

using testing_ckpt::ScratchDir;

constexpr char kPython[] = "/usr/bin/python3";

// Runs a script from this folder with `file` as argument; its output goes to the test log.
int run_script(const std::string& script, const std::string& file) {
  const std::string cmd = std::string(kPython) + " " + CURVLAB_SOURCE_DIR +
                          "/tests/engine/checkpoint/" + script + " '" + file + "' 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool python_available() {
  return std::filesystem::exists(kPython) &&
         std::system((std::string(kPython) + " -c 'import h5py' 2>/dev/null").c_str()) == 0;
}

TEST(H5pyInterop, PythonReadsWhatCurvlabWrites) {
  if (!python_available()) GTEST_SKIP() << kPython << " with h5py is not installed";
  ScratchDir dir;
  const std::string file = dir.file("ckpt_00000012.h5");
  // The values below are repeated in read_state_h5py.py.
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("model/fc.weight", torch::arange(6, torch::kFloat32).reshape({2, 3}) * 0.5 - 1);
    w.write_tensor("model/fc.bias", torch::tensor({0.25f, -0.5f}));
    w.write_tensor("model/mask", torch::tensor({true, false, true}));
    w.write_tensor("model/half", torch::tensor({1.5, -2.0}, torch::kFloat16));
    w.write_tensor("model/empty", torch::zeros({0, 3}, torch::kFloat64));
    w.write_tensor("model/count", torch::tensor(7, torch::kInt64));
    w.write_tensor("rng/torch_cpu", torch::arange(16, torch::kUInt8));
    w.write_int("trainer/step", 12);
    w.write_double("trainer/lr", 0.125);
    w.write_string("trainer/name", "κ-FAC ✓");
  }, {{"job_text", "[job]\nkind = \"train\"\n"}, {"step", "12"}});
  EXPECT_EQ(run_script("read_state_h5py.py", file), 0)
      << "the Python check failed; see its output above";
}

TEST(H5pyInterop, CurvlabReadsWhatH5pyWrites) {
  if (!python_available()) GTEST_SKIP() << kPython << " with h5py is not installed";
  ScratchDir dir;
  const std::string file = dir.file("from_h5py.h5");
  ASSERT_EQ(run_script("write_state_h5py.py", file), 0);
  Hdf5StateReader reader(file);
  EXPECT_TRUE(torch::equal(reader.read_tensor("model/w"),
                           torch::arange(6, torch::kFloat32).reshape({2, 3})));
  const torch::Tensor big_endian = reader.read_tensor("model/be");
  EXPECT_EQ(big_endian.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::equal(big_endian, torch::tensor({1.5, -2.25, 1e300}, torch::kFloat64)));
  const torch::Tensor mask = reader.read_tensor("model/mask");
  EXPECT_EQ(mask.scalar_type(), torch::kBool);
  EXPECT_TRUE(torch::equal(mask, torch::tensor({false, true, true})));
  EXPECT_TRUE(torch::equal(reader.read_tensor("model/i16"),
                           torch::tensor({-3, 4}, torch::kInt16)));
  EXPECT_EQ(reader.read_int("trainer/step"), 99);
  EXPECT_EQ(reader.read_double("trainer/lr"), 0.5);
  EXPECT_EQ(reader.read_string("trainer/fixed"), "abc");
  EXPECT_EQ(reader.read_string("trainer/vlen"), "héllo");
  EXPECT_EQ(reader.root_attributes().at("note"), "from h5py");
  EXPECT_THROW(reader.read_tensor("model/u32"), IoError);  // torch 1.13 has no uint32
}

}  // namespace
}  // namespace curvlab
