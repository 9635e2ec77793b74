#!/usr/bin/env bash
# ansible-test sanity for streamflix.media_platform, run locally (no containers) with the .venv's ansible-test.
#
# ansible-test only tests a collection that sits at .../ansible_collections/<namespace>/<name>, so this script
# copies what `ansible-galaxy collection build` would ship (git-tracked plus untracked-not-ignored files, minus
# galaxy.yml build_ignore), less the pytest suites under tests/ (see below), into
# build/ansible_collections/streamflix/media_platform, fresh on every run, and runs the sanity tests there.
# (build/collections/ is a different thing, the link ansible.cfg uses; it is left alone.)
#
# Each sanity test that needs Python packages runs in its own virtual environment, which ansible-test creates under
# ~/.ansible/test/venv from the exact pins it ships (ansible_test/_data/requirements/sanity.*.txt, from PyPI on the
# first run, cached after that); nothing is installed into .venv.
#
# Usage: tests/sanity/run.sh [extra ansible-test sanity arguments, e.g. --test pylint]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${VENV_BIN:-$ROOT/.venv/bin}
PYTHON_VERSION=3.11  # the .venv interpreter; the only Python version installed here
DEST=$ROOT/build/ansible_collections/streamflix/media_platform

cd "$ROOT"
"$BIN/python" -c "import sys; assert sys.version_info[:2] == (3, 11), sys.version" \
  || { echo "tests/sanity/run.sh: $BIN/python must be Python $PYTHON_VERSION" >&2; exit 1; }

# 1. Fresh copy of the collection: the files git knows about or would add, filtered like `ansible-galaxy collection
#    build` filters them (galaxy.yml build_ignore plus its built-in ignores).
rm -rf "$ROOT/build/ansible_collections"
mkdir -p "$DEST"
git ls-files -z --cached --others --exclude-standard \
  | "$BIN/python" -c '
import fnmatch, os, sys, yaml
with open("galaxy.yml") as f:
    patterns = yaml.safe_load(f).get("build_ignore") or []
patterns += ["*.pyc", "*.retry", "tests/output", "__pycache__", "*/__pycache__"]  # ansible-galaxy built-in ignores
# Not sanity-tested: the pytest suites (run by "make test-unit" and "make test-integration", with their own
# conventions, e.g. pytest fixtures imported by name) and tests/unit/localaws, which tests tools/localaws, not
# this collection. ansible-lint (.ansible-lint) skips tests/ likewise.
patterns += ["tests/conftest.py", "tests/unit", "tests/integration"]
def ignored(path):
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]  # a file or any directory above it
    return any(fnmatch.fnmatch(p, pat) for p in prefixes for pat in patterns)
for path in sys.stdin.read().split("\0"):
    if path and os.path.isfile(path) and not ignored(path):  # isfile: skip tracked files deleted in the work tree
        sys.stdout.write(path + "\0")
' \
  | tar --null --files-from=- -cf - | tar -xf - -C "$DEST"
# The copy lives inside this repository's ignored build/ directory, where ansible-test would see no files at all
# (it lists content with git); a repository of its own makes it list the copy's files (untracked files count).
git -C "$DEST" init -q

# 2. The collections ours depends on (galaxy.yml dependencies), from the `ansible` package in .venv: ansible-test
#    points ANSIBLE_COLLECTIONS_PATH at build/ only, and its import and validate-modules tests load amazon.aws.
SITE_COLLECTIONS=$("$BIN/python" -c "import os, ansible_collections.amazon.aws.plugins as p; print(os.path.abspath(os.path.join(p.__path__[0], '../../..')))")
for dep in amazon/aws community/aws; do
  mkdir -p "$ROOT/build/ansible_collections/${dep%/*}"
  ln -sfn "$SITE_COLLECTIONS/$dep" "$ROOT/build/ansible_collections/$dep"
done

# 3. ansible-test creates each sanity virtual environment without pip and bootstraps pip with a get-pip.py script it
#    downloads from ci-files.testing.ansible.com, which is not reachable here (only PyPI is). If that script is not
#    cached yet, cache a stand-in that does what get-pip.py does (run pip from a pip wheel to install the requested
#    pip) with the wheel of the exact pip version ansible-test asks for, downloaded from PyPI.
ANSIBLE_TEST_DIR=$("$BIN/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
PIP_VERSION=$(sed -n "s/^ *pip='\([0-9.]*\)',\{0,1\}$/\1/p" "$ANSIBLE_TEST_DIR/_internal/python_requirements.py" | head -n1)
[ -n "$PIP_VERSION" ] || { echo "tests/sanity/run.sh: cannot find the pip version ansible-test bootstraps" >&2; exit 1; }
GET_PIP_CACHE=$HOME/.ansible/test/cache
GET_PIP=$GET_PIP_CACHE/get_pip_${PIP_VERSION//./_}.py
if [ ! -s "$GET_PIP" ]; then
  mkdir -p "$GET_PIP_CACHE"
  "$BIN/pip" download --quiet --no-deps --only-binary=:all: --dest "$GET_PIP_CACHE" "pip==$PIP_VERSION"
  cat >"$GET_PIP.tmp" <<STANDIN
"""Stand-in for get-pip.py $PIP_VERSION, written by streamflix.media_platform tests/sanity/run.sh.

Like get-pip.py it runs pip from a pip wheel (here the one next to this file rather than an embedded copy) to
install the packages named on its command line; --no-setuptools and --no-wheel are get-pip.py options.
"""
import os
import sys

WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pip-$PIP_VERSION-py3-none-any.whl")
sys.path.insert(0, WHEEL)
from pip._internal.cli.main import main  # noqa: E402

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--find-links", os.path.dirname(WHEEL)] + args))
STANDIN
  mv "$GET_PIP.tmp" "$GET_PIP"
fi

# 4. Run. --python 3.11 runs the tests that would otherwise cover every supported Python version (compile, import)
#    on the one interpreter installed here; no --docker, as there is no container engine. The shellcheck test
#    needs the shellcheck program and is skipped with a warning without it (apt-get install shellcheck).
cd "$DEST"
start=$(date +%s)
status=0
"$BIN/ansible-test" sanity --python "$PYTHON_VERSION" --color no "$@" || status=$?
echo "ansible-test sanity: exit $status after $(( $(date +%s) - start ))s in $DEST"
exit "$status"
