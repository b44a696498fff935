# Shared by the scripts in this folder: source it, don't run it.
# Installs what is missing from Debian 12's packages, and builds.

set -euo pipefail

TURNOUT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TURNOUT_ROOT

# Everything the build and the tests need, by Debian 12 package name.
TURNOUT_BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost-dev libboost-program-options-dev libboost-filesystem-dev libboost-system-dev
  libsqlite3-dev sqlite3 libical-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libtomlplusplus-dev libsodium-dev libphonenumber-dev libhowardhinnant-date-dev
  libkainjow-mustache-dev libcsv-dev libcurl4-openssl-dev libssl-dev tzdata
)
TURNOUT_TEST_PACKAGES=(catch2 curl python3 kannel kannel-extras)
TURNOUT_BENCH_PACKAGES=(libbenchmark-dev wrk python3)

log() { printf '==> %s\n' "$*" >&2; }

# ensure_packages PKG...: installs those not installed yet (as root, or
# through sudo), running apt-get update once first.
ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build DIR [cmake options...]: configures (once) and builds into DIR.
build() {
  local dir="$1"
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$TURNOUT_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  else
    cmake "$dir" "$@" >/dev/null
  fi
  cmake --build "$dir" -- -j "$(nproc)"
}
