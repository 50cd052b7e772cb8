#!/usr/bin/env bash
# Puts the Node.js version pinned in .node-version first on PATH.
# Source it: `. scripts/ensure-node.sh`. When the machine's node is older than the pinned major,
# the pinned build is fetched once from the npm registry (package node-linux-<arch>) into a cache.
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_want=$(tr -d ' \n' < "$_root/.node-version")
_want_major=${_want%%.*}
_have_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$_have_major" -lt "$_want_major" ]; then
  case "$(uname -m)" in
    x86_64) _arch=x64 ;;
    aarch64|arm64) _arch=arm64 ;;
    *) echo "ensure-node: no prebuilt Node for $(uname -m); install Node $_want yourself" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  _cache="${XDG_CACHE_HOME:-$HOME/.cache}/tfc-jit-aws/node-$_want-$_arch"
  if [ ! -x "$_cache/bin/node" ]; then
    _tmp=$(mktemp -d)
    (cd "$_tmp" && npm pack --silent "node-linux-$_arch@$_want" >/dev/null 2>&1) || { echo "ensure-node: could not fetch node-linux-$_arch@$_want from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$_cache"
    tar xzf "$_tmp"/node-linux-"$_arch"-*.tgz -C "$_cache" --strip-components=1 package/bin package/LICENSE
    rm -rf "$_tmp"
  fi
  export PATH="$_cache/bin:$PATH"
fi
echo "ensure-node: using node $(node --version) ($(command -v node))" >&2
