"""EFS fills (moto 5.2.5).

- DescribeTags / CreateTags / DeleteTags (the original tagging API that
  community.aws ``efs`` uses) have no route in moto (HTTP 404).
- PutBackupPolicy is not implemented (HTTP 500).
- UpdateFileSystem is not implemented (HTTP 500).

Reference: https://docs.aws.amazon.com/efs/latest/ug/api-reference.html
"""

from __future__ import annotations

import json
from typing import Any

from moto.efs import models as efs_models
from moto.efs import responses as efs_responses
from moto.efs import urls as efs_urls
from moto.efs.exceptions import BadRequest, FileSystemNotFound

from . import patch

Response = efs_responses.EFSResponse

DESCRIBE_TAGS_DEFAULT_MAX_ITEMS = 100  # DescribeTags MaxItems: "The default value is 100."
_ROUTES = (
    "{0}/2015-02-01/tags/<file_system_id>/",
    "{0}/2015-02-01/create-tags/<file_system_id>",
    "{0}/2015-02-01/delete-tags/<file_system_id>",
)
_JSON = {"Content-Type": "application/json"}


def _file_system(self: Response, file_system_id: str) -> Any:
    fs = self.efs_backend.file_systems_by_id.get(file_system_id)
    if fs is None:
        raise FileSystemNotFound(file_system_id)
    return fs


def _body(self: Response) -> dict[str, Any]:
    try:
        return json.loads(self.body or "{}")
    except ValueError:
        raise BadRequest("Request body is not valid JSON.")


def describe_tags(self: Response):
    file_system_id = self._get_param("FileSystemId")
    _file_system(self, file_system_id)
    max_items_raw = self.querystring.get("MaxItems", [None])[0]
    marker = self.querystring.get("Marker", [None])[0]
    try:
        max_items = int(max_items_raw) if max_items_raw is not None else DESCRIBE_TAGS_DEFAULT_MAX_ITEMS
    except ValueError:
        raise BadRequest(f"Invalid MaxItems: {max_items_raw}")
    if max_items < 1:
        raise BadRequest("MaxItems must be greater than 0.")
    tags = self.efs_backend.list_tags_for_resource(file_system_id)
    start = 0
    if marker is not None:
        # Our marker is the offset of the next tag; anything else is not ours.
        if not marker.isdigit() or int(marker) > len(tags):
            raise BadRequest("Invalid Marker")
        start = int(marker)
    page = tags[start : start + max_items]
    resp: dict[str, Any] = {"Tags": page}
    if marker is not None:
        resp["Marker"] = marker
    if start + max_items < len(tags):
        resp["NextMarker"] = str(start + max_items)
    return 200, _JSON, json.dumps(resp)


def create_tags(self: Response):
    file_system_id = self._get_param("FileSystemId")
    _file_system(self, file_system_id)
    tags = _body(self).get("Tags")
    if tags is None:
        raise BadRequest("Tags is required.")
    self.efs_backend.tagging_service.tag_resource(file_system_id, tags)
    return 204, _JSON, ""


def delete_tags(self: Response):
    file_system_id = self._get_param("FileSystemId")
    _file_system(self, file_system_id)
    keys = _body(self).get("TagKeys")
    if keys is None:
        raise BadRequest("TagKeys is required.")
    self.efs_backend.tagging_service.untag_resource_using_names(file_system_id, keys)
    return 204, _JSON, ""


def put_backup_policy(self: Response):
    file_system_id = self._get_param("FileSystemId")
    fs = _file_system(self, file_system_id)
    status = (_body(self).get("BackupPolicy") or {}).get("Status")
    if status not in ("ENABLED", "DISABLED"):
        raise BadRequest("BackupPolicy.Status must be ENABLED or DISABLED.")
    fs._backup = status == "ENABLED"
    fs._backup_policy_set = True
    return 200, _JSON, json.dumps({"BackupPolicy": {"Status": status}})


def backup_policy(self: Any) -> dict[str, str] | None:
    # Once PutBackupPolicy has been called, DescribeBackupPolicy reports DISABLED too.
    if self._backup:
        return {"Status": "ENABLED"}
    if getattr(self, "_backup_policy_set", False):
        return {"Status": "DISABLED"}
    return None


def update_file_system(self: Response):
    file_system_id = self._get_param("FileSystemId")
    fs = _file_system(self, file_system_id)
    body = _body(self)
    mode = body.get("ThroughputMode")
    mibps = body.get("ProvisionedThroughputInMibps")
    if mode is not None and mode not in ("bursting", "provisioned", "elastic"):
        raise BadRequest(f"Invalid ThroughputMode: {mode}")
    effective_mode = mode or fs.throughput_mode
    if effective_mode == "provisioned" and mibps is None and fs.provisioned_throughput_in_mibps is None:
        raise BadRequest("ProvisionedThroughputInMibps is required when ThroughputMode is provisioned.")
    if mibps is not None and effective_mode != "provisioned":
        raise BadRequest("ProvisionedThroughputInMibps can only be set when ThroughputMode is provisioned.")
    if mode is not None:
        fs.throughput_mode = mode
        if mode != "provisioned":
            fs.provisioned_throughput_in_mibps = None
    if mibps is not None:
        fs.provisioned_throughput_in_mibps = mibps
    return 202, _JSON, json.dumps(fs.info_json())


def apply() -> None:
    for route in _ROUTES:
        efs_urls.url_paths.setdefault(route, efs_urls.response.dispatch)
    patch(Response, "describe_tags", describe_tags)
    patch(Response, "create_tags", create_tags)
    patch(Response, "delete_tags", delete_tags)
    patch(Response, "put_backup_policy", put_backup_policy)
    patch(Response, "update_file_system", update_file_system)
    patch(efs_models.FileSystem, "backup_policy", property(backup_policy))
