#!/usr/bin/env bash
# The main job: reproduce the paper's Table 8 (the ablation) on the embedded synthetic misaligned benchmark.
# On a fresh machine with Python 3.11 it first creates .venv and installs jdrl (several minutes the first
# time), then
#   1. a short CPU training of a small UNet with Eq. 2, and results/training_demo.png (blurry input,
#      output, hidden aligned target, true-target PSNR gain);
#   2. nbs/pipelines/table8_ablation.ipynb through papermill: all nine rows trained and scored under the
#      warped-target and true-target protocols -> results/table8_ablation.{csv,png}, table8_verdict.md,
#      the configuration of every run, and the executed notebook.
# The notebook prints a time estimate before its long part. `cpu` (default) takes about 25 minutes on
# 2 cores here; `quick` (bash results/reproduce.sh quick) about 5-10 minutes, for a first look.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-cpu}
case "$profile" in cpu|quick|smoke) ;; *) echo "usage: bash results/reproduce.sh [cpu|quick|smoke]" >&2; exit 2;; esac
bash tests/setup_env.sh
# one torch thread: measured faster than two at these sizes, and it leaves the other core free
export MPLBACKEND=Agg PATH="$PWD/.venv/bin:$PATH" OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
t0=$(date +%s)
if [ "$profile" = cpu ]; then
  jdrl train-demo --out results --run runs/train_demo progress=false threads=1 overwrite=true resume=false
fi
papermill nbs/pipelines/table8_ablation.ipynb results/table8_ablation.ipynb -k python3 --cwd nbs/pipelines \
  -p profile "$profile" -p out_dir results -p threads 1
echo "main job ($profile) took $(( ($(date +%s) - t0) / 60 )) min"
echo "Table 8 ($profile): results/table8_ablation.csv, results/table8_ablation.png, results/table8_verdict.md"
