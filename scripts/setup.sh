#!/usr/bin/env bash
# Installs whatever relutope needs that is missing (Debian 12 packages), then configures and
# builds it in build/. Idempotent: a second run installs nothing and rebuilds only what changed.
# SETUP_EXTRA_PACKAGES names more packages to install (scripts/test.sh: clang for the fuzzers).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make ccache pkg-config
          libcgal-dev libgmp-dev libmpfr-dev libflint-arb-dev libboost-dev libeigen3-dev
          catch2 libzip-dev libfftw3-dev libcairo2-dev nlohmann-json3-dev libcli11-dev libtbb-dev
          python3-matplotlib python3-pytest
          ${SETUP_EXTRA_PACKAGES:-})
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRELUTOPE_WERROR=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
