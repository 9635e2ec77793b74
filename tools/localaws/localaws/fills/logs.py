"""CloudWatch Logs fills (moto 5.2.5).

- AssociateKmsKey and DisassociateKmsKey are not implemented. AWS: "Associates the specified KMS key with
  the specified log group"; the target is ``logGroupName`` or ``resourceIdentifier`` (a log group ARN
  without the trailing ``:*``, or the account's ``query-result:*`` ARN), "you must specify either ... but
  you can't specify both" (InvalidParameterException); an unknown log group is ResourceNotFoundException;
  "If you attempt to associate a KMS key with a log group but the KMS key does not exist or the KMS key is
  disabled, you receive an InvalidParameterException error"; only symmetric keys are supported.
  DescribeLogGroups then reports ``kmsKeyId`` (as given), and no longer does after DisassociateKmsKey.
- CreateLogGroup accepts any ``kmsKeyId`` (a key that does not exist, a disabled one, something that is no
  ARN); AWS answers InvalidParameterException as for AssociateKmsKey. It ignores ``logGroupClass``
  (STANDARD, INFREQUENT_ACCESS or DELIVERY; default STANDARD) and DescribeLogGroups never reports it; the
  fill keeps it and reports it, and rejects a value outside the enum (InvalidParameterException).
- PutRetentionPolicy accepts any number of days; AWS: "Possible values are: 1, 3, 5, 7, 14, 30, 60, 90,
  120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653"; others are
  InvalidParameterException (message in AWS's validation form).
- TagResource, UntagResource and ListTagsForResource accept any ARN: a log group ARN with the trailing
  ``:*`` (the form DescribeLogGroups returns as ``arn``) tags a resource that does not exist, and so does
  the ARN of a missing log group. AWS: the tagging APIs take the ARN "without a trailing :*"
  (``logGroupArn``). The fill answers InvalidParameterException for the ``:*`` form (a log group name
  cannot contain ``:`` or ``*``; the code is our reading, the reference states no error for it) and
  ResourceNotFoundException for a log group that does not exist; "You can associate as many as 50 tags
  with a CloudWatch Logs resource" (TooManyTagsException beyond).
- DeleteLogGroup leaves the group's tags behind, so a group created again under the name comes back with
  them; AWS deletes a log group with its tags.

Reference: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/ (API_AssociateKmsKey.html,
API_DisassociateKmsKey.html, API_CreateLogGroup.html, API_PutRetentionPolicy.html, API_TagResource.html,
API_LogGroup.html).
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kms.models import kms_backends
from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
from moto.logs.models import LogGroup, LogsBackend
from moto.logs.responses import LogsResponse

from . import patch

RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
LOG_GROUP_CLASSES = ("STANDARD", "INFREQUENT_ACCESS", "DELIVERY")
MAX_TAGS = 50
_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key/([A-Za-z0-9-]+)$")
_LOG_GROUP_ARN = re.compile(r"^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:(.+)$")
_QUERY_RESULT_ARN = re.compile(r"^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):query-result:\*$")


class TooManyTagsException(JsonRESTError):
    def __init__(self, arn: str) -> None:
        super().__init__("TooManyTagsException", f"A resource can have no more than {MAX_TAGS} tags: {arn}")


def _check_key(kms_key_id: Any) -> None:
    """AWS: the key must be the ARN of an existing, enabled, symmetric KMS key (InvalidParameterException)."""
    match = _KEY_ARN.match(kms_key_id) if isinstance(kms_key_id, str) else None
    if match is None:
        raise InvalidParameterException(f"Specified KMS key {kms_key_id!r} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>).")
    region, account, key_id = match.groups()
    key = kms_backends[account][region].keys.get(key_id)
    if key is None:
        raise InvalidParameterException(f"Specified KMS key {kms_key_id} does not exist.")
    if key.key_state != "Enabled":
        raise InvalidParameterException(f"Specified KMS key {kms_key_id} is not enabled (state {key.key_state}).")
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise InvalidParameterException(f"Specified KMS key {kms_key_id} is not a symmetric key; CloudWatch Logs supports only symmetric keys.")


def _target_group(response: LogsResponse) -> LogGroup | None:
    """The log group of an Associate/DisassociateKmsKey request; None for the query-result target."""
    name = response._get_param("logGroupName")
    identifier = response._get_param("resourceIdentifier")
    if bool(name) == bool(identifier):
        raise InvalidParameterException("Specify either logGroupName or resourceIdentifier, but not both.")
    if identifier:
        if _QUERY_RESULT_ARN.match(identifier):
            return None
        match = _LOG_GROUP_ARN.match(identifier)
        if match is None or match.group(3).endswith(":*"):
            raise InvalidParameterException(
                f"resourceIdentifier {identifier!r} must be a log group ARN without the trailing ':*' or the query-result ARN."
            )
        name = match.group(3)
    group = response.logs_backend.groups.get(name)
    if group is None:
        raise ResourceNotFoundException()
    return group


def associate_kms_key(self: LogsResponse) -> str:
    kms_key_id = self._get_param("kmsKeyId")
    group = _target_group(self)
    _check_key(kms_key_id)
    if group is None:
        self.logs_backend.query_result_kms_key_id = kms_key_id  # type: ignore[attr-defined]
    else:
        group.kms_key_id = kms_key_id
    return ""


def disassociate_kms_key(self: LogsResponse) -> str:
    group = _target_group(self)
    if group is None:
        self.logs_backend.query_result_kms_key_id = None  # type: ignore[attr-defined]
    else:
        group.kms_key_id = None
    return ""


def create_log_group(self: LogsResponse) -> str:
    kms_key_id = self._get_param("kmsKeyId")
    log_group_class = self._get_param("logGroupClass") or "STANDARD"
    if log_group_class not in LOG_GROUP_CLASSES:
        raise InvalidParameterException(
            constraint="Member must satisfy enum value set: [{0}]".format(", ".join(LOG_GROUP_CLASSES)),
            parameter="logGroupClass",
            value=log_group_class,
        )
    if kms_key_id is not None:
        _check_key(kms_key_id)
    result = create_log_group.original(self)
    self.logs_backend.groups[self._get_param("logGroupName")].log_group_class = log_group_class
    return result


def to_describe_dict(self: LogGroup) -> dict[str, Any]:
    described = to_describe_dict.original(self)
    described["logGroupClass"] = getattr(self, "log_group_class", "STANDARD")
    return described


def put_retention_policy(self: LogsBackend, log_group_name: str, retention_in_days: Any) -> None:
    if isinstance(retention_in_days, bool) or retention_in_days not in RETENTION_DAYS:
        raise InvalidParameterException(
            constraint="Member must satisfy enum value set: [{0}]".format(", ".join(str(days) for days in RETENTION_DAYS)),
            parameter="retentionInDays",
            value=retention_in_days,
        )
    put_retention_policy.original(self, log_group_name, retention_in_days)


def delete_log_group(self: LogsBackend, log_group_name: str) -> None:
    group = self.groups.get(log_group_name)
    delete_log_group.original(self, log_group_name)
    if group is not None:
        self.tagger.delete_all_tags_for_resource(group.arn)


def _check_tag_target(response: LogsResponse, arn: Any) -> None:
    match = _LOG_GROUP_ARN.match(arn) if isinstance(arn, str) else None
    if match is None:
        return  # destinations and the rest: moto's behaviour
    name = match.group(3)
    if name.endswith(":*"):
        raise InvalidParameterException(
            f"resourceArn {arn} is a log group ARN with the trailing ':*'; the tagging APIs take the ARN without it (logGroupArn)."
        )
    group = response.logs_backend.groups.get(name)
    if group is None or group.arn != arn:
        raise ResourceNotFoundException()


def tag_resource(self: LogsResponse) -> str:
    arn = self._get_param("resourceArn")
    _check_tag_target(self, arn)
    tags = self._get_param("tags") or {}
    if len(set(self.logs_backend.list_tags_for_resource(arn)) | set(tags)) > MAX_TAGS:
        raise TooManyTagsException(arn)
    return tag_resource.original(self)


def untag_resource(self: LogsResponse) -> str:
    _check_tag_target(self, self._get_param("resourceArn"))
    return untag_resource.original(self)


def list_tags_for_resource(self: LogsResponse) -> str:
    _check_tag_target(self, self._get_param("resourceArn"))
    return list_tags_for_resource.original(self)


def apply() -> None:
    patch(LogsResponse, "associate_kms_key", associate_kms_key)
    patch(LogsResponse, "disassociate_kms_key", disassociate_kms_key)
    patch(LogsResponse, "create_log_group", create_log_group)
    patch(LogGroup, "to_describe_dict", to_describe_dict)
    patch(LogsBackend, "put_retention_policy", put_retention_policy)
    patch(LogsBackend, "delete_log_group", delete_log_group)
    patch(LogsResponse, "tag_resource", tag_resource)
    patch(LogsResponse, "untag_resource", untag_resource)
    patch(LogsResponse, "list_tags_for_resource", list_tags_for_resource)

