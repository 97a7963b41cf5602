#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (what CI runs): the tests in
# build/, the tests again under AddressSanitizer and UndefinedBehaviorSanitizer in
# build-sanitize/, and every fuzzer for about a minute in all in build-fuzz/ (clang).
# Idempotent, like setup.sh: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_EXTRA_PACKAGES="clang libclang-rt-14-dev" bash scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" -LE slow  # the slow label: `ctest -L slow`

# GCC, without -Werror: GCC's manual advises against combining it with the sanitizers, which
# make it warn falsely (here in its own AVX-512 intrinsics). -O1 -g1 (line numbers in reports)
# compiles in half the time of -O2 -g.
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
      -DRELUTOPE_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j"$(nproc)"
ctest --test-dir build-sanitize --output-on-failure -j"$(nproc)"

cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELUTOPE_FUZZ=ON \
      -DRELUTOPE_TESTS=OFF -DRELUTOPE_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target relutope_fuzzers
bash tests/fuzz/run.sh build-fuzz 5
