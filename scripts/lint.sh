#!/usr/bin/env bash
# clang-format (check only) and clang-tidy over the project's C/C++ sources.
# Usage: lint.sh BUILD_DIR   (a configured tree: clang-tidy reads its compile_commands.json)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
cd "$here"
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp')
status=0
echo "== clang-format"
clang-format --dry-run -Werror "${files[@]}" || status=1
echo "== clang-tidy"
# Tests and fuzz targets are left out: fuzz/ builds only in a clang fuzz tree.
mapfile -t units < <(printf '%s\n' "${files[@]}" | grep -E '\.(c|cpp)$' | grep -v -e '^tests/' -e '^fuzz/')
out=$(clang-tidy -p "$build" --quiet "${units[@]}" 2>/dev/null | grep -E '(warning|error):' || true)
if [ -n "$out" ]; then echo "$out"; status=1; fi
echo "== plugin kinds only in core/kinds.c"
"$here/scripts/check_kinds.sh" "$here" || status=1
[ $status -eq 0 ] && echo "lint: clean"
exit $status
