// Lines curvlab prints to stderr during a run: a message that holds on every rank (a corrupt
// checkpoint every rank skips, a setting every rank reads) is printed once, by rank 0; a message
// about one rank says which. The rank is the one base/error.h stamps (set_process_rank: the
// communicator factory, or the launcher's variables before there is a communicator).
// Not for: results and tables (stdout), progress lines (engine/progress.h), or errors (thrown).
#pragma once

#include <string>

namespace curvlab::log {

// True on the process that prints messages shared by all ranks: rank 0, or any process whose rank
// is not known (-1: not under a launcher).
bool prints_shared();

// "warning: <text>" once: only where prints_shared().
void warn(const std::string& text);

// "warning (rank R): <text>" on the calling rank, whatever its rank: for what is true of this
// rank alone (a file only this node cannot read, this rank's device).
void warn_rank(const std::string& text);

// "<text>" once: only where prints_shared().
void note(const std::string& text);

}  // namespace curvlab::log
