"""SNS fills (moto 5.2.5).

- Subscribe confirms every subscription at once. AWS: an ``email`` or ``email-json`` subscription (as an
  ``http``/``https`` one, which the platform does not use) "must be confirmed" by the recipient; until then it
  is pending. Subscribe returns ``SubscriptionArn`` "pending confirmation" for it unless
  ``ReturnSubscriptionArn`` is true; ListSubscriptions and ListSubscriptionsByTopic list it with
  ``SubscriptionArn`` ``PendingConfirmation``; GetSubscriptionAttributes shows ``PendingConfirmation``
  ``true``; subscribing the same address again keeps it pending. The fill makes new email subscriptions
  pending and reports them so (there is no mailbox to confirm them from, so they stay pending).
- GetTopicAttributes always reports 0 ``SubscriptionsConfirmed`` and ``SubscriptionsPending``; the fill
  counts them.
- Unsubscribe with something that is not an ARN (such as ``PendingConfirmation``, what a listing gives for a
  pending subscription) succeeds silently; AWS rejects it with ``InvalidParameter`` (HTTP 400) "Invalid
  parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1".

Reference: https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html,
https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html,
https://docs.aws.amazon.com/sns/latest/api/API_Unsubscribe.html,
https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.sns.exceptions import SNSInvalidParameter
from moto.sns.models import SNSBackend, Subscription
from moto.sns.responses import SNSResponse

from . import patch

CONFIRMED_BY_RECIPIENT = ("email", "email-json")
PENDING_ARN = "PendingConfirmation"  # in listings
PENDING_RESULT = "pending confirmation"  # Subscribe's answer


def _is_pending(subscription: Subscription) -> bool:
    return bool(getattr(subscription, "_localaws_pending", False))


def subscribe(self: SNSBackend, topic_arn: str, endpoint: str, protocol: str) -> Subscription:
    existing = self._find_subscription(topic_arn, endpoint, protocol)
    subscription = subscribe.original(self, topic_arn, endpoint, protocol)
    if existing is None and protocol in CONFIRMED_BY_RECIPIENT:
        subscription._localaws_pending = True  # type: ignore[attr-defined]
        subscription.attributes["PendingConfirmation"] = True
        subscription.attributes["ConfirmationWasAuthenticated"] = False
    return subscription


def _listed_arn(self: Subscription) -> str:
    """What listings show as SubscriptionArn (the serializer reads ``subscription_arn`` before ``arn``)."""
    return PENDING_ARN if _is_pending(self) else self.arn


def subscribe_response(self: SNSResponse) -> Any:
    result = subscribe_response.original(self)
    arn = result.result["SubscriptionArn"]
    subscription = self.backend.subscriptions.get(arn)
    return_arn = str(self._get_param("ReturnSubscriptionArn") or "false").lower() == "true"
    if subscription is not None and _is_pending(subscription) and not return_arn:
        return ActionResult({"SubscriptionArn": PENDING_RESULT})
    return result


def unsubscribe(self: SNSResponse) -> Any:
    arn = self._get_param("SubscriptionArn") or ""
    elements = len(arn.split(":"))
    if elements < 6:
        raise SNSInvalidParameter(f"Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not {elements}")
    return unsubscribe.original(self)


def get_topic_attributes(self: SNSResponse) -> Any:
    result = get_topic_attributes.original(self)
    attributes = result.result["Attributes"]
    subscriptions = [s for s in self.backend.subscriptions.values() if s.topic.arn == attributes["TopicArn"]]
    pending = sum(1 for s in subscriptions if _is_pending(s))
    attributes["SubscriptionsPending"] = pending
    attributes["SubscriptionsConfirmed"] = len(subscriptions) - pending
    return result


def apply() -> None:
    patch(SNSBackend, "subscribe", subscribe)
    patch(Subscription, "subscription_arn", property(_listed_arn))
    patch(SNSResponse, "subscribe", subscribe_response)
    patch(SNSResponse, "unsubscribe", unsubscribe)
    patch(SNSResponse, "get_topic_attributes", get_topic_attributes)
