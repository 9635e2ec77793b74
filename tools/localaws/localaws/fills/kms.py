"""KMS fills (moto 5.2.5).

- ScheduleKeyDeletion and CancelKeyDeletion with a key ARN (which the AWS API reference allows for
  KeyId, and which amazon.aws kms_key sends) fail with HTTP 500: moto looks the ARN up as a bare key id.
  The fill resolves the ARN first. A window outside 7..30 days is rejected with ValidationException, as
  AWS does, instead of moto's silent no-op.

Reference: https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
"""

from __future__ import annotations

from moto.kms.exceptions import ValidationException
from moto.kms.models import KmsBackend

from . import patch


def schedule_key_deletion(self: KmsBackend, key_id: str, pending_window_in_days: int) -> float:
    if not 7 <= int(pending_window_in_days) <= 30:
        raise ValidationException(
            f"1 validation error detected: Value '{pending_window_in_days}' at 'pendingWindowInDays' failed to "
            "satisfy constraint: Member must have value less than or equal to 30 and greater than or equal to 7"
        )
    return schedule_key_deletion.original(self, self.get_key_id(key_id), int(pending_window_in_days))


def cancel_key_deletion(self: KmsBackend, key_id: str) -> None:
    return cancel_key_deletion.original(self, self.get_key_id(key_id))


def apply() -> None:
    patch(KmsBackend, "schedule_key_deletion", schedule_key_deletion)
    patch(KmsBackend, "cancel_key_deletion", cancel_key_deletion)
