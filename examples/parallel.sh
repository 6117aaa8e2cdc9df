#!/usr/bin/env bash
# One Jacobian in column tiles on GNU parallel workers (Debian: apt-get install parallel), all
# writing into one shared .npy file; the first worker to start creates it with its full size.
#
#   examples/parallel.sh [OUT.npy]        # default J.npy: the 25600×25600 Jacobian of A*X*B, n = 160
#
# Environment: WORKERS (default 4), N (default 160), MATJAC (the command, default `npx matjac`).
# On several machines add `-S host1,host2 --workdir ...` with OUT on a filesystem they share.
set -euo pipefail
OUT=${1:-J.npy}
WORKERS=${WORKERS:-4}
n=${N:-160}
read -r -a MATJAC <<< "${MATJAC:-npx matjac}"
rm -f "$OUT"
parallel --will-cite --halt now,fail=1 -q -j "$WORKERS" \
  "${MATJAC[@]}" jacobian 'A*X*B' --wrt X --at "X=rand($n,$n), A=rand($n,$n), B=rand($n,$n)" \
  --backend cpu --out "$OUT" --tiles "$WORKERS" --tile {} --no-progress \
  ::: $(seq 0 $((WORKERS - 1)))
echo "wrote $OUT"
