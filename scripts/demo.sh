#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on the built-in default:
# train the lazzari-random-rgb preset briefly and summarise the network. Results in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out/demo
build/relutope train --preset lazzari-random-rgb --steps 2000 --seed 0 \
  --out out/demo/network.json --snapshots out/demo/snapshots --every 500
build/relutope info out/demo/network.json
