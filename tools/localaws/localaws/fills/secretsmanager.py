"""Secrets Manager fills (moto 5.2.5).

- UpdateSecretVersionStage moves the AWSCURRENT label (and AWSPREVIOUS with it) but not moto's
  default version: GetSecretValue without VersionId/VersionStage, which AWS answers with the AWSCURRENT
  version, keeps returning the version AWSCURRENT was moved away from. The fill points the default version
  at the version AWSCURRENT now labels.

Reference: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
("If you move AWSCURRENT, Secrets Manager automatically moves AWSPREVIOUS to the version AWSCURRENT was
removed from") and API_GetSecretValue.html ("If you don't specify either a VersionStage or VersionId,
Secrets Manager returns the AWSCURRENT version").
"""

from __future__ import annotations

from typing import Any

from moto.secretsmanager.models import SecretsManagerBackend

from . import patch


def update_secret_version_stage(self: SecretsManagerBackend, secret_id: str, version_stage: str, *args: Any, **kwargs: Any):
    result = update_secret_version_stage.original(self, secret_id, version_stage, *args, **kwargs)
    if version_stage == "AWSCURRENT":
        secret = self.secrets[secret_id]
        current = [v for v, version in secret.versions.items() if "AWSCURRENT" in version["version_stages"]]
        if current:
            secret.set_default_version_id(current[0])
    return result


def apply() -> None:
    patch(SecretsManagerBackend, "update_secret_version_stage", update_secret_version_stage)
