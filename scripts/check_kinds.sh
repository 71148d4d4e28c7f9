#!/usr/bin/env bash
# The plugin kinds live in one table (core/kinds.c): no other source file may
# branch on a vmon_kind (switch, case VMON_KIND_*) or loop over kinds by number
# (`k <= 5`, `kind < VMON_KIND_SINK`). Usage: check_kinds.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
pattern='case[[:space:]]+VMON_KIND_|switch[[:space:]]*\([^)]*kind|\b[a-z_]*kind[a-z_]*[[:space:]]*<=?[[:space:]]*([0-9]+|VMON_KIND_)|\bk[[:space:]]*<=?[[:space:]]*([56]|VMON_KIND_)\b'
dirs=()
for d in core plugins bench; do [ -d "$d" ] && dirs+=("$d"); done
hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' --include='*.cpp' "${dirs[@]}" \
  | grep -v '^core/kinds\.c:' || true)
if [ -n "$hits" ]; then
  echo "$hits"
  echo "check_kinds: branch on a plugin kind outside core/kinds.c; add a field to the kind table instead"
  exit 1
fi
echo "check_kinds: clean"
