# Shared set-up for scripts/demo and scripts/test: a .venv with levkit installed.
# Sourced, not run.  EXTRAS (e.g. "dev,browser") picks the optional dependencies.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  echo "levkit: creating .venv with $("$PY" --version)" >&2
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${EXTRAS:-dev}]"
