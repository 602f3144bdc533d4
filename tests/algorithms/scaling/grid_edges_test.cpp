// Tests of algorithms/scaling/grid_edges.cpp on small synthetic sweeps, each flag worked out by
// hand: the best value at the lower edge, at the upper edge and inside a grid; a key with one value
// (no edge); values that are not numbers (no order, no edge); a 2-D grid, where only the key at its
// edge is flagged; a union of cases, where the values compared are those of the best setting's
// case; sampled ranges (outer 5%, log scale for log_uniform); choices; a plateau of tied best
// values, flagged when it reaches an edge whichever value the tie-break picked; and, through
// analyse_study, the flags of each group.
#include "algorithms/scaling/grid_edges.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "algorithms/scaling/study.h"

namespace curvlab {
namespace {

std::vector<HyperValues> lr_grid(const std::vector<std::string>& lrs) {
  std::vector<HyperValues> out;
  for (const std::string& lr : lrs) out.push_back({{"train.lr", lr}});
  return out;
}

TEST(GridEdges, LiteralNumbers) {
  double v = 0;
  EXPECT_TRUE(literal_number("0.05", &v));
  EXPECT_EQ(v, 0.05);
  EXPECT_TRUE(literal_number("128", &v));
  EXPECT_EQ(v, 128);
  EXPECT_TRUE(literal_number("-3e-2", &v));
  EXPECT_EQ(v, -0.03);
  EXPECT_TRUE(literal_number("1_000", &v));
  EXPECT_EQ(v, 1000);
  for (const char* s : {"\"sgd\"", "true", "{ kind = \"cosine\" }", "[1, 2]", "inf", "nan", "", "1x"}) {
    EXPECT_FALSE(literal_number(s, &v)) << s;
  }
}

TEST(GridEdges, BestAtTheLowerEdge) {
  // Written out of order: the edges are the numerically smallest and largest values.
  const auto settings = lr_grid({"0.1", "0.03", "0.3"});
  const auto flags = find_grid_edges(settings, {200, 100, 300}, 1, {});
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].key, "train.lr");
  EXPECT_EQ(flags[0].value, "0.03");
  EXPECT_EQ(flags[0].edge, "lower");
  EXPECT_EQ(flags[0].swept, "0.03, 0.1, 0.3");
  EXPECT_EQ(flags[0].ties, 0);
  EXPECT_EQ(edge_cell(flags), "train.lr=0.03:lower");
}

TEST(GridEdges, BestAtTheUpperEdge) {
  const auto flags = find_grid_edges(lr_grid({"0.03", "0.1", "0.3"}), {300, 200, INFINITY}, 2, {});
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].edge, "upper");
  EXPECT_EQ(flags[0].value, "0.3");
}

TEST(GridEdges, InteriorBestAndOneValueAreNotEdges) {
  EXPECT_TRUE(find_grid_edges(lr_grid({"0.03", "0.1", "0.3"}), {300, 100, 200}, 1, {}).empty());
  // One value is both the smallest and the largest tried: not an edge.
  EXPECT_TRUE(find_grid_edges(lr_grid({"0.1"}), {100}, 0, {}).empty());
  // Strings have no order.
  const std::vector<HyperValues> kinds = {{{"train.lr_schedule.kind", "\"constant\""}},
                                          {{"train.lr_schedule.kind", "\"cosine\""}}};
  EXPECT_TRUE(find_grid_edges(kinds, {100, 200}, 0, {}).empty());
  EXPECT_TRUE(edge_cell({}).empty());
  EXPECT_TRUE(find_grid_edges({}, {}, 0, {}).empty());
}

TEST(GridEdges, TwoKeysOnlyTheOneAtItsEdgeIsFlagged) {
  // lr x damping, 3 x 3; best at lr 0.1 (interior), damping 1 (the largest).
  std::vector<HyperValues> settings;
  std::vector<double> steps;
  std::size_t best = 0;
  for (const std::string lr : {"0.03", "0.1", "0.3"}) {
    for (const std::string d : {"0.01", "0.1", "1"}) {
      if (lr == "0.1" && d == "1") best = settings.size();
      settings.push_back({{"kfac.damping", d}, {"train.lr", lr}});
      steps.push_back(lr == "0.1" && d == "1" ? 50 : 100 + static_cast<double>(settings.size()));
    }
  }
  const auto flags = find_grid_edges(settings, steps, best, {});
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].key, "kfac.damping");
  EXPECT_EQ(flags[0].edge, "upper");
  EXPECT_EQ(flags[0].swept, "0.01, 0.1, 1");
}

TEST(GridEdges, CasesCompareTheValuesOfTheBestSettingsCase) {
  // Case A: lr in {0.1, 0.3} with damping 0.01; case B: lr 0.01 with damping 0.1. The lr values of
  // the group are {0.01, 0.1, 0.3}, but along the best setting's line (damping 0.01) 0.1 is the
  // smallest tried.
  const std::vector<HyperValues> settings = {{{"kfac.damping", "0.01"}, {"train.lr", "0.1"}},
                                             {{"kfac.damping", "0.01"}, {"train.lr", "0.3"}},
                                             {{"kfac.damping", "0.1"}, {"train.lr", "0.01"}}};
  const auto flags = find_grid_edges(settings, {100, 200, 300}, 0, {});
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].key, "train.lr");
  EXPECT_EQ(flags[0].edge, "lower");
  EXPECT_EQ(flags[0].swept, "0.1, 0.3");
  // A key that one case does not set (SGD's settings have no damping) is compared only among the
  // settings that set it.
  const std::vector<HyperValues> mixed = {{{"train.lr", "0.1"}}, {{"train.lr", "0.3"}}, {{"train.lr", "1"}},
                                          {{"kfac.damping", "0.1"}}};
  EXPECT_TRUE(find_grid_edges(mixed, {200, 100, 300, 50}, 1, {}).empty());
  EXPECT_TRUE(find_grid_edges(mixed, {200, 100, 300, 50}, 3, {}).empty());  // damping: one value
}

TEST(GridEdges, APlateauOfBestValuesMustBeBracketed) {
  // The best (by a tie-break) is interior, but 0.3, the largest value, gives the same steps: the
  // plateau reaches the upper edge, whichever of the two the tie-break picked.
  for (std::size_t best : {1u, 2u}) {
    const auto flags = find_grid_edges(lr_grid({"0.03", "0.1", "0.3"}), {200, 100, 100}, best, {});
    ASSERT_EQ(flags.size(), 1u) << best;
    EXPECT_EQ(edge_cell(flags), "train.lr=0.3:upper");
    EXPECT_EQ(flags[0].tied_with, std::vector<std::string>{"0.1"});
    EXPECT_EQ(flags[0].ties, 1);
  }
  // A plateau inside the grid, with a worse value on each side: not an edge.
  EXPECT_TRUE(find_grid_edges(lr_grid({"0.01", "0.03", "0.1", "0.3"}), {200, 100, 100, INFINITY}, 2, {}).empty());
  // K-FAC whose learning rates all give the same run: the plateau is the whole grid, both edges.
  const auto flags = find_grid_edges(lr_grid({"0.03", "0.1", "0.3"}), {100, 100, 100}, 1, {});
  EXPECT_EQ(edge_cell(flags), "train.lr=0.03:lower train.lr=0.3:upper");
  ASSERT_EQ(flags.size(), 2u);
  EXPECT_EQ(flags[0].tied_with, (std::vector<std::string>{"0.1", "0.3"}));
  EXPECT_EQ(flags[1].ties, 2);
}

TEST(GridEdges, SampledRangesFlagTheOuterFivePercent) {
  SweptAxis momentum{"train.momentum", SweptAxis::Kind::range, 0.8, 0.99, false, {}};
  SweptAxis lr{"train.lr", SweptAxis::Kind::range, 1e-3, 1.0, true, {}};
  const auto one = [&](const std::string& m, const std::string& l) {
    const std::vector<HyperValues> settings = {{{"train.lr", l}, {"train.momentum", m}},
                                               {{"train.lr", "0.0301"}, {"train.momentum", "0.9"}}};
    return find_grid_edges(settings, {100, 200}, 0, {momentum, lr});
  };
  // momentum: 0.8 + 0.05 * 0.19 = 0.8095 and 0.99 - 0.0095 = 0.9805 are the thresholds.
  EXPECT_EQ(edge_cell(one("0.809", "0.0316")), "train.momentum=0.809:lower");
  EXPECT_EQ(edge_cell(one("0.981", "0.0316")), "train.momentum=0.981:upper");
  EXPECT_EQ(edge_cell(one("0.85", "0.0316")), "");
  // lr, log scale: 1e-3 * 1000^0.05 = 1.413e-3 and 1000^0.95 / 1000 = 0.7079.
  EXPECT_EQ(edge_cell(one("0.9", "0.0014")), "train.lr=0.0014:lower");
  EXPECT_EQ(edge_cell(one("0.9", "0.0015")), "");  // linear scale would call 0.0015 an edge
  EXPECT_EQ(edge_cell(one("0.9", "0.71")), "train.lr=0.71:upper");
  EXPECT_EQ(edge_cell(one("0.9", "0.7")), "");
  const auto flags = one("0.9", "0.0014");
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].kind, SweptAxis::Kind::range);
  EXPECT_EQ(flags[0].swept, "log_uniform [0.001, 1]");
}

TEST(GridEdges, ChoicesUseTheListedValues) {
  SweptAxis width{"train.batch_size", SweptAxis::Kind::choice, NAN, NAN, false, {"64", "256", "128"}};
  // Only 128 and 256 were drawn, but 64 was listed: 128 is interior, 256 the upper edge.
  const std::vector<HyperValues> settings = {{{"train.batch_size", "128"}}, {{"train.batch_size", "256"}}};
  EXPECT_TRUE(find_grid_edges(settings, {100, 200}, 0, {width}).empty());
  const auto flags = find_grid_edges(settings, {200, 100}, 1, {width});
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].edge, "upper");
  EXPECT_EQ(flags[0].swept, "choice [64, 128, 256]");
}

// Through analyse_study: each group's best setting gets its flags.
RunOutcome run(const std::string& optimizer, std::int64_t batch, const std::string& lr, double reach_step) {
  RunOutcome r;
  r.optimizer = optimizer;
  r.batch_size = batch;
  r.setting = "train.lr=" + lr;
  r.values = {{"train.lr", lr}};
  r.seed = "0";
  r.id = optimizer + "-" + std::to_string(batch) + "-" + lr;
  r.finished = true;
  r.state = "done";
  for (double s = 10; s <= 100; s += 10) r.curve.push_back({s, s / 10, s / 10, s >= reach_step ? 0.9 : 0.5});
  return r;
}

TEST(GridEdges, AnalyseStudyFlagsEachGroup) {
  const std::vector<RunOutcome> runs = {
      // sgd 128: best at 0.01 (lower edge); sgd 256: best 0.1 (interior); sgd 512: best 1 (upper).
      run("sgd", 128, "0.01", 20), run("sgd", 128, "0.1", 40), run("sgd", 128, "1", 60),
      run("sgd", 256, "0.01", 40), run("sgd", 256, "0.1", 20), run("sgd", 256, "1", 60),
      run("sgd", 512, "0.01", 60), run("sgd", 512, "0.1", 40), run("sgd", 512, "1", 20),
      // sgd 1024: nothing reaches the target: no best, no flag.
      run("sgd", 1024, "0.01", 1e9), run("sgd", 1024, "0.1", 1e9), run("sgd", 1024, "1", 1e9),
  };
  const StudyResult s = analyse_study(runs, parse_target("test_accuracy=0.8"));
  ASSERT_EQ(s.groups.size(), 4u);
  EXPECT_EQ(edge_cell(s.groups[0].edges), "train.lr=0.01:lower");
  EXPECT_EQ(edge_cell(s.groups[1].edges), "");
  EXPECT_EQ(edge_cell(s.groups[2].edges), "train.lr=1:upper");
  EXPECT_EQ(s.groups[3].best, -1);
  EXPECT_TRUE(s.groups[3].edges.empty());
  EXPECT_EQ(s.groups[0].settings[0].values, (HyperValues{{"train.lr", "0.01"}}));
  // The same values declared as a log_uniform range [0.001, 10]: 0.01 sits at 25% of it and 1 at
  // 75% (of 4 decades), so neither is flagged.
  const StudyResult r = analyse_study(runs, parse_target("test_accuracy=0.8"),
                                      {{"train.lr", SweptAxis::Kind::range, 1e-3, 10, true, {}}});
  for (const GroupResult& g : r.groups) EXPECT_TRUE(g.edges.empty()) << g.batch_size;
}

}  // namespace
}  // namespace curvlab
