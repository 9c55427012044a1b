#!/usr/bin/env bash
# The main job: reproduce the paper's Table 8 (the ablation) on the embedded synthetic misaligned benchmark.
# On a fresh machine with Python 3.11 it first creates .venv and installs jdrl (several minutes the first
# time), then
#   1. nbs/pipelines/table8_ablation.ipynb through papermill: a shared starting model (plain L1 on aligned
#      pairs of another synthetic camera), then all nine rows and the references (the oracle: plain L1 on the
#      same pairs with their hidden aligned targets; register + L1; Eq. 2 with the paper's deformation), each
#      fine-tuning it, and the blurry input, trained and scored under the warped-target and true-target protocols ->
#      results/table8_ablation.{csv,png}, table8_verdict.md, table8_fidelity.csv, the configuration of every run,
#      and the executed notebook; the checkpoints stay in runs/table8_<profile>/;
#   2. results/training_demo.png from the Eq. 2 run of that table (blurry input, output, hidden aligned
#      target, true-target PSNR gain).
# The notebook prints a time estimate before its long part. `cpu` (default, 20 runs) took 71 minutes on 2 cores
# here while other jobs shared the machine; `quick` (bash results/reproduce.sh quick) is a first look.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-cpu}
case "$profile" in cpu|quick|smoke) ;; *) echo "usage: bash results/reproduce.sh [cpu|quick|smoke]" >&2; exit 2;; esac
bash tests/setup_env.sh
# one torch thread per process, and the table's runs in two worker processes side by side (JDRL_WORKERS): one per core
# (two 2-thread processes on 2 cores ran 10x slower than one 1-thread process; two 1-thread ones do not)
export MPLBACKEND=Agg PATH="$PWD/.venv/bin:$PATH" OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
workers=${JDRL_WORKERS:-2}
t0=$(date +%s)
runs="runs/table8_$profile"
# runs_dir relative to the notebook's folder (papermill --cwd), so that no path of this machine enters the record
papermill nbs/pipelines/table8_ablation.ipynb results/table8_ablation.ipynb -k python3 --cwd nbs/pipelines \
  -p profile "$profile" -p out_dir results -p threads 1 -p workers "$workers" -p runs_dir "../../$runs"
if [ "$profile" = cpu ]; then
  jdrl train-demo --out results --from-run "$runs/eq2_seed0"
fi
echo "main job ($profile) took $(( ($(date +%s) - t0) / 60 )) min"
echo "Table 8 ($profile): results/table8_ablation.csv, results/table8_ablation.png, results/table8_verdict.md"
