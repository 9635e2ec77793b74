"""Galaxy-clean check of the built collection tarball (`make galaxy-lint`, part of `make lint`).

1. galaxy-importer (config: tools/packaging/galaxy-importer.cfg, everything but ansible-test) on the tarball, its log
   in build/galaxy-importer.log, the import result in build/galaxy-importer/importer_result.json. Its ansible-lint
   step is off: `make lint` runs ansible-lint itself with the stricter production profile, and running it twice
   cost minutes of CI for nothing the first run does not report.
2. antsibull-docs lint-collection-docs --plugin-docs on the tarball installed into build/galaxy-lint/.

Fails on any error or warning of either. Both tools run from build/packaging-venv (tools/packaging/requirements.txt)
and see amazon.aws and community.aws, whose doc fragments our modules use, from .venv's ansible package (the versions
the collection is tested with) through a directory of links on PYTHONPATH: ansible-core finds collections in any
ansible_collections directory on sys.path, and galaxy-importer sets ANSIBLE_COLLECTIONS_PATH to its own directory.

Usage: build/packaging-venv/bin/python tools/packaging/galaxy_lint.py build/dist/streamflix-media_platform-X.Y.Z.tar.gz
"""

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGING_BIN = ROOT / "build" / "packaging-venv" / "bin"
DEV_PYTHON = ROOT / ".venv" / "bin" / "python"
DEPENDENCY_LINKS = ROOT / "build" / "packaging-collections"
DEPENDENCIES = ("amazon.aws", "community.aws")


def dependency_path():
    """A directory whose ansible_collections/ holds links to .venv's amazon.aws and community.aws; made afresh."""
    shutil.rmtree(DEPENDENCY_LINKS, ignore_errors=True)
    for fqcn in DEPENDENCIES:
        namespace, name = fqcn.split(".")
        source = subprocess.run(
            [str(DEV_PYTHON), "-c", f"import ansible_collections.{namespace}.{name} as c; print(list(c.__path__)[0])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
        link = DEPENDENCY_LINKS / "ansible_collections" / namespace / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source)
    return DEPENDENCY_LINKS


def tool_env(**extra):
    """The environment for the packaging tools: their venv first on PATH, no checkout ansible.cfg, the dependencies."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PATH"] = f"{PACKAGING_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(dependency_path())
    env.update(extra)
    return env


def run_galaxy_importer(tarball):
    workdir = ROOT / "build" / "galaxy-importer"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = tool_env(GALAXY_IMPORTER_CONFIG=str(ROOT / "tools" / "packaging" / "galaxy-importer.cfg"))
    proc = subprocess.run(
        [str(PACKAGING_BIN / "python"), "-m", "galaxy_importer.main", str(tarball)],
        cwd=workdir, env=env, capture_output=True, text=True,
    )
    log = proc.stdout + proc.stderr
    (ROOT / "build" / "galaxy-importer.log").write_text(log)
    problems = [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR", "CRITICAL", "Traceback"))]
    if proc.returncode != 0 or "Importer processing completed successfully" not in log:
        problems.append(f"galaxy-importer exited {proc.returncode} without completing the import")
    result_file = workdir / "importer_result.json"
    summary = ""
    if result_file.exists():
        result = json.loads(result_file.read_text())
        contents = Counter(item["content_type"] for item in result["contents"])
        documented = [item for item in result["docs_blob"]["contents"] if item.get("doc_strings")]
        summary = (
            f"galaxy-importer: {result['metadata']['namespace']}.{result['metadata']['name']} "
            f"{result['metadata']['version']}, requires_ansible {result['requires_ansible']}, contents "
            + ", ".join(f"{count} {kind}" for kind, count in sorted(contents.items()))
            + f", {len(documented)} with doc strings from ansible-doc"
        )
    return problems, summary


def run_antsibull_docs(tarball):
    install_dir = ROOT / "build" / "galaxy-lint"
    shutil.rmtree(install_dir, ignore_errors=True)
    env = tool_env(ANSIBLE_COLLECTIONS_PATH=str(install_dir))
    subprocess.run(
        [str(PACKAGING_BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(install_dir), str(tarball)],
        check=True, env=env, capture_output=True, cwd=install_dir.parent,
    )
    collection = install_dir / "ansible_collections" / "streamflix" / "media_platform"
    proc = subprocess.run(
        [str(PACKAGING_BIN / "antsibull-docs"), "lint-collection-docs", "--plugin-docs",
         "--validate-collection-refs", "all", "--disallow-unknown-collection-refs", str(collection)],
        env=env, capture_output=True, text=True, cwd=install_dir.parent,
    )
    output = (proc.stdout + proc.stderr).strip()
    problems = output.splitlines()
    if proc.returncode != 0 and not problems:
        problems = [f"antsibull-docs exited {proc.returncode}"]
    return problems


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    tarball = Path(argv[1]).resolve()
    problems, summary = run_galaxy_importer(tarball)
    print(summary or "galaxy-importer: no import result")
    for line in problems:
        print(f"galaxy-importer: {line}")
    doc_problems = run_antsibull_docs(tarball)
    print("antsibull-docs lint-collection-docs --plugin-docs: " + ("clean" if not doc_problems else "findings:"))
    for line in doc_problems:
        print(f"antsibull-docs: {line}")
    if problems or doc_problems:
        print("galaxy-lint: FAILED (galaxy-importer's full log: build/galaxy-importer.log)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
