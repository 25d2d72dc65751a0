#!/usr/bin/env bash
# Installs a built sluice into a temporary prefix and builds the consumer in consumer/ out of
# tree three ways: find_package(sluice), pkg-config, and add_subdirectory of the source tree;
# each binary must then round-trip a message. The prefix and builds are removed afterwards.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR CXX
set -euo pipefail
build=$1 source=$2 cxx=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { echo "== $*"; }

step "cmake --install into a temporary prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/sluice/sluice.hpp include/sluice/server.hpp; do
  [[ -f $prefix/$f ]] || { echo "missing $f"; exit 1; }
done
config=$(find "$prefix" -name sluiceConfig.cmake)
pc=$(find "$prefix" -name sluice.pc)
lib=$(find "$prefix" -name 'libsluice.*' | head -n 1)
[[ -n $config && -n $pc && -n $lib ]] || { echo "missing sluiceConfig.cmake, sluice.pc or libsluice"; exit 1; }
[[ -f $(dirname "$config")/sluiceConfigVersion.cmake ]] || { echo "missing sluiceConfigVersion.cmake"; exit 1; }
if grep -rq "$source\|$build" "$prefix"/*/cmake "$pc" 2>/dev/null; then
  echo "the installed package names the build or source tree"; exit 1
fi

step "find_package(sluice)"
cmake -S "$here/consumer" -B "$tmp/find_package" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/find_package" -j2 >/dev/null
"$tmp/find_package/consumer-echo"

step "pkg-config"
export PKG_CONFIG_PATH=$(dirname "$pc")
pkg-config --exists --print-errors sluice
mkdir -p "$tmp/pkg-config"
# shellcheck disable=SC2046
"$cxx" -std=c++20 "$here/consumer/main.cpp" -o "$tmp/pkg-config/consumer-echo" $(pkg-config --cflags --libs sluice)
"$tmp/pkg-config/consumer-echo"

step "add_subdirectory of the source tree"
cmake -S "$here/consumer" -B "$tmp/add_subdirectory" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DSLUICE_SOURCE_DIR="$source" >/dev/null
cmake --build "$tmp/add_subdirectory" -j2 --target consumer-echo >/dev/null
"$tmp/add_subdirectory/consumer-echo"
