#!/usr/bin/env bash
# Builds the conda environment of environment.yml and packs it with conda-pack into
# python_env.tar.gz, the file config.pbtxt's EXECUTION_ENV_PATH names. Run it on Linux x86_64
# (the SageMaker GPU instances' platform) with conda or mamba installed; it needs network access
# to the conda channels and PyPI, so it is not run by the fmops tests.
#
#   ./pack_env.sh                 # writes ./python_env.tar.gz
#   ./pack_env.sh /tmp/env.tar.gz # or to another path
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/python_env.tar.gz}"
name="triton-stable-diffusion"
conda_cmd="$(command -v mamba || command -v conda || true)"
if [[ -z "$conda_cmd" ]]; then
  echo "pack_env.sh: needs conda or mamba on PATH" >&2
  exit 1
fi

# Start from a fresh environment, so that a changed environment.yml is taken as written.
"$conda_cmd" env remove --name "$name" --yes >/dev/null 2>&1 || true
"$conda_cmd" env create --name "$name" --file "$here/environment.yml"
# --ignore-editable-packages: an editable install would point outside the archive.
"$conda_cmd" run --name "$name" conda-pack --name "$name" --output "$out" --force --ignore-editable-packages
echo "wrote $out"
