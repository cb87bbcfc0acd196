#!/usr/bin/env bash
# A source tree without git (a release tarball) configures, and --version
# says "git unknown" instead of taking the revision of an enclosing
# repository. Configures a copy of the sources; builds nothing.
set -euo pipefail
src=$1 work=$2

rm -rf "$work"
mkdir -p "$work/src"
tar -C "$src" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$work/src" -xf -
cmake -S "$work/src" -B "$work/build" -G Ninja -DLC_BUILD_TESTS=OFF -DLC_BUILD_BENCH=OFF \
  > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
header=$work/build/generated/lc_build_info.h
grep -q '^#define LC_GIT_REVISION "unknown"$' "$header" \
  || { cat "$header"; echo "no_git_test: the revision is not \"unknown\""; exit 1; }
echo "no_git_test: OK"
