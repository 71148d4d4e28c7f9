#!/usr/bin/env bash
# Set up a fresh Debian 12 machine, build, and run vmon's main job:
# the daemon on conf.d/autotune.ini, the auto-tuning story on the embedded engine, which
# ends by itself (or the arguments given, passed to vmond).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh" "$here/build"
[ $# -gt 0 ] || set -- -c "$here/conf.d/autotune.ini"
exec "$here/build/vmond" "$@"
