#!/usr/bin/env bash
# Instructions per query, the embedded engine against FAISS called directly,
# counted by callgrind (exact and repeatable where times on a shared machine
# are not). Only the two measured loops are counted: vmon-bench's
# bench_engine_pass (the ABI call, the engine, FAISS) and bench_faiss_pass
# (FAISS alone), on the same saved index and queries.
#
# Usage: bench/engine_instructions.sh BUILD_DIR DATA_DIR [vmon-bench engine options]
#   DATA_DIR keeps the indexes (the first run builds them natively, the
#   callgrind runs load them) and the callgrind files (DATA_DIR/callgrind).
#   Prints one line per (index, nprobe / ef).
set -euo pipefail
build=${1:?usage: engine_instructions.sh BUILD_DIR DATA_DIR [options]}
data=${2:?usage: engine_instructions.sh BUILD_DIR DATA_DIR [options]}
shift 2
extra=("$@")
bench=$build/vmon-bench
queries=${VMON_BENCH_QUERIES:-200}
command -v valgrind >/dev/null || { echo "engine_instructions.sh: valgrind is not installed" >&2; exit 1; }
# The callgrind files stay beside the indexes, for callgrind_annotate.
out=$data/callgrind
mkdir -p "$out"
count() { # part value
    local part=$1 value=$2 skip=--no-hnsw
    if [ "$part" = hnsw ]; then skip=--no-ivf; fi
    # Natively first, so callgrind only loads (building under valgrind takes hours).
    [ -e "$data/$part/default/seg_1.index.vmon" ] ||
        "$bench" engine --data-dir "$data" --overhead-only --rounds 1 --queries 10 $skip "${extra[@]}" >/dev/null
    # One thread: callgrind serialises threads, and idle OpenMP workers
    # spinning would be counted. Passive waiting for the same reason.
    OMP_WAIT_POLICY=passive valgrind --tool=callgrind --callgrind-out-file="$out/$part.$value" \
        --collect-atstart=no --toggle-collect=bench_engine_pass --toggle-collect=bench_faiss_pass \
        "$bench" engine --data-dir "$data" --overhead-only --rounds 1 --threads 1 \
        --queries "$queries" --at "$value" $skip "${extra[@]}" >"$out/$part.$value.log" 2>&1 || {
        echo "engine_instructions.sh: the callgrind run failed:" >&2
        tail -5 "$out/$part.$value.log" >&2
        return 1
    }
    # Inclusive counts. Each side ran 4 passes over the queries: warm-up and
    # one round, through the loader and linked in.
    callgrind_annotate --inclusive=yes "$out/$part.$value" 2>/dev/null |
        awk -v part="$part" -v value="$value" -v n="$((4 * queries))" '
            # The function summary lines ("1,234 (5.0%)  file:function [object]").
            $2 ~ /%\)$/ && /:bench_engine_pass / && !e { gsub(",", "", $1); e = $1 }
            $2 ~ /%\)$/ && /:bench_faiss_pass / && !f  { gsub(",", "", $1); f = $1 }
            END {
                if (!e || !f) { print part " " value ": no counts (see the log)"; exit 1 }
                printf "%-5s %-7s %4d: engine %11.0f instr/query, FAISS %11.0f, overhead %+.2f%%\n",
                       part, part == "ivf" ? "nprobe" : "ef", value, e / n, f / n, (e - f) / f * 100
            }'
}
for v in ${VMON_BENCH_NPROBES:-16 64}; do count ivf "$v"; done
for v in ${VMON_BENCH_EFS:-64 128}; do count hnsw "$v"; done
