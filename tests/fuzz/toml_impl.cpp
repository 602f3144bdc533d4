// toml++'s implementation, compiled into job_parser_fuzz with coverage and sanitizers, so that the
// TOML parser is fuzzed too (the main build uses Debian's uninstrumented libtomlplusplus.so).
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
