#!/usr/bin/env bash
# Streaming a Jacobian larger than memory into a .npy file, measured (issue: results that leave
# the process). The 25600×25600 Jacobian of A*X*B (n = 160, 5.24 GB in float64) goes to disk
# from the CLI in column tiles, once in one process and once as four GNU parallel workers
# sharing the file; /usr/bin/time -v gives wall time and peak RSS, NumPy (Debian's
# python3-numpy) opens the file memory-mapped and compares entries and whole columns with the
# closed form B⊗Aᵀ, cmp checks the two files are identical. The files are deleted at the end.
#
#   npm run build && bash bench/npy-stream.sh [DIR] [N] [MAX_BYTES]    # defaults: a temp dir, 160, 256M
#
# Prints one JSON line per run (and appends them to $RESULTS when set). Needs free disk for two
# files of 8·n⁴ bytes.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-$(mktemp -d)}
n=${2:-160}
MAXB=${3:-256M}
CLI=("$(command -v node)" "$ROOT/dist/src/cli/main.js")
AT="X=rand($n,$n), A=rand($n,$n), B=rand($n,$n)"
cd "$DIR"
trap 'rm -f "$DIR/J1.npy" "$DIR/J4.npy" "$DIR/A.npy" "$DIR/B.npy"' EXIT

field() { sed -n "s/^\s*$1: //p" "$2"; }
emit() {
  local line="{\"bench\":\"npy-stream\",\"date\":\"$(date -u +%FT%TZ)\",\"n\":$n,\"bytes\":$(stat -c %s "$2"),\"maxBytes\":\"$MAXB\",\"run\":\"$1\",\"wall\":\"$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$3")\",\"maxRssKiB\":$(field 'Maximum resident set size (kbytes)' "$3"),\"userS\":$(field 'User time (seconds)' "$3"),\"sysS\":$(field 'System time (seconds)' "$3"),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"$4}"
  echo "$line"
  if [ -n "${RESULTS:-}" ]; then echo "$line" >> "$RESULTS"; fi
}

/usr/bin/time -v -o one.time "${CLI[@]}" jacobian 'A*X*B' --wrt X --at "$AT" --backend cpu --out J1.npy --max-bytes "$MAXB" --no-progress >/dev/null
"${CLI[@]}" eval A --at "$AT" --out A.npy >/dev/null
"${CLI[@]}" eval B --at "$AT" --out B.npy >/dev/null
check=$(/usr/bin/python3 - J1.npy A.npy B.npy <<'PY'
import sys, numpy as np
J = np.load(sys.argv[1], mmap_mode='r'); A = np.load(sys.argv[2]); B = np.load(sys.argv[3])
n = A.shape[0]
assert isinstance(J, np.memmap) and J.flags.f_contiguous and J.shape == (n * n, n * n)
rng = np.random.default_rng(0)
r = rng.integers(0, n * n, 100000); c = rng.integers(0, n * n, 100000)
d = float(np.abs(J[r, c] - B[r // n, c // n] * A[c % n, r % n]).max())   # (B⊗Aᵀ)[i1·n+i2, j1·n+j2] = B[i1,j1]·A[j2,i2]
for col in list(rng.integers(0, n * n, 20)) + [0, n * n - 1]:
    j1, j2 = divmod(int(col), n)
    d = max(d, float(np.abs(J[:, col] - np.kron(B[:, j1], A.T[:, j2])).max()))
print(d)
PY
)
emit one J1.npy one.time ",\"numpyMaxAbsDiff\":$check"

/usr/bin/time -v -o four.time parallel --will-cite --halt now,fail=1 -q -j 4 "${CLI[@]}" jacobian 'A*X*B' --wrt X --at "$AT" --backend cpu --out J4.npy --tiles 4 --tile {} --max-bytes "$MAXB" --no-progress ::: 0 1 2 3 >/dev/null
same=false
cmp -s J1.npy J4.npy && same=true
emit four-parallel-workers J4.npy four.time ",\"identicalToOne\":$same"
