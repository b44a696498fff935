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
  libkainjow-mustache-dev libcsv-dev libcurl4-openssl-dev libssl-dev tzdata libqrencode-dev
)
# (and node with npm: Debian's nodejs + npm when no node is installed yet;
# scripts/test checks, so a node from elsewhere is kept)
TURNOUT_TEST_PACKAGES=(catch2 curl python3 python3-aiosmtpd python3-icalendar kannel kannel-extras)
# The web UI's tests drive Debian's Chromium with npm's playwright-core
# (tests/browser; `npm ci` installs it, never a downloaded browser).
TURNOUT_BROWSER_TEST_PACKAGES=(chromium fonts-dejavu-core nodejs)
TURNOUT_BENCH_PACKAGES=(libbenchmark-dev wrk python3 python3-aiosmtpd nginx)

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

# ensure_npm_modules DIR: the npm modules DIR's package-lock.json pins
# (npm ci), when DIR/node_modules is missing: playwright-core and axe-core
# for tests/browser, Mozilla's ical.js for tests/ical. Debian's nodejs and
# npm come only when no npm is installed (a node from elsewhere is kept).
ensure_npm_modules() {
  local dir="$TURNOUT_ROOT/$1"
  [ -d "$dir/node_modules" ] && return 0
  command -v npm >/dev/null || ensure_packages nodejs npm
  log "npm ci in $1"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}
