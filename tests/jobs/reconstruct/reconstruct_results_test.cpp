// Reconstruct results (jobs/reconstruct/reconstruct_results.cpp) from a study built by hand: the
// HDF5 paths and values (sensor lattice coordinates from the window's x/y), both CSVs row by row,
// and the stdout table.
#include "jobs/reconstruct/reconstruct_results.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "algorithms/map_state.h"
#include "jobs/reconstruct/reconstruct_study.h"

namespace curvlab {
namespace {

std::vector<std::string> lines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(f, l);) out.push_back(l);
  return out;
}

TEST(ReconstructResults, SavesEveryRecord) {
  const ReconstructStudy s = testing_reconstruct::small_study();
  testing_state::MapState st;
  save_reconstruct_study(s, st);
  EXPECT_EQ(st.s.at("field"), "vorticity");
  EXPECT_EQ(st.t.at("mean").sizes(), (std::vector<std::int64_t>{3, 4}));
  EXPECT_TRUE(torch::equal(st.t.at("sensors_3/pixels"), torch::tensor({0, 5, 10}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(st.t.at("sensors_3/x"), torch::tensor({10, 11, 12}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(st.t.at("sensors_3/y"), torch::tensor({0, 1, 2}, torch::kInt64)));
  EXPECT_DOUBLE_EQ(st.d.at("sensors_2/pod/test_error"), 0.25);
  EXPECT_DOUBLE_EQ(st.d.at("sensors_2/decoder/test_error_with_mean"), 0.005);
  EXPECT_EQ(st.t.at("sensors_3/pod/test_errors").numel(), 3);
  EXPECT_EQ(st.t.at("sensors_3/decoder/plot_field").sizes(), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(st.i.at("plot_snapshot"), 1);
}

TEST(ReconstructResults, CsvFilesAndTable) {
  const std::string dir = (std::filesystem::temp_directory_path() / "curvlab_reconstruct_results_test").string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const ReconstructStudy s = testing_reconstruct::small_study();
  write_reconstruct_csvs(s, dir);
  const auto sum = lines(dir + "/reconstruct_summary.csv");
  ASSERT_EQ(sum.size(), 5u);
  EXPECT_EQ(sum[0], "sensors,method,train_error,test_error,train_error_with_mean,test_error_with_mean,seconds");
  EXPECT_EQ(sum[2], "2,pod,0.125,0.25,0.0125,0.025,1.5");
  const auto per = lines(dir + "/reconstruct_errors.csv");
  ASSERT_EQ(per.size(), 13u);
  EXPECT_EQ(per[3], "2,decoder,2,120,0.15,0.015");
  const std::string t = format_reconstruct_table(s);
  EXPECT_NE(t.find("sensors  method"), std::string::npos) << t;
  EXPECT_NE(t.find("pod             0.0833       0.1667"), std::string::npos) << t;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
