#!/usr/bin/env bash
# The README's promise, checked the way a new user meets it: a clean clone of this repository's
# HEAD commit, a throwaway HOME (so an empty npm cache and no ~/.npmrc), an environment holding
# nothing but PATH, HOME, a UTF-8 locale and the machine's proxy and CA settings, and no
# Chromium, Jupyter or Python packages beyond the standard library (NLTK, NumPy) in sight. Then exactly the README's two commands:
#
#   npm ci && npm run demo
#   npm ci && npm test
#
# Chromium, NLTK and Jupyter are hidden, not uninstalled: the script re-runs itself in a private
# mount namespace (unshare --mount) and bind-mounts stand-ins over them there, so nothing outside
# that namespace changes. A hidden program exits 127; a hidden Python package raises ImportError
# on import. Needs root, or unprivileged user namespaces (then it maps the user to root).
#
# Usage: .ci/fresh-machine.sh [--keep] [--dry-run]
#   --keep     leave the clone and its HOME in place afterwards, for a look
#   --dry-run  hide and check as usual, print the two commands instead of running them
# Only committed work is checked: the clone is of HEAD.
set -euo pipefail

STUB_EXIT=127
# Programs and Python packages a fresh machine lacks, which fmops' system checks use.
HIDDEN_PROGRAMS=(chromium chromium-browser google-chrome google-chrome-stable chrome
  jupyter jupyter-nbconvert jupyter-execute jupyter-kernel jupyter-kernelspec jupyter-notebook
  jupyter-lab jupyter-run jupyter-console jupyter-troubleshoot jupyter-trust jupyter-migrate)
HIDDEN_PYTHON_PACKAGES=(nltk numpy nbconvert nbclient nbformat jupyter_client jupyter_core
  ipykernel notebook jupyterlab)
# Where a machine keeps programs; the clean PATH adds the folders holding node and npm.
SYSTEM_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

log() { printf '[fresh-machine] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- inside the private mount namespace -------------------------------------------------------
if [ "${1:-}" = "--inside" ]; then
  work="$2"
  clean_path="$3"
  dry_run="$4"

  stub_program="$work/hidden/program"
  stub_package="$work/hidden/package"
  stub_folder="$work/hidden/empty"
  mkdir -p "$stub_package" "$stub_folder"
  printf '#!/bin/sh\necho "hidden by .ci/fresh-machine.sh: a fresh machine has no $0" >&2\nexit %s\n' \
    "$STUB_EXIT" >"$stub_program"
  chmod 755 "$stub_program"
  printf 'raise ImportError("hidden by .ci/fresh-machine.sh: a fresh machine has no %%s" %% __name__)\n' \
    >"$stub_package/__init__.py"

  declare -A hidden=()
  hide() { # $1: stand-in, $2: path to cover (once, however many names lead to it)
    [ -n "${hidden[$2]:-}" ] && return 0
    mount --bind "$1" "$2" || die "could not hide $2"
    hidden[$2]=1
    log "hidden: $2"
  }

  # Programs, wherever the clean PATH (or Debian's chromium wrapper path) would find them.
  IFS=: read -r -a path_dirs <<<"$clean_path"
  for dir in "${path_dirs[@]}"; do
    for name in "${HIDDEN_PROGRAMS[@]}"; do
      if [ -f "$dir/$name" ]; then hide "$stub_program" "$(readlink -f "$dir/$name")"; fi
    done
  done
  # Debian's /usr/bin/chromium is a wrapper around this folder; cover the real browser too.
  if [ -d /usr/lib/chromium ]; then hide "$stub_folder" /usr/lib/chromium; fi

  # Python packages, in every python3 the clean PATH can reach (and Debian's /usr/bin/python3).
  pythons=()
  for dir in "${path_dirs[@]}"; do
    if [ -x "$dir/python3" ]; then pythons+=("$(readlink -f "$dir/python3")"); fi
  done
  for python in $(printf '%s\n' "${pythons[@]}" | sort -u); do
    for pkg in "${HIDDEN_PYTHON_PACKAGES[@]}"; do
      location="$("$python" -c "import importlib.util as u; s = u.find_spec('$pkg'); print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')" 2>/dev/null || true)"
      if [ -n "$location" ] && [ -d "$location" ]; then hide "$stub_package" "$location"; fi
    done
    # Check: the hiding worked for this python.
    if "$python" -c "import nltk" 2>/dev/null; then die "$python still imports nltk"; fi
  done

  # Check: no program on the clean PATH answers to a hidden name.
  for name in "${HIDDEN_PROGRAMS[@]}"; do
    if PATH="$clean_path" command -v "$name" >/dev/null 2>&1 &&
      PATH="$clean_path" "$name" --version >/dev/null 2>&1; then
      die "$name still runs"
    fi
  done

  # The user's shell: nothing set but what any machine has. Proxy and CA settings describe the
  # machine's network (how it reaches the npm registry), not fmops, so they pass through.
  env_args=("HOME=$work/home" "PATH=$clean_path" "LANG=C.UTF-8")
  for var in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
    NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR; do
    if [ -n "${!var:-}" ]; then env_args+=("$var=${!var}"); fi
  done
  mkdir -p "$work/home"
  cd "$work/fmops"

  run_readme_line() { # $@: one README line, as words
    log "\$ $*"
    if [ "$dry_run" = true ]; then return 0; fi
    local start=$SECONDS
    env -i "${env_args[@]}" bash -c "$*" || die "'$*' failed after $((SECONDS - start)) s"
    log "ok in $((SECONDS - start)) s: $*"
  }
  run_readme_line "npm ci && npm run demo"
  run_readme_line "npm ci && npm test"
  exit 0
fi

# ---- outside: clone, then enter the namespace --------------------------------------------------
keep=false
dry_run=false
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    --dry-run) dry_run=true ;;
    *) die "unknown argument $arg (expected --keep or --dry-run)" ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$root" rev-parse HEAD)"
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
  log "note: the working tree has uncommitted changes; only HEAD ($commit) is checked"
fi

node_dir="$(dirname "$(command -v node)")" || die "node is not on PATH"
npm_dir="$(dirname "$(command -v npm)")" || die "npm is not on PATH"
clean_path="$node_dir:$npm_dir:$SYSTEM_PATH"

work="$(mktemp -d "${TMPDIR:-/tmp}/fmops-fresh-XXXXXX")"
if ! $keep; then trap 'rm -rf "$work"' EXIT; fi
log "work folder: $work; node $(node --version), npm $(npm --version)"

# Exactly HEAD's commit, fetched like a remote (no hard links, no ignored files).
git init --quiet "$work/fmops"
git -C "$work/fmops" fetch --quiet --depth=1 "file://$root" "$commit"
git -C "$work/fmops" checkout --quiet --detach FETCH_HEAD

if [ "$(id -u)" -eq 0 ]; then
  unshare_args=(--mount)
else
  unshare_args=(--user --map-root-user --mount)
fi
start=$SECONDS
unshare "${unshare_args[@]}" bash "$root/.ci/fresh-machine.sh" --inside "$work" "$clean_path" "$dry_run"
if $dry_run; then log "dry run: hiding checked, nothing run (commit $commit)"; else
  log "the README's commands passed on a fresh machine in $((SECONDS - start)) s (commit $commit)"
fi
