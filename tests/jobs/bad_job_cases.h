// Shared by the tests of bad job files and bad --set overrides (job_parser_test.cpp,
// section_reader_test.cpp, overrides_test.cpp, train/train_sections_test.cpp): a case is a job text,
// overrides and the substrings its ConfigError message must hold ("job.toml:LINE:COLUMN: " or
// "--set ...: ", the dotted key, what is wrong, the allowed values or range, the did-you-mean hint).
// CURVLAB_BAD_JOB_SUITE makes one parametrized test per case, named after the case.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab::bad_job {

// Most cases start with this valid [job] section (lines 1-2), so the line under test is line 3+.
inline const std::string kJob = "[job]\noutput_dir = \"out\"\n";

struct BadCase {
  const char* name;
  std::string text;
  std::vector<std::string> overrides;
  std::vector<std::string> expected;  // substrings the message must hold
};

// The ConfigError message for `c`, or a marker that makes every expectation fail.
inline std::string error_message(const BadCase& c) {
  try {
    parse_job_text(c.text, "job.toml", c.overrides);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not a ConfigError: ") + e.what() + ">";
  }
  return "<parsed without error>";
}

inline void check_case(const BadCase& c) {
  const std::string message = error_message(c);
  for (const auto& want : c.expected) {
    EXPECT_NE(message.find(want), std::string::npos)
        << "case " << c.name << "\n  message:  " << message << "\n  expected: " << want;
  }
}

// The case lists, one per file that tests the source producing the messages.
const std::vector<BadCase>& parser_cases();          // job_parser_test.cpp: syntax, [job] [data] [model] [comm]
const std::vector<BadCase>& section_reader_cases();  // section_reader_test.cpp: unknown keys, wrong types
const std::vector<BadCase>& train_section_cases();   // train/train_sections_test.cpp: [train], its rules
const std::vector<BadCase>& override_cases();        // overrides_test.cpp: --set

}  // namespace curvlab::bad_job

#define CURVLAB_BAD_JOB_SUITE(Suite, cases)                                                                 \
  class Suite : public ::testing::TestWithParam<std::size_t> {};                                             \
  TEST_P(Suite, MessageNamesLocationKeyAndFix) { ::curvlab::bad_job::check_case(cases()[GetParam()]); }    \
  INSTANTIATE_TEST_SUITE_P(Cases, Suite, ::testing::Range<std::size_t>(0, cases().size()),                 \
                           [](const ::testing::TestParamInfo<std::size_t>& info) {                          \
                             return std::string(cases()[info.param].name);                                  \
                           })
