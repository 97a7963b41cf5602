#!/usr/bin/env bash
# Lazzari & Liu Fig. 2 (a, c) and Fig. 3, exactly: the activation regions of a coordinate MLP
# trained on a 64x64 random RGB image, with the first layer's lines and the 64x64 sample grid,
# and how many regions the grid finds.
#   examples/lazzari_fig2.sh [RELUTOPE] [OUTDIR]      QUICK=1: 500 steps instead of 16,000
set -euo pipefail
relutope=${1:-build/relutope}
out=${2:-out/lazzari-fig2}
steps=$([ "${QUICK:-0}" = 1 ] && echo 500 || echo 16000)
mkdir -p "$out"
"$relutope" train --preset lazzari-random-rgb --steps "$steps" --out "$out/network.json" --quiet
"$relutope" regions "$out/network.json" --sample 64 --json "$out/regions.json" --quiet
"$relutope" figure regions "$out/network.json" -o "$out/regions.pdf"
"$relutope" figure regions "$out/network.json" --first-layer -o "$out/first-layer.pdf"
"$relutope" figure regions "$out/network.json" --grid 64 -o "$out/sample-grid.pdf"
