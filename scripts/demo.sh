#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on the built-in default: train the
# lazzari-random-rgb preset briefly, enumerate its regions exactly (against 64x64 sampling),
# compute its exact spectrum against the FFT, and draw the figures. Results in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out/demo
build/relutope train --preset lazzari-random-rgb --steps 2000 --seed 0 \
  --out out/demo/network.json --snapshots out/demo/snapshots --every 500
build/relutope info out/demo/network.json
build/relutope regions out/demo/network.json --sample 64 \
  --json out/demo/regions.json --polygons out/demo/regions.geojson
build/relutope spectrum out/demo/network.json --grid 3 --fft 256 --json out/demo/spectrum.json
build/relutope figure regions out/demo/network.json --first-layer -o out/demo/regions.pdf
build/relutope figure regions out/demo/network.json --grid 64 -o out/demo/regions-grid.svg
build/relutope figure fft-error out/demo/network.json --freq 1,1 --max-n 1024 -o out/demo/fft-error.pdf
build/relutope figure decay out/demo/network.json --t-max 32 -o out/demo/decay.pdf
