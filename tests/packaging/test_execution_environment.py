"""execution-environment.yml gives, through `ansible-builder create` (pinned, build/packaging-venv), a build context
that would build the execution environment: the base image, ansible-core and ansible-runner at our pins, the
collection tarball installed by ansible-galaxy, and by introspection the Python packages the collections declare.
There is no container engine here, so the image itself is not built; `ansible-builder build` (README.md) does that.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import DEV_BIN, REPO, clean_env, run

EE_FILE = REPO / "execution-environment.yml"


def requirement_pin(name):
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if line.lower().startswith(name + "=="):
            return line.strip()
    return None


@pytest.fixture(scope="module")
def definition():
    return yaml.safe_load(EE_FILE.read_text())


@pytest.fixture(scope="module")
def context(tarball, packaging_bin, tmp_path_factory):
    """A copy of the EE definition and its files, with the freshly built tarball where `make collection-build`
    writes it, and the context `ansible-builder create` makes from it."""
    project = tmp_path_factory.mktemp("ee-project")
    shutil.copy(EE_FILE, project / EE_FILE.name)
    shutil.copytree(REPO / "ee", project / "ee")
    (project / "build" / "dist").mkdir(parents=True)
    shutil.copy(tarball, project / "build" / "dist" / tarball.name)
    out = project / "context"
    run([packaging_bin / "ansible-builder", "create", "-f", project / EE_FILE.name, "-c", out,
         "--output-filename", "Containerfile"], cwd=project, env=clean_env())
    return out


def test_definition_is_version_3_with_pinned_ansible(definition):
    assert definition["version"] == 3
    deps = definition["dependencies"]
    assert deps["ansible_core"]["package_pip"] == requirement_pin("ansible-core"), "EE ansible-core != requirements.txt"
    assert re.fullmatch(r"ansible-runner==[0-9.]+", deps["ansible_runner"]["package_pip"])
    assert deps["galaxy"] == "ee/requirements.yml"
    assert definition["images"]["base_image"]["name"]


def test_containerfile_builds_from_the_base_image_with_every_step(context, definition):
    containerfile = (context / "Containerfile").read_text()
    base = definition["images"]["base_image"]["name"]
    assert f'ARG EE_BASE_IMAGE="{base}"' in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    pins = f'{definition["dependencies"]["ansible_core"]["package_pip"]} {definition["dependencies"]["ansible_runner"]["package_pip"]}'
    assert f'ARG ANSIBLE_INSTALL_REFS="{pins}"' in containerfile
    assert f'ARG PYCMD="{definition["dependencies"]["python_interpreter"]["python_path"]}"' in containerfile
    # galaxy stage: the collections from _build/requirements.yml; builder stage: the collections' Python and system
    # requirements by introspection; final stage: installs them.
    assert re.search(r"ansible-galaxy collection install .*-r requirements\.yml", containerfile)
    assert "introspect.py introspect --write-bindep=/tmp/src/bindep.txt --write-pip=/tmp/src/requirements.txt" in containerfile
    assert "/output/scripts/assemble" in containerfile
    assert "/output/scripts/install-from-bindep" in containerfile
    assert 'LABEL ansible-execution-environment=true' in containerfile


def test_context_installs_this_tarball_and_its_dependencies(context, tarball):
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    by_name = {c["name"]: c for c in requirements["collections"]}
    local = [c for c in requirements["collections"] if c.get("type") == "file"]
    assert len(local) == 1
    # The requirement names the tarball of galaxy.yml's version, which the context holds byte for byte.
    assert local[0]["name"] == f"collections/{tarball.name}", "ee/requirements.yml names another version's tarball"
    assert filecmp.cmp(context / "_build" / local[0]["name"], tarball, shallow=False)
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    for dependency, version in galaxy["dependencies"].items():
        assert by_name[dependency]["version"] == version
    assert "ansible.posix" in by_name  # ansible.cfg's callbacks, for jobs run from this repository as the project


def test_introspection_finds_the_collections_runtime_python(context, installed, tmp_path):
    """The builder stage's introspect.py, run on the installed tarball beside amazon.aws and community.aws, yields
    boto3 and botocore from streamflix.media_platform's meta/execution-environment.yml, and no system package of ours."""
    tree = tmp_path / "collections"
    shutil.copytree(installed / "ansible_collections", tree / "ansible_collections", symlinks=True)
    for namespace, name in (("amazon", "aws"), ("community", "aws")):
        source = subprocess.run(
            [DEV_BIN / "python", "-c", f"import ansible_collections.{namespace}.{name} as c; print(list(c.__path__)[0])"],
            check=True, capture_output=True, text=True, env=clean_env()).stdout.strip()
        (tree / "ansible_collections" / namespace).mkdir(exist_ok=True)
        os.symlink(source, tree / "ansible_collections" / namespace / name)
    pip_out, bindep_out = tmp_path / "requirements.txt", tmp_path / "bindep.txt"
    run([DEV_BIN / "python", context / "_build" / "scripts" / "introspect.py", "introspect", tree,
         f"--write-pip={pip_out}", f"--write-bindep={bindep_out}"], env=clean_env())
    lines = pip_out.read_text().splitlines()
    ours = [line for line in lines if "# from collection streamflix.media_platform" in line]
    assert any(line.startswith("boto3>=") for line in ours), lines
    assert any(line.startswith("botocore>=") for line in ours), lines
    # No system package of ours (amazon.aws and community.aws list only [test] ones, which the build skips).
    bindep = bindep_out.read_text().splitlines() if bindep_out.exists() else []
    assert not [line for line in bindep if "streamflix.media_platform" in line], bindep
