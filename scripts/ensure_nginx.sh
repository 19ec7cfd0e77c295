#!/usr/bin/env bash
# nginx is the reverse proxy `make serve WORKERS=N` puts in front of several app processes, and
# what tests/test_serve.py starts. Install Debian's package where it is missing and we are allowed to.
set -u
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's nginx (the reverse proxy of make serve)..."
  # policy-rc.d may refuse to start the system service; nothing here needs it (serve.py runs its own).
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null \
    && exit 0
  echo "Could not install nginx with apt-get." >&2
fi
cat >&2 <<'MSG'
nginx is not installed. make serve (several app processes behind a proxy) and its test need it:
    sudo apt-get install nginx
make run serves one process without it.
MSG
exit 0
