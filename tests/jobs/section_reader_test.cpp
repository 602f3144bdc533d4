// The section reader (jobs/section_reader.cpp), on toml++ tables directly and through the parser:
// ranges and how they print, the shortest round-trip number text, node descriptions for messages,
// each typed reader (value, default when absent, location recorded, type and range errors with
// file:line:col), string lists, sub-tables, the allowed keys in reading order, --set locations,
// and the unknown-key report (first in file order, a near miss in the same table, the same name in
// another table, the allowed keys); plus the bad job files whose messages come from here.
#include "jobs/section_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "jobs/bad_job_cases.h"

namespace curvlab {
namespace bad_job {

const std::vector<BadCase>& section_reader_cases() {
  static const std::vector<BadCase> cases = {
      {"UnknownKeyNearMiss", kJob + "[train]\nlrr = 0.1\n", {},
       {"job.toml:4:1: unknown key 'train.lrr' in [train]; did you mean 'train.lr'?",
        "keys allowed in [train]: epochs, steps, batch_size"}},
      {"UnknownKeyTransposed", kJob + "[train]\nmomentmu = 0.9\n", {},
       {"job.toml:4:1:", "'train.momentmu'", "did you mean 'train.momentum'?"}},
      {"UnknownSectionNearMiss", kJob + "[trian]\nlr = 0.1\n", {},
       {"job.toml:3:2: unknown key 'trian' at the top level; did you mean 'train'?",
        "[job], [data], [model], [train], [comm]"}},
      {"UnknownDottedTopLevel", "trian.lr = 0.1\n" + kJob, {},
       {"job.toml:1:1: unknown key 'trian' at the top level; did you mean 'train'?"}},
      {"KeyInWrongSection", kJob + "[data]\nlr = 0.1\n", {},
       {"job.toml:4:1: unknown key 'data.lr' in [data]; did you mean 'train.lr' (in [train])?"}},
      {"BareKeyAtTopLevel", "lr = 0.1\n" + kJob, {},
       {"job.toml:1:1: unknown key 'lr' at the top level; did you mean 'train.lr' (in [train])?"}},
      {"FutureSectionLars", kJob + "[lars]\ntrust = 1e-3\n", {},
       {"job.toml:3:2: unknown key 'lars' at the top level",
        "the job file has the sections [job], [data], [model], [train], [comm]"}},
      {"UnknownScheduleKey", kJob + "[train.lr_schedule]\ngama = 0.5\n", {},
       {"job.toml:4:1: unknown key 'train.lr_schedule.gama' in [train.lr_schedule]; "
        "did you mean 'train.lr_schedule.gamma'?"}},
      {"FirstUnknownInFileOrder", kJob + "[train]\nzzz = 1\n[data]\naaa = 2\n", {},
       {"job.toml:4:1: unknown key 'train.zzz'"}},
      {"BatchSizeString", kJob + "[train]\nbatch_size = \"abc\"\n", {},
       {"job.toml:4:14: train.batch_size must be an integer, got string \"abc\""}},
      {"BatchSizeFloat", kJob + "[train]\nbatch_size = 128.5\n", {},
       {"job.toml:4:14: train.batch_size must be an integer, got float 128.5"}},
      {"LrString", kJob + "[train]\nlr = \"fast\"\n", {},
       {"job.toml:4:6: train.lr must be a number, got string \"fast\""}},
      {"NesterovString", kJob + "[train]\nnesterov = \"yes\"\n", {},
       {"job.toml:4:12: train.nesterov must be true or false, got string \"yes\""}},
      {"DatasetInteger", kJob + "[data]\ndataset = 10\n", {},
       {"job.toml:4:11: data.dataset must be a string, one of fashion-mnist, mnist, cifar10, "
        "synthetic, flow, got integer 10"}},
      {"ScheduleNotTable", kJob + "[train]\nlr_schedule = \"cosine\"\n", {},
       {"job.toml:4:15: train.lr_schedule must be a table ([train.lr_schedule]), got string "
        "\"cosine\""}},
      {"SectionNotTable", "train = 5\n" + kJob, {},
       {"job.toml:1:9: train must be a table ([train]), got integer 5"}},
      {"ShapeString", kJob + "[data]\nsynthetic_shape = \"1x8x8\"\n", {},
       {"job.toml:4:19: data.synthetic_shape must be an array of 3 integers, got string "
        "\"1x8x8\""}},
  };
  return cases;
}

}  // namespace bad_job

namespace {

CURVLAB_BAD_JOB_SUITE(SectionReaderBadFile, bad_job::section_reader_cases);

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no ConfigError>";
}

struct Parsed {
  toml::table root;
  ParseContext ctx;
  std::map<std::string, SourceLocation> locations;
  explicit Parsed(const std::string& text) : root(toml::parse(std::string_view(text), std::string_view("t.toml"))) {
    ctx.source_name = "t.toml";
    ctx.locations = &locations;
  }
};

TEST(SectionReader, RangesContainAndDescribe) {
  EXPECT_TRUE(Range::any().contains(-1e300));
  EXPECT_EQ(Range::any().describe(), "any number");
  EXPECT_TRUE(Range::at_least(1).contains(1));
  EXPECT_FALSE(Range::at_least(1).contains(0.999));
  EXPECT_EQ(Range::at_least(1).describe(), ">= 1");
  EXPECT_FALSE(Range::above(0).contains(0));
  EXPECT_TRUE(Range::above(0).contains(1e-300));
  EXPECT_EQ(Range::above(0).describe(), "> 0");
  const Range half_open = Range::between(0, 1, true);
  EXPECT_TRUE(half_open.contains(0));
  EXPECT_FALSE(half_open.contains(1));
  EXPECT_EQ(half_open.describe(), "in [0, 1)");
  EXPECT_TRUE(Range::between(0, 1, false).contains(1));
  EXPECT_EQ(Range::between(0.5, 2.5, false).describe(), "in [0.5, 2.5]");
  EXPECT_FALSE(Range::at_least(0).contains(std::nan("")));  // NaN is in no range
}

TEST(SectionReader, FormatNumberIsTheShortestRoundTrip) {
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(-5), "-5");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(5e-4), "0.0005");
  EXPECT_EQ(format_number(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(format_number(1e20), "1e+20");
  EXPECT_EQ(format_number(std::nan("")), "nan");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-inf");
  for (double v : {0.1, 2.5e-7, 123456.789, 1.0 / 7, 6.02214076e23}) {
    EXPECT_EQ(std::strtod(format_number(v).c_str(), nullptr), v) << format_number(v);
  }
}

TEST(SectionReader, DescribeNode) {
  const toml::table t = toml::parse(R"(s = "a\"b"
i = 5
f = 2.5
b = true
a = [1, 2]
t = { x = 1 }
long = "0123456789012345678901234567890123456789012345678901234567890123456789"
)");
  EXPECT_EQ(describe_node(*t.get("s")), "string \"a\\\"b\"");
  EXPECT_EQ(describe_node(*t.get("i")), "integer 5");
  EXPECT_EQ(describe_node(*t.get("f")), "float 2.5");
  EXPECT_EQ(describe_node(*t.get("b")), "boolean true");
  EXPECT_EQ(describe_node(*t.get("a")), "array [ 1, 2 ]");
  EXPECT_EQ(describe_node(*t.get("t")), "table {...}");
  const std::string l = describe_node(*t.get("long"));
  EXPECT_EQ(l.size(), std::string("string ").size() + 60);
  EXPECT_EQ(l.substr(l.size() - 3), "...");
}

TEST(SectionReader, TypedReadersKeepDefaultsRecordLocationsAndCheck) {
  Parsed p("[s]\nn = 3\nx = 0.25\nflag = true\nname = \"abc\"\nkind = \"b\"\nl = [1, 2]\nd = [0.5, 1]\n"
           "words = [\"a\", \"b\"]\n[s.sub]\nk = 1\n");
  SectionReader top(p.ctx, &p.root, "");
  SectionReader& s = top.section("s");
  EXPECT_TRUE(s.present());
  EXPECT_EQ(s.dotted("n"), "s.n");
  std::int64_t n = 0, absent = 42;
  double x = 0;
  bool flag = false;
  std::string name, kind = "a";
  std::vector<std::int64_t> l;
  std::vector<double> d;
  std::vector<std::string> words;
  s.integer("n", n, Range::at_least(1));
  s.integer("absent", absent);
  s.number("x", x, Range::between(0, 1, true));
  s.boolean("flag", flag);
  s.string("name", name, false);
  s.choice("kind", kind, {"a", "b"});
  s.integer_list("l", l, Range::at_least(1), 2);
  s.number_list("d", d);
  s.string_list("words", words);
  std::int64_t k = 0;
  s.section("sub").integer("k", k);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(absent, 42);  // absent keys keep their defaults
  EXPECT_DOUBLE_EQ(x, 0.25);
  EXPECT_TRUE(flag);
  EXPECT_EQ(name, "abc");
  EXPECT_EQ(kind, "b");
  EXPECT_EQ(l, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(d, (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(words, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(k, 1);
  EXPECT_EQ(p.locations.at("s.n").str(), "t.toml:2:5");
  EXPECT_EQ(p.locations.at("s.sub.k").str(), "t.toml:11:5");
  EXPECT_EQ(p.locations.count("s.absent"), 0u);
  EXPECT_EQ(p.ctx.choices.at("s.kind"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(s.has("n"));
  EXPECT_FALSE(s.has("absent"));
  EXPECT_EQ(s.location("x").str(), "t.toml:3:5");
  EXPECT_EQ(s.location("absent").str(), "t.toml");
  EXPECT_EQ(top.known_keys(), (std::vector<std::string>{"s", "s.n", "s.absent", "s.x", "s.flag", "s.name", "s.kind",
                                                         "s.l", "s.d", "s.words", "s.sub", "s.sub.k"}));
  EXPECT_NO_THROW(top.check_unknown_keys());
  // Range, choice and list errors point at the value.
  std::int64_t m = 0;
  EXPECT_EQ(error_of([&] { s.integer("n", m, Range::at_least(5)); }), "t.toml:2:5: s.n must be >= 5 (got 3)");
  std::string k2;
  const std::string c = error_of([&] { s.choice("name", k2, {"abd", "xyz"}); });
  EXPECT_EQ(c, "t.toml:5:8: s.name must be one of abd, xyz (got \"abc\"); did you mean \"abd\"?");
  std::vector<std::int64_t> three;
  EXPECT_NE(error_of([&] { s.integer_list("l", three, Range::any(), 3); }).find("must be an array of 3 integers (got 2 elements)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.string_list("l", words); }).find("t.toml:7:6: s.l[0] must be a string, got integer 1"),
            std::string::npos);
}

TEST(SectionReader, ChoiceListTakesANameOrAnArrayOfDistinctNames) {
  Parsed p("[s]\none = \"b\"\nmany = [\"c\", \"a\"]\nnear = [\"a\", \"bb\"]\ntwice = [\"a\", \"a\"]\nnum = [1]\n");
  SectionReader top(p.ctx, &p.root, "");
  SectionReader& s = top.section("s");
  const std::vector<std::string> allowed = {"a", "b", "c"};
  std::vector<std::string> one, many, absent = {"a"}, out;
  s.choice_list("one", one, allowed);
  s.choice_list("many", many, allowed);
  s.choice_list("absent", absent, allowed);
  EXPECT_EQ(one, (std::vector<std::string>{"b"}));
  EXPECT_EQ(many, (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(absent, (std::vector<std::string>{"a"}));
  EXPECT_EQ(p.ctx.choices.at("s.many"), allowed);
  EXPECT_EQ(error_of([&] { s.choice_list("near", out, allowed); }),
            "t.toml:4:14: s.near must name only a, b, c (got \"bb\"); did you mean \"b\"?");
  EXPECT_EQ(error_of([&] { s.choice_list("twice", out, allowed); }),
            "t.toml:5:15: s.twice names \"a\" twice; list each once");
  EXPECT_NE(error_of([&] { s.choice_list("num", out, allowed); }).find("s.num[0] must be a string, one of a, b, c"),
            std::string::npos);
}

// "--set s.many=[\"c\"]": the override's raw text is kept for string keys, but an array is read as one.
TEST(SectionReader, ChoiceListReadsAnOverriddenArrayAsItsElements) {
  Parsed p("[s]\nmany = [\"c\"]\none = \"b\"\n");
  p.ctx.override_raw_values["s.many"] = "[\"c\"]";
  p.ctx.override_raw_values["s.one"] = "b";
  SectionReader top(p.ctx, &p.root, "");
  SectionReader& s = top.section("s");
  std::vector<std::string> many, one;
  s.choice_list("many", many, {"a", "b", "c"});
  s.choice_list("one", one, {"a", "b", "c"});
  EXPECT_EQ(many, (std::vector<std::string>{"c"}));
  EXPECT_EQ(one, (std::vector<std::string>{"b"}));
}

TEST(SectionReader, AbsentTableReadsNothing) {
  ParseContext ctx;
  ctx.source_name = "none.toml";
  SectionReader r(ctx, nullptr, "train");
  EXPECT_FALSE(r.present());
  double lr = 0.1;
  r.number("lr", lr, Range::above(0));
  EXPECT_DOUBLE_EQ(lr, 0.1);
  EXPECT_FALSE(r.section("lr_schedule").present());
  EXPECT_EQ(r.known_keys(), (std::vector<std::string>{"train.lr", "train.lr_schedule"}));
  EXPECT_NO_THROW(r.check_unknown_keys());
}

TEST(SectionReader, OverrideLocationsAndStringsFromSetText) {
  Parsed p("[job]\nname = 2024\n");
  p.ctx.override_locations["job.name"] = SourceLocation{"--set job.name=2024", 0, 0};
  p.ctx.override_raw_values["job.name"] = "2024";
  SectionReader top(p.ctx, &p.root, "");
  std::string name;
  top.section("job").string("name", name);
  EXPECT_EQ(name, "2024");  // an integer in TOML, taken as its text because --set wrote it
  EXPECT_EQ(p.ctx.strings_from_overrides.count("job.name"), 1u);
  EXPECT_EQ(p.locations.at("job.name").str(), "--set job.name=2024");
  // The same integer written in the file is a type error.
  Parsed q("[job]\nname = 2024\n");
  SectionReader top2(q.ctx, &q.root, "");
  EXPECT_EQ(error_of([&] { top2.section("job").string("name", name); }),
            "t.toml:2:8: job.name must be a string, got integer 2024");
}

TEST(SectionReader, UnknownKeysFirstInFileOrderWithHints) {
  Parsed p("[a]\nalpha = 1\nzeta = 2\n[b]\nbeta = 3\nalpah = 4\n");
  SectionReader top(p.ctx, &p.root, "");
  std::int64_t v = 0;
  top.section("a").integer("alpha", v);
  SectionReader& b = top.section("b");
  b.integer("beta", v);
  b.integer("zeta", v);
  // a.zeta is unknown (line 3) and comes before b.alpah (line 6); b has zeta: the same name elsewhere.
  EXPECT_EQ(error_of([&] { top.check_unknown_keys(); }),
            "t.toml:3:1: unknown key 'a.zeta' in [a]; did you mean 'b.zeta' (in [b])? (keys allowed in [a]: alpha)");
  Parsed q("[b]\nbeta = 3\nbeat = 4\n");
  SectionReader top2(q.ctx, &q.root, "");
  top2.section("b").integer("beta", v);
  EXPECT_EQ(error_of([&] { top2.check_unknown_keys(); }),
            "t.toml:3:1: unknown key 'b.beat' in [b]; did you mean 'b.beta'? (keys allowed in [b]: beta)");
  // accept() lets a table with free keys pass.
  Parsed r("[grid]\nanything = 1\n");
  SectionReader top3(r.ctx, &r.root, "");
  SectionReader& grid = top3.section("grid");
  grid.accept("anything");
  EXPECT_NO_THROW(top3.check_unknown_keys());
  EXPECT_NE(grid.table(), nullptr);
  EXPECT_EQ(grid.locate("grid.anything", *grid.table()->get("anything")).str(), "t.toml:2:12");
}

}  // namespace
}  // namespace curvlab
