#!/usr/bin/env bash
# Replay every fuzzer's corpus, then fuzz each one briefly with a fixed seed.
# Usage: fuzz.sh BUILD_DIR     (a tree configured with -DVMON_FUZZ=ON, clang)
# Env:   FUZZ_RUNS (mutations per fuzzer, default 100000), FUZZ_MAX_LEN
#        (default 4096), FUZZ_TIMEOUT (seconds per input, default 10).
#
# For each BUILD_DIR/fuzz/<name>: every file in fuzz/corpus/<name>/ must run
# clean, one by one; then -seed=1 -runs=FUZZ_RUNS mutates a scratch copy of
# that corpus in BUILD_DIR/fuzz-out/<name>/ (never the repository's). A
# crash, leak, timeout or out-of-memory fails the script and names the
# input that reproduces it; the scratch folder is kept for it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: fuzz.sh BUILD_DIR}" && pwd)
runs=${FUZZ_RUNS:-100000}
max_len=${FUZZ_MAX_LEN:-4096}
timeout=${FUZZ_TIMEOUT:-10}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if ! grep -q '^VMON_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "fuzz: $build is not a fuzz tree; configure it with CC=clang CXX=clang++ -DVMON_FUZZ=ON" >&2
    exit 1
fi
mapfile -t fuzzers < <(find "$build/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
if [ ${#fuzzers[@]} -eq 0 ]; then
    echo "fuzz: no fuzzers in $build/fuzz (configure with CC=clang -DVMON_FUZZ=ON)" >&2
    exit 1
fi

# replay NAME BINARY: every corpus file alone, so a failure names its file.
replay() {
    local name=$1 bin=$2 corpus=$here/fuzz/corpus/$1 log=$build/fuzz-out/$1.replay.log
    local files=()
    mapfile -t files < <(find "$corpus" -type f 2>/dev/null | sort)
    if [ ${#files[@]} -eq 0 ]; then
        echo "fuzz $name: no corpus in $corpus; add seed inputs there" >&2
        return 1
    fi
    for f in "${files[@]}"; do
        if ! "$bin" -timeout="$timeout" -rss_limit_mb=2048 "$f" >"$log" 2>&1; then
            tail -40 "$log" >&2
            echo "fuzz $name: corpus file fails: $f" >&2
            echo "  reproduce: $bin $f" >&2
            return 1
        fi
    done
    echo "fuzz $name: corpus replayed (${#files[@]} inputs)"
}

# explore NAME BINARY: a deterministic short run on a scratch copy.
explore() {
    local name=$1 bin=$2 out=$build/fuzz-out/$1
    rm -rf "$out"
    mkdir -p "$out/corpus" "$out/artifacts"
    cp -r "$here/fuzz/corpus/$name/." "$out/corpus/"
    local dict=()
    [ -f "$here/fuzz/$name.dict" ] && dict=(-dict="$here/fuzz/$name.dict")
    local start=$SECONDS
    if ! "$bin" -seed=1 -runs="$runs" -max_len="$max_len" -timeout="$timeout" -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/" "${dict[@]}" "$out/corpus" \
        >"$out/fuzz.log" 2>&1; then
        tail -40 "$out/fuzz.log" >&2
        local found
        found=$(find "$out/artifacts" -type f | head -1)
        echo "fuzz $name: FAILED after $((SECONDS - start)) s" >&2
        echo "  reproducer: ${found:-none written, see $out/fuzz.log}" >&2
        [ -n "$found" ] && echo "  reproduce: $bin $found" >&2
        return 1
    fi
    echo "fuzz $name: $runs runs clean in $((SECONDS - start)) s," \
        "$(find "$out/corpus" -type f | wc -l) corpus inputs"
    rm -rf "$out"
}

mkdir -p "$build/fuzz-out"
status=0
for bin in "${fuzzers[@]}"; do
    name=$(basename "$bin")
    replay "$name" "$bin" && explore "$name" "$bin" || status=1
done
[ $status -eq 0 ] && echo "fuzz: all clean"
exit $status
