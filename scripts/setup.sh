#!/usr/bin/env bash
# Installs whatever relutope needs that is missing (Debian 12 packages), then configures and
# builds it in build/. Idempotent: a second run installs nothing and rebuilds only what changed.
# SETUP_EXTRA_PACKAGES names more packages to install (scripts/test.sh: clang for the fuzzers).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make ccache pkg-config
          libcgal-dev libgmp-dev libmpfr-dev libflint-arb-dev libboost-dev libeigen3-dev
          catch2 libzip-dev libfftw3-dev libcairo2-dev nlohmann-json3-dev libcli11-dev libtbb-dev
          pybind11-dev python3-dev python3-numpy python3-matplotlib python3-tqdm python3-torch python3-pytest
          ${SETUP_EXTRA_PACKAGES:-})
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRELUTOPE_WERROR=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"

# Debian's /usr/bin/python3 finds the package built in build/python through a .pth file in its
# site directory (rewritten only when it points elsewhere, e.g. after a move of the clone).
site=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
if [ "$(cat "$site/relutope.pth" 2>/dev/null)" != "$PWD/build/python" ]; then
  $sudo mkdir -p "$site"
  echo "$PWD/build/python" | $sudo tee "$site/relutope.pth" >/dev/null
fi
