#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on the built-in default: train the
# lazzari-random-rgb preset briefly, enumerate its regions exactly (against 64x64 sampling), and
# draw them. Results in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out/demo
build/relutope train --preset lazzari-random-rgb --steps 2000 --seed 0 \
  --out out/demo/network.json --snapshots out/demo/snapshots --every 500
build/relutope info out/demo/network.json
build/relutope regions out/demo/network.json --sample 64 \
  --json out/demo/regions.json --polygons out/demo/regions.geojson
build/relutope figure regions out/demo/network.json --first-layer -o out/demo/regions.pdf
build/relutope figure regions out/demo/network.json --grid 64 -o out/demo/regions-grid.svg
