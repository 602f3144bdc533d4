#!/usr/bin/env bash
# Installs the built tree into a temporary prefix, builds tests/cmake/consumer against it with
# find_package(curvlab), and runs the consumer. Usage: find_package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d /tmp/curvlab_find_package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/lib/cmake/curvlab/curvlabConfig.cmake" || { echo "no curvlabConfig.cmake installed"; exit 1; }
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src/tests/cmake/consumer" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" "${launcher[@]}" >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
# The consumer must run from the install tree (RUNPATH), not from the build tree's library.
"$tmp/build/consumer"
# Capture first: `ldd | grep -q` under pipefail fails when grep exits early and ldd gets SIGPIPE.
libs=$(ldd "$tmp/build/consumer")
[[ $libs == *"$tmp/prefix/lib/libcurvlab_core"* ]] || { echo "consumer did not link the installed libcurvlab_core:"; grep curvlab <<<"$libs"; exit 1; }
echo "find_package(curvlab) consumer: OK"
