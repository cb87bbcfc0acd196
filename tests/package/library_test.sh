#!/usr/bin/env bash
# libcluster as installed for developers: `cmake --install --prefix` of the
# build tree, then examples/capability built out of tree against it with
# find_package(libcluster) and run, and the same main.cc built with
# pkg-config alone.
set -euo pipefail
build=$1 src=$2 work=$3

fail() { echo "library_test: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
nice cmake --build "$build" --target clusterd cluster-gateway nodectl libcluster
cmake --install "$build" --prefix "$prefix" > "$work/install.log" || fail "cmake --install"
lib=$(find "$prefix" -name 'libcluster.so.0' | head -1)
[ -n "$lib" ] || fail "no libcluster.so.0 in $prefix"
readelf -d "$lib" | grep -q 'SONAME.*\[libcluster\.so\.0\]' || fail "SONAME is not libcluster.so.0"

cmake -S "$src/examples/capability" -B "$work/example" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Debug > "$work/example-configure.log" \
  || { cat "$work/example-configure.log"; fail "find_package(libcluster)"; }
nice cmake --build "$work/example" || fail "example build"
out=$("$work/example/hello_capability" --once)
echo "library_test: $out"
grep -q 'hello-repl registered' <<<"$out" || fail "example run: $out"

export PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name libcluster.pc)")
flags=$(pkg-config --cflags --libs libcluster) || fail "pkg-config libcluster"
echo "library_test: pkg-config: $flags"
# shellcheck disable=SC2086 # the flags are words
nice c++ -o "$work/hello_pc" "$src/examples/capability/main.cc" $flags || fail "pkg-config build"
LD_LIBRARY_PATH=$(dirname "$lib") "$work/hello_pc" --once | grep -q 'hello-repl registered' \
  || fail "pkg-config build does not run"
echo "library_test: OK"
