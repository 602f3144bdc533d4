#!/usr/bin/env bash
# README's two commands build what they need: scripts/main.sh only the `curvlab` executable (the
# main job needs nothing else), scripts/test.sh every target. Runs both scripts in a scratch copy
# with cmake, mpirun, ctest and dpkg-query stubbed out, and checks the build commands they issued.
# Usage: readme_commands_test.sh SOURCE_DIR
set -euo pipefail
src=$1
tmp=$(mktemp -d /tmp/curvlab_readme_commands.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/build" "$tmp/bin"
cp -r "$src/scripts" "$tmp/root/scripts"
log="$tmp/calls.log"
for tool in cmake mpirun ctest; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$tool" "$log" >"$tmp/bin/$tool"
done
printf '#!/bin/sh\nprintf "install ok installed"\n' >"$tmp/bin/dpkg-query"
printf '#!/bin/sh\necho "curvlab $*" >>"%s"\n' "$log" >"$tmp/root/build/curvlab"
chmod +x "$tmp/bin/"* "$tmp/root/build/curvlab"
export PATH="$tmp/bin:$PATH"

bash "$tmp/root/scripts/main.sh" >/dev/null
builds=$(grep '^cmake --build' "$log")
[[ $builds == *"--target curvlab"* ]] || { echo "main.sh: expected a build of --target curvlab only, got: $builds"; exit 1; }
[[ $(grep -c -- '--target' <<<"$builds") == 1 && $(grep -o -- '--target' <<<"$builds" | wc -l) == 1 ]] ||
  { echo "main.sh: expected exactly one target, got: $builds"; exit 1; }
grep -q '^curvlab report runs/scaling' "$log" || { echo "main.sh did not run the report"; cat "$log"; exit 1; }

: >"$log"
bash "$tmp/root/scripts/test.sh" >/dev/null
builds=$(grep '^cmake --build' "$log")
[[ $builds != *"--target"* ]] || { echo "test.sh: expected a build of every target, got: $builds"; exit 1; }
grep -q '^ctest ' "$log" || { echo "test.sh did not run ctest"; cat "$log"; exit 1; }
echo "README commands: main.sh builds only curvlab, test.sh builds everything: OK"
