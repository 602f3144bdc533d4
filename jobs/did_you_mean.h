// "Did you mean ...?" suggestions for misspelled keys and names in job files and on the command line.
// Not for: deciding whether a name is valid (the callers know their allowed lists).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace curvlab {

// Optimal-string-alignment edit distance (insertions, deletions, substitutions and swaps of two
// neighbouring characters each cost 1), compared case-insensitively.
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` when it is a near miss (distance at most max(1, len/3), at most
// 3); "" when none is close enough. Ties go to the earliest candidate.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// "a, b, c": the allowed names, for error messages.
std::string join_names(const std::vector<std::string>& names, const std::string& separator = ", ");

}  // namespace curvlab
