#!/usr/bin/env bash
# Installs every Debian 12 package vmon needs to build, test and benchmark.
# Safe to run again: apt-get skips what is already there.
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config git
  libinih-dev libjson-c-dev libcurl4-openssl-dev libsqlite3-dev
  libmicrohttpd-dev libcmocka-dev libxxhash-dev libssl-dev
  libfaiss-dev libopenblas-dev
)
# groff-base and man-db lint the manual pages (man.* tests); systemd for systemd-analyze (the unit's tests; nothing is started: these machines do not
# boot systemd), python3 for the fake $NOTIFY_SOCKET and the W^X check.
test_pkgs=(
  valgrind rsyslog prometheus-alertmanager prometheus curl jq systemd python3 groff-base man-db
)
# The clang tree and libFuzzer (-fsanitize=fuzzer needs clang's runtime
# archives, which Debian ships apart from clang), llvm-symbolizer for
# readable sanitizer stacks, and the lint script's two tools. clang-tidy parses
# the FAISS target, whose headers include omp.h: clang's own comes with LLVM's
# libomp headers (the build itself uses GCC's libgomp).
clang_pkgs=(
  clang libclang-rt-14-dev llvm-14 clang-format clang-tidy libomp-14-dev
)
bench_pkgs=(
  collectd-core
)

missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}" "${clang_pkgs[@]}" "${bench_pkgs[@]}" "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "vmon: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
# No recommends: rsyslog and alertmanager must not pull in or start services;
# the tests start them in the foreground on loopback.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
