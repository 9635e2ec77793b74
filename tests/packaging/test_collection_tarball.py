"""The built tarball holds what an installed collection needs and nothing of the checkout's tooling, and from an
installed copy alone ansible-doc documents every plugin and the playbooks resolve by FQCN."""

from __future__ import annotations

import ast
import json
import sys
import tarfile
from pathlib import Path

import yaml

from conftest import DEV_BIN, REPO, clean_env, run

MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
PLAYBOOKS = ("site", "verify", "teardown", "rotate")
INSTALLED = Path("ansible_collections") / "streamflix" / "media_platform"

# What the tarball's top level may hold: the collection's content and its metadata.
ALLOWED_TOP = {"FILES.json", "MANIFEST.json", "README.md", "COPYING", "changelogs", "inventories", "meta", "playbooks",
               "plugins", "roles"}
# Dev-only paths that must not ship (galaxy.yml build_ignore).
FORBIDDEN = ("tests", "tools", "molecule", "bench", "build", ".venv", ".ci", "Makefile", "requirements.txt",
             "ansible.cfg", "collections", "execution-environment.yml", "ee", "changelogs/fragments",
             "playbooks/collections", "outputs", "reports")


def test_tarball_holds_the_collection_and_no_dev_tooling(tarball_members):
    top = {name.split("/", 1)[0] for name in tarball_members}
    assert top <= ALLOWED_TOP, f"unexpected top-level entries: {sorted(top - ALLOWED_TOP)}"
    for path in FORBIDDEN:
        shipped = [n for n in tarball_members if n == path or n.startswith(path + "/")]
        assert not shipped, f"{path} is dev-only but ships: {shipped[:5]}"
    assert not [n for n in tarball_members if "__pycache__" in n or n.endswith((".pyc", ".tar.gz"))]
    for needed in ["COPYING", "meta/runtime.yml", "meta/ee-requirements.txt", "meta/execution-environment.yml",
                   "changelogs/changelog.yaml", "plugins/filter/network.py", "plugins/callback/concise.py",
                   "plugins/action/resource_readiness.py", "roles/database/files/migrations",
                   *(f"playbooks/{p}.yml" for p in PLAYBOOKS), *(f"plugins/modules/{m}.py" for m in MODULES)]:
        assert needed in tarball_members, f"{needed} is missing from the tarball"
    # Every role ships with its argument specs (preflight reads them through role_path) and tasks.
    for role in sorted(p.name for p in (REPO / "roles").iterdir() if p.is_dir()):
        assert f"roles/{role}/meta/argument_specs.yml" in tarball_members
        assert f"roles/{role}/tasks/main.yml" in tarball_members


def test_manifest_matches_galaxy_yml_and_the_license_is_gplv3(tarball):
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    with tarfile.open(tarball) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
        copying = tar.extractfile("COPYING").read().decode()
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == (
        galaxy["namespace"], galaxy["name"], galaxy["version"])
    assert manifest["license"] == ["GPL-3.0-or-later"] == galaxy["license"]
    assert manifest["dependencies"] == galaxy["dependencies"]
    assert "GNU GENERAL PUBLIC LICENSE" in copying and "Version 3, 29 June 2007" in copying
    assert "END OF TERMS AND CONDITIONS" in copying  # the full text, not a stub


def test_ee_requirements_cover_what_the_plugins_import(tarball):
    """meta/ee-requirements.txt names every third-party package that plugins/ imports (boto3 and botocore), and
    meta/execution-environment.yml points ansible-builder at it."""
    with tarfile.open(tarball) as tar:
        reqs = tar.extractfile("meta/ee-requirements.txt").read().decode()
        ee_meta = yaml.safe_load(tar.extractfile("meta/execution-environment.yml"))
    assert ee_meta["dependencies"]["python"] == "meta/ee-requirements.txt"
    assert "system" not in ee_meta["dependencies"], "a bindep.txt is declared but none ships"
    names = {line.split(">")[0].split("=")[0].split("<")[0].strip().lower()
             for line in reqs.splitlines() if line.strip() and not line.startswith("#")}
    imported = set()
    for source in (REPO / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - {"ansible", "ansible_collections", "__future__"} - set(sys.stdlib_module_names)
    assert "botocore" in third_party, third_party  # the walk found the imports
    assert third_party <= names, f"undeclared third-party imports: {third_party - names}; add them to meta/ee-requirements.txt"
    # amazon.aws's module_utils (imported through ansible_collections) need boto3 as well as botocore.
    assert {"boto3", "botocore"} <= names


def test_ansible_doc_documents_every_plugin_from_the_installed_copy(installed):
    env = clean_env(ANSIBLE_COLLECTIONS_PATH=str(installed))
    listed = json.loads(run([DEV_BIN / "ansible-doc", "-t", "module", "--list", "--json", "streamflix.media_platform"],
                            cwd=installed, env=env).stdout)
    assert sorted(listed) == [f"streamflix.media_platform.{m}" for m in MODULES]
    modules = json.loads(run([DEV_BIN / "ansible-doc", "-t", "module", "--json", *listed], cwd=installed, env=env).stdout)
    assert sorted(modules) == sorted(listed)
    for name, doc in modules.items():
        assert doc["doc"]["short_description"], name
        assert Path(doc["doc"]["filename"]).is_relative_to(installed / INSTALLED), doc["doc"]["filename"]
        assert doc["examples"] and doc["return"] is not None, f"{name} lacks EXAMPLES or RETURN"
    for plugin_type, name in (("filter", "subnet_plan"), ("callback", "concise")):
        docs = json.loads(run([DEV_BIN / "ansible-doc", "-t", plugin_type, "--json", f"streamflix.media_platform.{name}"],
                              cwd=installed, env=env).stdout)
        doc = docs[f"streamflix.media_platform.{name}"]["doc"]
        assert doc["short_description"] and Path(doc["filename"]).is_relative_to(installed / INSTALLED)


def test_playbooks_resolve_by_fqcn_from_the_installed_copy(installed, tmp_path):
    """ansible-playbook finds streamflix.media_platform.<playbook> and every role and module it names in the installed
    copy, from a directory outside it (the deploy from the installed copy is tests/integration's)."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("streamflix:\n  hosts:\n    streamflix-x:\n      ansible_connection: local\n")
    env = clean_env(ANSIBLE_COLLECTIONS_PATH=str(installed))
    for playbook in PLAYBOOKS:
        proc = run([DEV_BIN / "ansible-playbook", "--syntax-check", "-i", inventory, f"streamflix.media_platform.{playbook}"],
                   cwd=tmp_path, env=env)
        assert f"playbook: {installed / INSTALLED / 'playbooks' / playbook}.yml" in proc.stdout, proc.stdout
    # The one-line project playbook README.md gives for AWX with the execution environment.
    wrapper = tmp_path / "site.yml"
    wrapper.write_text("- name: StreamFlix platform\n  ansible.builtin.import_playbook: streamflix.media_platform.site\n")
    proc = run([DEV_BIN / "ansible-playbook", "--list-tasks", "-i", inventory, wrapper], cwd=tmp_path, env=env)
    assert "play #2 (streamflix): Converge the StreamFlix platform" in proc.stdout, proc.stdout
    assert "streamflix.media_platform.preflight : Check every role's inputs against its argument_specs" in proc.stdout, proc.stdout
    assert "streamflix.media_platform.monitoring : Converge (present) or remove (absent)" in proc.stdout, proc.stdout
