#!/usr/bin/env bash
# Installs a Synapse homeserver for the Matrix integration tests, once.
#
# The virtualenv lives outside the clone (default ~/.cache/rounds/synapse-venv,
# override with ROUNDS_SYNAPSE_VENV) so later CI runs on the same machine reuse it.
# Idempotent: an existing venv that can import synapse is left as it is.
# The tests (tests/it/synapse/mod.rs) look for the venv at the same path.
set -euo pipefail

venv="${ROUNDS_SYNAPSE_VENV:-$HOME/.cache/rounds/synapse-venv}"
python="${PYTHON:-python3}"

if ! "$venv/bin/python" -c 'import synapse' >/dev/null 2>&1; then
    echo "synapse.sh: creating venv at $venv" >&2
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check matrix-synapse
fi

version="$("$venv/bin/python" -c 'import synapse; print(synapse.__version__)')"
echo "synapse ${version} (venv: ${venv})"
