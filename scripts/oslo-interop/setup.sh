#!/usr/bin/env bash
# Builds a Python virtualenv holding the original oslo.messaging ZeroMQ driver (tag rocky-eol,
# commit 171132ff, the last tree with impl_zmq.py) so that test/interop/ can run it against
# this driver. Documented in CONTRIBUTING.md ("Interop with the original Python driver").
#
# Usage: scripts/oslo-interop/setup.sh [VENV]      (VENV defaults to $OSLO_VENV, then
#        ~/.cache/oslo-zmq-interop/venv)
#
# The oslo packages come from git checkouts of their release tags. OSLO_SOURCES names a
# directory holding one git directory per project (bare or not), named either <name>,
# <name>.git, <owner>+<name>/repo or <owner>/<name>: openstack/{oslo.messaging, oslo.config,
# oslo.utils, oslo.serialization, oslo.i18n, oslo.context, futurist, debtcollector, pbr},
# netaddr/netaddr and micktwomey/pyiso8601. Default: ~/.cache/oslo-zmq-interop/sources,
# where a project that is missing is cloned (bare) from $OSLO_GIT_BASE/<owner>/<name>
# (default https://github.com); OSLO_NO_FETCH=1 turns cloning off (offline machines: point
# OSLO_SOURCES at local copies instead). pyzmq, redis and the small pure-Python
# dependencies come from the package index pip is configured with.
set -euo pipefail

VENV="${1:-${OSLO_VENV:-$HOME/.cache/oslo-zmq-interop/venv}}"
SOURCES="${OSLO_SOURCES:-$HOME/.cache/oslo-zmq-interop/sources}"
GIT_BASE="${OSLO_GIT_BASE:-https://github.com}"
PYTHON="${PYTHON:-python3}"
BUILD="$(dirname "$VENV")/build"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# owner/name  tag-or-commit  version-given-to-pbr
PACKAGES=(
  "openstack/pbr 5.11.1 5.11.1"
  "openstack/debtcollector 1.20.0 1.20.0"
  "openstack/oslo.i18n 3.21.0 3.21.0"
  "netaddr/netaddr netaddr-0.7.19 0.7.19"
  "micktwomey/pyiso8601 0.1.12 0.1.12"
  "openstack/oslo.utils 3.36.5 3.36.5"
  "openstack/oslo.config 6.4.2 6.4.2"
  "openstack/oslo.serialization 2.27.0 2.27.0"
  "openstack/oslo.context 2.21.0 2.21.0"
  "openstack/futurist 1.7.0 1.7.0"
  "openstack/oslo.messaging 171132ff 8.1.4"
)
# From the package index: the two native/network ones and the small pure-Python deps.
PIP_DEPS=(pyzmq redis six pytz msgpack cachetools stevedore tenacity pyparsing wrapt babel
  rfc3986 pyyaml)

find_gitdir() {
  local owner="${1%%/*}" name="${1##*/}" c
  for c in "$SOURCES/$name" "$SOURCES/$name.git" "$SOURCES/$owner+$name/repo" \
    "$SOURCES/$owner/$name"; do
    if git -C "$c" rev-parse --git-dir >/dev/null 2>&1; then
      echo "$c"
      return 0
    fi
  done
  if [ "${OSLO_NO_FETCH:-0}" != 1 ]; then
    mkdir -p "$SOURCES"
    echo "setup.sh: cloning $GIT_BASE/$1 into $SOURCES/$name.git" >&2
    if git clone -q --bare "$GIT_BASE/$1" "$SOURCES/$name.git" >&2; then
      echo "$SOURCES/$name.git"
      return 0
    fi
  fi
  echo "setup.sh: no git directory for $1 under $SOURCES (set OSLO_SOURCES, or allow cloning)" >&2
  return 1
}

mkdir -p "$BUILD"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -q)
"${PIP[@]}" "${PIP_DEPS[@]}" setuptools wheel

for entry in "${PACKAGES[@]}"; do
  read -r repo ref version <<<"$entry"
  gitdir="$(find_gitdir "$repo")"
  dest="$BUILD/${repo##*/}"
  rm -rf "$dest"
  mkdir -p "$dest"
  git -C "$gitdir" archive --format=tar "$ref" | tar -x -C "$dest"
  case "$repo" in
    openstack/oslo.config)
      sed -i 's/collections\.Mapping/collections.abc.Mapping/g' \
        "$dest/oslo_config/cfg.py" "$dest/oslo_config/cfgfilter.py" ;;
    openstack/oslo.context)
      sed -i 's/collections\.Mapping/collections.abc.Mapping/g;
              s/collections\.MutableMapping/collections.abc.MutableMapping/g' \
        "$dest/oslo_context/context.py" ;;
    openstack/oslo.messaging)
      patch -d "$dest" -p1 --quiet <"$HERE/oslo-messaging.patch" ;;
  esac
  echo "installing ${repo##*/} $version"
  PBR_VERSION="$version" "${PIP[@]}" --no-deps --no-build-isolation "$dest"
done

# The two modules oslo.messaging imports that are not worth installing (patches 2 and 3):
# oslo_service only for the ServiceBase base class, monotonic only for time.monotonic.
site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
mkdir -p "$site/oslo_service"
cat >"$site/oslo_service/__init__.py" <<'PY'
PY
cat >"$site/oslo_service/service.py" <<'PY'
"""Stub of oslo.service: oslo.messaging's server.py only subclasses ServiceBase."""


class ServiceBase(object):
    def start(self):
        pass

    def stop(self):
        pass

    def wait(self):
        pass

    def reset(self):
        pass
PY
cat >"$site/monotonic.py" <<'PY'
"""Shim for the monotonic package (Python 2 backport) over time.monotonic."""
from time import monotonic  # noqa: F401
PY

"$VENV/bin/python" - <<'PY'
import oslo_messaging
from oslo_messaging._drivers import impl_zmq  # noqa: F401
from oslo_messaging._drivers.zmq_driver.matchmaker import zmq_matchmaker_redis  # noqa: F401
print("oslo.messaging with the zmq driver imports from", oslo_messaging.__file__)
PY
echo "OSLO_VENV=$VENV"
