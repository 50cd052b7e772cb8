#!/bin/sh
# Makes sure the node on PATH is at least the major version pinned in .node-version (as
# package.json's engines asks), putting the pinned build first on PATH when it is not.
#
# Source it from the repository root, in bash, zsh, dash or any POSIX sh:
#     . scripts/ensure-node.sh && npm ci
# If the node on PATH is older than the pinned major, on Linux (x64, arm64) the pinned build is
# fetched once from the npm registry (package node-linux-<arch>, with the npm you have) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/tfc-jit-aws; on any other system it says what to install.
# It prints "using node vX" only for a Node that is new enough; otherwise it prints why on
# stderr, changes nothing, and returns a non-zero status (so `&& npm ci` does not run).
#
# Written for POSIX sh because it is sourced by whatever shell the user has: no arrays, no
# `local`, no globs, every variable quoted and prefixed `_en_` and removed again at the end.

# Where this file is: shells disagree on how a sourced file learns its own path.
_en_locate() {
  _en_self=""
  if [ -n "${BASH_VERSION:-}" ]; then
    eval '_en_self=${BASH_SOURCE[0]}'
  elif [ -n "${ZSH_VERSION:-}" ]; then
    eval '_en_self=${(%):-%x}'
  else
    case "${0:-}" in
    */ensure-node.sh) _en_self=$0 ;; # run, not sourced
    esac
  fi
  if [ -n "$_en_self" ]; then
    _en_root=$(CDPATH='' cd -- "$(dirname -- "$_en_self")/.." && pwd) || return 1
  elif [ -f "./.node-version" ] && [ -f "./scripts/ensure-node.sh" ]; then
    # dash and other POSIX shells do not expose a sourced file's path: the README sources it from
    # the repository root.
    _en_root=$(pwd)
  else
    printf '%s\n' "ensure-node: this shell cannot tell where scripts/ensure-node.sh is; run it from the repository root: . scripts/ensure-node.sh" >&2
    return 1
  fi
}

# The major version of the node at "$1" ("node" = the one on PATH), 0 when there is none.
_en_major_of() {
  _en_v=$("$1" --version 2>/dev/null) || _en_v=""
  _en_v=${_en_v#v}
  _en_v=${_en_v%%.*}
  case "$_en_v" in
  '' | *[!0-9]*) _en_v=0 ;;
  esac
  printf '%s\n' "$_en_v"
}

_en_main() {
  _en_locate || return 1
  if [ ! -r "$_en_root/.node-version" ]; then
    printf '%s\n' "ensure-node: $_en_root/.node-version is missing; run this from a checkout of the repository" >&2
    return 1
  fi
  _en_want=$(tr -d ' \r\n' <"$_en_root/.node-version")
  _en_want_major=${_en_want%%.*}
  case "$_en_want_major" in
  '' | *[!0-9]*)
    printf '%s\n' "ensure-node: $_en_root/.node-version holds \"$_en_want\", not a version such as 24.21.0" >&2
    return 1
    ;;
  esac
  if [ "$(_en_major_of node)" -ge "$_en_want_major" ]; then
    _en_node=$(command -v node)
    _en_report "$_en_node"
    return
  fi

  _en_have=$(node --version 2>/dev/null) || _en_have="no node"
  _en_os=$(uname -s 2>/dev/null) || _en_os=unknown
  case "$_en_os" in
  Linux) ;;
  Darwin)
    printf '%s\n' "ensure-node: Node $_en_want_major or newer is needed (found: $_en_have). On macOS install it yourself, e.g. \`brew install node@$_en_want_major\` (then put \$(brew --prefix node@$_en_want_major)/bin first on PATH) or \`nvm install $_en_want\`, and run this again" >&2
    return 1
    ;;
  *)
    printf '%s\n' "ensure-node: Node $_en_want_major or newer is needed (found: $_en_have), and there is no prebuilt Node for $_en_os here; install Node $_en_want yourself and run this again" >&2
    return 1
    ;;
  esac
  case "$(uname -m)" in
  x86_64 | amd64) _en_arch=x64 ;;
  aarch64 | arm64) _en_arch=arm64 ;;
  *)
    printf '%s\n' "ensure-node: no prebuilt Node for $(uname -m) (found: $_en_have); install Node $_en_want yourself and run this again" >&2
    return 1
    ;;
  esac

  if [ -z "${XDG_CACHE_HOME:-}" ] && [ -z "${HOME:-}" ]; then
    printf '%s\n' "ensure-node: neither XDG_CACHE_HOME nor HOME is set, so there is nowhere to keep Node $_en_want" >&2
    return 1
  fi
  _en_cache="${XDG_CACHE_HOME:-$HOME/.cache}/tfc-jit-aws/node-$_en_want-$_en_arch"
  if [ ! -x "$_en_cache/bin/node" ]; then
    _en_fetch || return 1
  fi
  # A cache from an interrupted or foreign download must not pass for the pinned Node.
  if [ "$(_en_major_of "$_en_cache/bin/node")" -lt "$_en_want_major" ]; then
    printf '%s\n' "ensure-node: $_en_cache/bin/node is not Node $_en_want_major; delete $_en_cache and run this again" >&2
    return 1
  fi
  PATH="$_en_cache/bin:$PATH"
  export PATH
  _en_report "$_en_cache/bin/node"
}

# Fetches node-linux-<arch>@<version> with npm and unpacks its bin/ into the cache, atomically.
_en_fetch() {
  if ! command -v npm >/dev/null 2>&1; then
    printf '%s\n' "ensure-node: Node $_en_want_major or newer is needed (found: $_en_have) and there is no npm to fetch it with; install Node $_en_want yourself" >&2
    return 1
  fi
  _en_tmp=$(mktemp -d) || return 1
  _en_tgz="$_en_tmp/node-linux-$_en_arch-$_en_want.tgz"
  if ! (cd "$_en_tmp" && npm pack --silent "node-linux-$_en_arch@$_en_want" >/dev/null 2>&1) || [ ! -f "$_en_tgz" ]; then
    rm -rf "$_en_tmp"
    printf '%s\n' "ensure-node: Node $_en_want_major or newer is needed (found: $_en_have) and node-linux-$_en_arch@$_en_want could not be fetched from the npm registry; check the network and npm's registry setting, or install Node $_en_want yourself" >&2
    return 1
  fi
  mkdir -p "$_en_tmp/unpacked" "$(dirname "$_en_cache")" &&
    tar xzf "$_en_tgz" -C "$_en_tmp/unpacked" --strip-components=1 package/bin package/LICENSE &&
    rm -rf "$_en_cache" &&
    mv "$_en_tmp/unpacked" "$_en_cache"
  _en_status=$?
  rm -rf "$_en_tmp"
  if [ "$_en_status" -ne 0 ]; then
    printf '%s\n' "ensure-node: could not unpack node-linux-$_en_arch@$_en_want into $_en_cache" >&2
    return 1
  fi
}

_en_report() {
  printf '%s\n' "ensure-node: using node $("$1" --version) ($1)" >&2
}

# `||` keeps a caller's `set -e` from ending the shell inside; the status is returned below.
_en_rc=0
_en_main || _en_rc=1
unset -f _en_locate _en_major_of _en_main _en_fetch _en_report
unset _en_self _en_root _en_v _en_want _en_want_major _en_node _en_have _en_os _en_arch _en_cache \
  _en_tmp _en_tgz _en_status
if [ "$_en_rc" -ne 0 ]; then
  unset _en_rc
  # `return` when sourced; `exit` when run as a program.
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi
unset _en_rc
