#!/usr/bin/env bash
# Install the headless browser the Mini App's browser tests drive: Debian's `chromium` and
# `chromium-driver` (the WebDriver selenium talks to), with fonts for text and emoji so the
# screenshots read as on a phone. Idempotent: when both are present it returns at once. Exits non-zero with a reason on stderr when they cannot be had; `make`
# carries on and the browser tests then skip loudly.
set -euo pipefail

fail() {
    echo "chromium.sh: $*" >&2
    exit 1
}

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    echo "chromium.sh: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) is installed"
    exit 0
fi
[[ "$(id -u)" == 0 ]] || fail "chromium is not installed and only root can install it"
command -v apt-get >/dev/null || fail "chromium is not installed and apt-get is unavailable"
echo "chromium.sh: installing chromium and chromium-driver from the distribution's packages"
# Bounded, so a machine without a package mirror fails in minutes rather than hanging.
apt_options=(-o Acquire::Retries=1 -o Acquire::http::Timeout=20 -o DPkg::Lock::Timeout=120)
timeout 300 apt-get "${apt_options[@]}" update -qq || fail "apt-get update failed"
DEBIAN_FRONTEND=noninteractive timeout 900 apt-get "${apt_options[@]}" install -y -qq \
    --no-install-recommends chromium chromium-driver fonts-dejavu-core fonts-noto-color-emoji >/dev/null \
    || fail "apt-get install chromium chromium-driver failed"
[[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] || fail "no /usr/bin/chromium after installing"
echo "chromium.sh: $(/usr/bin/chromium --version 2>/dev/null) installed"
