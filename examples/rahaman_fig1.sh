#!/usr/bin/env bash
# Rahaman et al. (2019) Fig. 1, computed exactly: the spectrum of a ReLU network over training
# (equal and increasing amplitudes) with the layers' spectral norms.
#   examples/rahaman_fig1.sh [RELUTOPE] [OUTDIR]      QUICK=1: 300 steps instead of 60,000
set -euo pipefail
relutope=${1:-build/relutope}
out=${2:-out/rahaman-fig1}
steps=$([ "${QUICK:-0}" = 1 ] && echo 300 || echo 60000)
every=$([ "${QUICK:-0}" = 1 ] && echo 100 || echo 1000)
mkdir -p "$out"
for preset in rahaman-sines rahaman-sines-increasing; do
  rm -rf "$out/$preset"
  "$relutope" train --preset "$preset" --steps "$steps" --snapshots "$out/$preset" --every "$every" \
    --out "$out/$preset.json" --quiet
  "$relutope" figure spectrum-training "$out/$preset" -o "$out/$preset.pdf" --quiet
done
