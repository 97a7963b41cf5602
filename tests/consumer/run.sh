#!/usr/bin/env bash
# Installs relutope from BUILD_DIR into a scratch prefix, then configures, builds and runs the
# consumer project against it: the find_package(relutope) path works.
set -euo pipefail
build_dir=$1
scratch=$build_dir/consumer-test
rm -rf "$scratch"
cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
cmake -S "$(dirname "$0")" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/build" >/dev/null
"$scratch/build/consumer"
