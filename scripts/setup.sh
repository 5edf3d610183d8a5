#!/usr/bin/env bash
# Create or reuse the local virtual environment and install the pinned requirements.
# Usage: scripts/setup.sh run|serve|test   ("serve" also installs Debian's haproxy; "test" haproxy and
# chromium for the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-run}
python=${PYTHON:-python3}
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo_cmd="sudo"

apt_install() {
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    echo "python3 -m venv failed; installing Debian's python3-venv" >&2
    rm -rf .venv
    apt_install python3-venv
    "$python" -m venv .venv
  fi
fi

requirements=requirements.txt
[ "$purpose" = test ] && requirements=requirements-test.txt
stamp=".venv/.installed-$purpose-$(cat requirements.txt requirements-test.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing $requirements into .venv ..." >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  touch "$stamp"
fi

if [ "$purpose" = test ] && [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests ..." >&2
  apt_install chromium
fi

if { [ "$purpose" = test ] || [ "$purpose" = serve ]; } && ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then
  echo "Installing Debian's haproxy (the load balancer of scripts/serve.sh) ..." >&2
  apt_install haproxy
fi
