"""Run a module's main() in-process and capture what it hands to exit_json or fail_json.

ansible-core 2.19 reads module arguments through ``ansible.module_utils.testing.patch_module_args``;
exit_json and fail_json are patched to raise, so a test gets the result instead of a SystemExit.
"""

from __future__ import annotations

import os
from unittest import mock

import botocore.loaders
import botocore.session
import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


class ModuleFail(Exception):
    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


def _exit_json(self, **kwargs):
    kwargs.setdefault("changed", False)
    raise ModuleExit(kwargs)


def _fail_json(self, msg, **kwargs):
    kwargs["failed"] = True
    kwargs["msg"] = msg
    raise ModuleFail(kwargs)


def run_module(module, args, check_mode=False, diff=True):
    """Run ``module.main()`` with ``args``; returns the exit_json result, raises ModuleFail on failure."""
    args = dict(args)
    args.setdefault("region", REGION)
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, "exit_json", _exit_json), \
            mock.patch.object(basic.AnsibleModule, "fail_json", _fail_json):
        try:
            module.main()
        except ModuleExit as exc:
            return exc.result
    raise AssertionError("{0}.main() returned without calling exit_json or fail_json".format(module.__name__))


def fail_module(module, args, check_mode=False):
    """Run ``module.main()`` expecting fail_json; returns the failure result."""
    with pytest.raises(ModuleFail) as info:
        run_module(module, args, check_mode=check_mode)
    return info.value.result


@pytest.fixture
def aws_env(monkeypatch):
    """Dummy credentials, and nothing from the developer's environment that could reach a real endpoint."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name in ("BOTO_CONFIG",):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


_LOADERS = {}


def _shared_loader(search_paths=None):
    """Every module run builds a new boto3 session; sharing the loader keeps the parsed service models."""
    key = search_paths if isinstance(search_paths, str) or search_paths is None else tuple(search_paths)
    if key not in _LOADERS:
        _LOADERS[key] = botocore.loaders.create_loader(search_paths)
    return _LOADERS[key]


@pytest.fixture
def moto(aws_env, monkeypatch):
    from moto import mock_aws

    monkeypatch.setattr(botocore.session, "create_loader", _shared_loader)
    with mock_aws():
        yield
