"""EFS fills (moto 5.2.5).

- DescribeTags / CreateTags / DeleteTags (the original tagging API that
  community.aws ``efs`` uses) have no route in moto (HTTP 404).
- PutBackupPolicy is not implemented (HTTP 500).
- UpdateFileSystem is not implemented (HTTP 500).
- CreateMountTarget without SecurityGroups records none (DescribeMountTargetSecurityGroups then
  has no SecurityGroups key); AWS uses the VPC's default security group.
- CreateAccessPoint accepts an unknown FileSystemId and a ClientToken that a live access point
  already used; DeleteAccessPoint of an unknown id succeeds.
- PutLifecycleConfiguration accepts a LifecyclePolicy object with several transitions.
- DeleteFileSystemPolicy is not implemented (HTTP 500).

Reference: https://docs.aws.amazon.com/efs/latest/ug/api-reference.html
"""

from __future__ import annotations

import json
from typing import Any

from moto.ec2.exceptions import InvalidSubnetIdError
from moto.efs import models as efs_models
from moto.efs import responses as efs_responses
from moto.efs import urls as efs_urls
from moto.efs.exceptions import AccessPointNotFound, BadRequest, EFSError, FileSystemNotFound

from ..model import MODEL, timed_attribute
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


class AccessPointAlreadyExists(EFSError):
    code = 409

    def __init__(self, access_point_id: str):
        super().__init__("AccessPointAlreadyExists", f"Access point {access_point_id} already exists with this client token.")
        # The AccessPointAlreadyExists shape carries the id of the existing access point.
        self.description = json.dumps(
            {"__type": "AccessPointAlreadyExists", "ErrorCode": "AccessPointAlreadyExists", "Message": self.message, "AccessPointId": access_point_id}
        )


def create_mount_target(self: Any, file_system_id: str, subnet_id: str, ip_address: str | None = None, security_groups: list[str] | None = None):
    if not security_groups:
        # "If you don't specify a security group, EFS uses the default security group for the subnet's VPC."
        try:
            subnet = self.ec2_backend.get_subnet(subnet_id)
        except InvalidSubnetIdError:  # the original answers SubnetNotFound
            subnet = None
        if subnet is not None:
            default = self.ec2_backend.get_default_security_group(subnet.vpc_id)
            if default is not None:
                security_groups = [default.id]
    return create_mount_target.original(self, file_system_id, subnet_id, ip_address, security_groups)


def create_access_point(self: Any, client_token: str, tags: Any, file_system_id: str, posix_user: Any, root_directory: Any):
    if file_system_id not in self.file_systems_by_id:
        raise FileSystemNotFound(file_system_id)
    for access_point in self.access_points.values():
        if access_point.client_token == client_token:
            raise AccessPointAlreadyExists(access_point.access_point_id)
    return create_access_point.original(self, client_token, tags, file_system_id, posix_user, root_directory)


def delete_access_point(self: Any, access_point_id: str) -> None:
    if access_point_id not in self.access_points:
        raise AccessPointNotFound(access_point_id)
    delete_access_point.original(self, access_point_id)


def put_lifecycle_configuration(self: Any, file_system_id: str, policies: Any) -> None:
    # "EFS requires that each LifecyclePolicy object have only a single transition."
    for policy in policies or []:
        if len([value for value in policy.values() if value is not None]) != 1:
            raise BadRequest("Each LifecyclePolicy object must have exactly one transition.")
    put_lifecycle_configuration.original(self, file_system_id, policies)


def delete_file_system_policy(self: Response) -> Any:
    """Removes the file system's policy; EFS then grants the default access again. Unknown id: FileSystemNotFound."""
    file_system = _file_system(self, self._get_param("FileSystemId"))
    file_system.file_system_policy = None
    return 200, _JSON, ""


def apply() -> None:
    for route in _ROUTES:
        efs_urls.url_paths.setdefault(route, efs_urls.response.dispatch)
    patch(Response, "describe_tags", describe_tags)
    patch(Response, "create_tags", create_tags)
    patch(Response, "delete_tags", delete_tags)
    patch(Response, "put_backup_policy", put_backup_policy)
    patch(Response, "update_file_system", update_file_system)
    patch(Response, "delete_file_system_policy", delete_file_system_policy)
    patch(efs_models.FileSystem, "backup_policy", property(backup_policy))
    patch(efs_models.EFSBackend, "create_mount_target", create_mount_target)
    patch(efs_models.EFSBackend, "create_access_point", create_access_point)
    patch(efs_models.EFSBackend, "delete_access_point", delete_access_point)
    patch(efs_models.EFSBackend, "put_lifecycle_configuration", put_lifecycle_configuration)
    apply_latency_model()


# --------------------------------------------------------------------------- latency model
# A mount target is "creating" after CreateMountTarget, then "available"; DeleteMountTarget "returns while the mount
# target state is still deleting" (API reference), and until it is gone DeleteFileSystem answers FileSystemInUse
# ("if the file system has any mount targets, you must first delete them"; moto's own check).


def create_mount_target_in_time(self: Any, *args: Any, **kwargs: Any) -> Any:
    mount_target = create_mount_target_in_time.original(self, *args, **kwargs)
    MODEL.start(mount_target, "life_cycle_state", [("creating", "mount_target.creating")], final="available")
    return mount_target


def delete_mount_target_in_time(self: Any, mount_target_id: str) -> None:
    mount_target = self.mount_targets_by_id.get(mount_target_id)
    if mount_target is None or not MODEL.enabled:
        return delete_mount_target_in_time.original(self, mount_target_id)
    if MODEL.busy(mount_target, "life_cycle_state") == "deleting":
        return None  # already being deleted
    mount_target.life_cycle_state = "deleting"
    MODEL.start(
        mount_target, "life_cycle_state", [("deleting", "mount_target.deleting")],
        on_done=lambda: delete_mount_target_in_time.original(self, mount_target_id),
    )
    return None


def mount_target_info_json(self: Any) -> dict[str, Any]:
    info = mount_target_info_json.original(self)  # built from the instance dict: the stored, not the timed, state
    info["LifeCycleState"] = self.life_cycle_state
    return info


def apply_latency_model() -> None:
    timed_attribute(efs_models.MountTarget, "life_cycle_state")
    patch(efs_models.MountTarget, "info_json", mount_target_info_json, layer="latency")
    patch(efs_models.EFSBackend, "create_mount_target", create_mount_target_in_time, layer="latency")
    patch(efs_models.EFSBackend, "delete_mount_target", delete_mount_target_in_time, layer="latency")
