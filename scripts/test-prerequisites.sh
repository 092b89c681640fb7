#!/bin/sh
# npm test's pretest step: make sure the programs the integration tests (test/integ/) start are here, so that
# `npm ci && npm test` passes on a fresh Debian or Ubuntu machine with nothing but Node installed.
#
# - everything present: exit 0, print nothing;
# - something missing, apt-get on PATH, root (`id -u` is 0) and DOCKYARD_NO_INSTALL unset: install the missing
#   Debian packages with apt-get, saying so in one line on stderr;
# - otherwise: exit 1 with one line on stderr naming what is missing and the command that installs it.
#
# Programs are looked up on PATH (PostgreSQL's also where Debian puts them), and root is `id -u`; only shell
# built-ins are used besides id and apt-get.
set -u

PACKAGES='postgresql docker-registry redis-server openssl'
case $0 in */*) ROOT_DIR="${0%/*}/.." ;; *) ROOT_DIR=.. ;; esac

# Debian keeps the PostgreSQL server programs out of PATH, in /usr/lib/postgresql/<version>/bin.
have_postgresql() {
  command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1 && return 0
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ] && return 0
  done
  return 1
}

# Sets $missing_binaries and $missing_packages (space-separated; empty when nothing is missing).
check() {
  missing_binaries=''
  missing_packages=''
  if ! have_postgresql; then
    missing_binaries="$missing_binaries pg_ctl initdb"
    missing_packages="$missing_packages postgresql"
  fi
  for binary in docker-registry redis-server openssl; do
    if ! command -v "$binary" >/dev/null 2>&1; then
      missing_binaries="$missing_binaries $binary"
      missing_packages="$missing_packages $binary" # each is also its Debian package's name
    fi
  done
  missing_binaries=${missing_binaries# }
  missing_packages=${missing_packages# }
}

fail() {
  printf 'dockyard: %s\n' "$1" >&2
  exit 1
}

if [ ! -f "$ROOT_DIR/node_modules/s3rver/package.json" ]; then
  fail 'the integration tests need the npm package s3rver (a devDependency), which is missing: run npm ci'
fi

# The policy suite validates every object against the strict Kubernetes schemas, and HTTPRoutes against the Gateway
# API CRDs, read from ../shared beside the clone (test/policy/checks/schema.ts, test/core/http-route-schema.ts):
# without them jest would fail with a bare ENOENT deep in a test
schemas="${DOCKYARD_K8S_SCHEMAS:-$ROOT_DIR/../shared/k8s-schemas}"
for version in 1.27.0 1.36.0; do
  [ -f "$schemas/v$version.json" ] || fail "the policy tests need the Kubernetes $version OpenAPI definitions at $schemas/v$version.json, \
which is missing: put ../shared beside the clone (k8s-schemas/v1.27.0.json and v1.36.0.json, each the \"definitions\" of that release's \
api/openapi-spec/swagger.json; the README, The two commands, fetches them), or set DOCKYARD_K8S_SCHEMAS to the folder that holds them"
done
crds="${DOCKYARD_K8S_CRDS:-$ROOT_DIR/../shared/k8s-crds}"
# test/core/http-route-schema.ts reads httproutes.yaml and gateways.yaml; upstream names them with a group prefix
for crd in httproutes gateways; do
  [ -f "$crds/gateway-api-v1.6.1/$crd.yaml" ] || fail "the HTTPRoute tests need the Gateway API v1.6.1 CRDs at \
$crds/gateway-api-v1.6.1/$crd.yaml, which is missing: put ../shared beside the clone (k8s-crds/gateway-api-v1.6.1/$crd.yaml \
is kubernetes-sigs/gateway-api v1.6.1 config/crd/standard/gateway.networking.k8s.io_$crd.yaml, renamed; the README, \
The two commands, fetches both), or set DOCKYARD_K8S_CRDS to the folder that holds it"
done

check
[ -z "$missing_binaries" ] && exit 0

uid=$(id -u 2>/dev/null) || uid=''
if [ "$uid" = 0 ]; then sudo=''; else sudo='sudo '; fi
install_command="${sudo}apt-get install -y $PACKAGES"
listed=''
for binary in $missing_binaries; do listed="${listed:+$listed, }$binary"; done

if ! command -v apt-get >/dev/null 2>&1; then
  # test/integ/ looks for them where Debian puts them
  elsewhere='PostgreSQL (initdb and pg_ctl in /usr/lib/postgresql/<version>/bin), CNCF distribution 2.8 as'
  elsewhere="$elsewhere /usr/bin/docker-registry, redis-server with TLS as /usr/bin/redis-server, and openssl"
  fail "test prerequisites missing ($listed) and no apt-get to install them: run npm test on Debian or Ubuntu, \
where it installs them (or run: sudo apt-get install -y $PACKAGES); elsewhere install $elsewhere"
fi
if [ -n "${DOCKYARD_NO_INSTALL:-}" ] && [ "$DOCKYARD_NO_INSTALL" != 0 ]; then
  fail "test prerequisites missing ($listed), not installed because DOCKYARD_NO_INSTALL is set; run: $install_command"
fi
if [ "$uid" != 0 ]; then
  fail "test prerequisites missing ($listed) and not root, so not installed; run: $install_command"
fi

printf 'dockyard: test prerequisites missing (%s): running apt-get update -qq and %s %s (%s)\n' "$listed" \
  'apt-get install -y -qq --no-install-recommends' "$missing_packages" 'DOCKYARD_NO_INSTALL=1 turns this off' >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || fail "apt-get update failed (exit $?); run: $install_command"
# word splitting of $missing_packages is intended: one argument per package
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing_packages >/dev/null ||
  fail "apt-get install failed (exit $?); run: $install_command"

check
listed=''
for binary in $missing_binaries; do listed="${listed:+$listed, }$binary"; done
[ -z "$missing_binaries" ] || fail "still missing after apt-get install: $listed"
exit 0
