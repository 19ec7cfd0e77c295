#!/usr/bin/env bash
# Chromium is what kaleido renders static charts with and what the browser test drives.
# Install Debian's package where it is missing and we are allowed to; never download a browser.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium (used for chart images and the browser test)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null \
    && exit 0
  echo "Could not install chromium with apt-get." >&2
fi
cat >&2 <<'MSG'
Chromium is not installed. Chart images (PNG/SVG, the panel pack) and the browser test need it:
    sudo apt-get install chromium
The dashboard itself runs without it: tables and the chart toolbar's own download still work.
MSG
exit 0
