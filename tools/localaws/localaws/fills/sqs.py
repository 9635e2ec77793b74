"""SQS fills (moto 5.2.5).

- SSE: moto reports ``SqsManagedSseEnabled`` ``true`` for every queue, also one encrypted with a KMS key
  (``KmsMasterKeyId``), and still ``true`` after the key is removed (``KmsMasterKeyId`` ``''``), so a queue whose
  SSE-KMS was turned off looks encrypted by SSE-SQS. The API reference: "Only one server-side encryption option is
  supported per queue (for example, SSE-KMS or SSE-SQS)". The fill reports ``SqsManagedSseEnabled`` ``false`` for a
  queue given a KMS key (CreateQueue or SetQueueAttributes); removing the key does not turn SSE-SQS on (nothing in
  the reference says so): the queue is then unencrypted, until ``SqsManagedSseEnabled`` ``true`` is set.
- SetQueueAttributes without ``Policy`` deletes the queue's policy (moto re-sets it from the request). AWS changes
  only the attributes in the request ("Sets the value of one or more queue attributes"). The fill keeps the policy
  unless ``Policy`` is in the request (``''`` removes it).
- ``RedriveAllowPolicy`` is stored but never reported: GetQueueAttributes ``All`` leaves it out and
  GetQueueAttributes ``RedriveAllowPolicy`` fails with ``InvalidAttributeName``. The fill reports it (``All`` and by
  name) once set, and rejects a value AWS does not accept with ``InvalidAttributeValue`` (HTTP 400, message ours):
  not a JSON object, ``redrivePermission`` other than ``allowAll``/``denyAll``/``byQueue``, ``sourceQueueArns``
  without ``byQueue`` or more than 10 of them. ``''`` removes it, as for ``RedrivePolicy``.

Reference: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html,
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
"""

from __future__ import annotations

import json
from typing import Any

from moto.sqs.exceptions import SQSException
from moto.sqs.models import Queue, SQSBackend

from . import patch

REDRIVE_PERMISSIONS = ("allowAll", "denyAll", "byQueue")
MAX_SOURCE_QUEUES = 10
_ORIGINAL: dict[str, Any] = {}


def _invalid(reason: str) -> SQSException:
    return SQSException("InvalidAttributeValue", f"Invalid value for the parameter RedriveAllowPolicy. Reason: {reason}")


def _check_redrive_allow_policy(value: Any) -> None:
    if value in (None, ""):
        return
    try:
        policy = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise _invalid("the value is not valid JSON.")
    if not isinstance(policy, dict):
        raise _invalid("the value must be a JSON object.")
    permission = policy.get("redrivePermission")
    if permission not in REDRIVE_PERMISSIONS:
        raise _invalid(f"redrivePermission must be one of {', '.join(REDRIVE_PERMISSIONS)}.")
    sources = policy.get("sourceQueueArns")
    if sources is not None:
        if permission != "byQueue":
            raise _invalid("sourceQueueArns can be specified only when redrivePermission is byQueue.")
        if not isinstance(sources, list) or len(sources) > MAX_SOURCE_QUEUES:
            raise _invalid(f"sourceQueueArns must be a list of at most {MAX_SOURCE_QUEUES} queue ARNs.")


def set_attributes(self: Queue, attributes: dict[str, Any], now: float | None = None) -> None:
    _check_redrive_allow_policy(attributes.get("RedriveAllowPolicy"))
    kept_policy = getattr(self, "_policy_json", None)
    set_attributes.original(self, attributes, now)
    if "Policy" not in attributes and kept_policy is not None:
        self._policy_json = kept_policy
    if attributes.get("KmsMasterKeyId"):
        self.sqs_managed_sse_enabled = False  # type: ignore[attr-defined]
    if "RedriveAllowPolicy" in attributes:
        value = attributes["RedriveAllowPolicy"]
        self.redrive_allow_policy = (value if isinstance(value, str) else json.dumps(value)) if value else None  # type: ignore[attr-defined]


def _attributes(self: Queue) -> dict[str, Any]:
    result = _ORIGINAL["attributes"].fget(self)
    value = getattr(self, "redrive_allow_policy", None)
    if value:
        result["RedriveAllowPolicy"] = value
    else:
        result.pop("RedriveAllowPolicy", None)
    return result


def get_queue_attributes(self: SQSBackend, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
    others = [name for name in attribute_names if name != "RedriveAllowPolicy"]
    result = get_queue_attributes.original(self, queue_name, others)
    if "RedriveAllowPolicy" in attribute_names and "All" not in attribute_names:
        value = self.get_queue(queue_name).attributes.get("RedriveAllowPolicy")
        if value:
            result["RedriveAllowPolicy"] = value
    return result


def apply() -> None:
    _ORIGINAL.setdefault("attributes", Queue.__dict__["attributes"])
    patch(Queue, "_set_attributes", set_attributes)
    patch(Queue, "attributes", property(_attributes))
    patch(SQSBackend, "get_queue_attributes", get_queue_attributes)
