# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cross-field checks of the platform's inputs, run by preflight before any changing call.

Types and choices are checked by the roles' argument_specs; these checks cover what a spec cannot say:
forms, ranges that depend on other inputs, and relations between inputs. Every message names the
variable and the allowed form, so a person can act on it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from urllib.parse import urlsplit

from ansible_collections.streamflix.media_platform.plugins.module_utils.cloudwatch_logs import RETENTION_DAYS
from ansible_collections.streamflix.media_platform.plugins.module_utils.naming import suffix_errors

ENVIRONMENTS = ("local", "dev", "staging", "prod")
# The only values CloudWatch Logs accepts for a retention policy (PutRetentionPolicy).
LOG_RETENTION_DAYS = RETENTION_DAYS
# \Z, not $: "$" also matches before a trailing newline, so "123456789012\n" would pass.
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+\Z")
ACCOUNT_PATTERN = re.compile(r"^\d{12}\Z")
RESERVED_TAG_KEYS = ("Project", "Environment", "ManagedBy", "Name")
# AWS VPC and subnet CIDR blocks must be between /16 and /28.
MIN_PREFIX, MAX_PREFIX = 16, 28


def _network(value, variable):
    """Parse a CIDR block, returning (network, error)."""
    try:
        network = ipaddress.ip_network(str(value), strict=True)
    except ValueError as exc:
        return None, "{0}: {1!r} is not an IPv4 CIDR block such as 10.20.0.0/16 ({2}).".format(variable, value, exc)
    if network.version != 4:
        return None, "{0}: {1!r} must be an IPv4 CIDR block such as 10.20.0.0/16.".format(variable, value)
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        return None, "{0}: {1!r} must have a prefix length between /{2} and /{3}.".format(
            variable, value, MIN_PREFIX, MAX_PREFIX
        )
    return network, None


def network_errors(vpc_cidr, public_cidrs, private_cidrs, az_count):
    errors = []
    vpc, error = _network(vpc_cidr, "streamflix_vpc_cidr")
    if error:
        return [error]
    subnets = []
    for variable, cidrs in (("streamflix_public_subnet_cidrs", public_cidrs), ("streamflix_private_subnet_cidrs", private_cidrs)):
        if not isinstance(cidrs, list) or len(cidrs) < az_count:
            errors.append(
                "{0} must be a list of at least streamflix_az_count ({1}) CIDR blocks, one per AZ; got {2!r}.".format(
                    variable, az_count, cidrs
                )
            )
            continue
        for index, cidr in enumerate(cidrs[:az_count]):
            label = "{0}[{1}]".format(variable, index)
            subnet, error = _network(cidr, label)
            if error:
                errors.append(error)
            elif not subnet.subnet_of(vpc):
                errors.append("{0}: {1} is not inside streamflix_vpc_cidr {2}.".format(label, subnet, vpc))
            else:
                subnets.append((label, subnet))
    for position, (label, subnet) in enumerate(subnets):
        for other_label, other in subnets[position + 1:]:
            if subnet.overlaps(other):
                errors.append("{0} ({1}) overlaps {2} ({3}); subnets must not overlap.".format(label, subnet, other_label, other))
    return errors


def tag_errors(extra_tags):
    if not isinstance(extra_tags, dict):
        return ["streamflix_extra_tags must be a mapping of tag keys to string values; got {0!r}.".format(extra_tags)]
    errors = []
    for key, value in extra_tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            errors.append("streamflix_extra_tags: key {0!r} must be 1-128 characters and not start with 'aws:'.".format(key))
        elif key in RESERVED_TAG_KEYS:
            errors.append("streamflix_extra_tags: key {0!r} is set by the platform; reserved keys are {1}.".format(key, ", ".join(RESERVED_TAG_KEYS)))
        if not isinstance(value, str) or len(value) > 256:
            errors.append("streamflix_extra_tags[{0!r}] must be a string of at most 256 characters; got {1!r}.".format(key, value))
    return errors


def _int_in_range(value, variable, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return ["{0} must be an integer from {1} to {2}; got {3!r}.".format(variable, low, high, value)]
    return []


DAILY_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d\Z")
WEEKLY_WINDOW = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d\Z")


def _acu(value, variable, low):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= 256 or (value * 2) != int(value * 2):
        return ["{0} must be a number of Aurora capacity units from {1} to 256 in steps of 0.5; got {2!r}.".format(variable, low, value)]
    return []


def _window(value, variable, pattern, form):
    if not isinstance(value, str) or not pattern.match(value):
        return ["{0} must look like {1} (UTC); got {2!r}.".format(variable, form, value)]
    return []


def data_errors(inputs):
    """The data tier's sizes, counts and windows (only those given are checked)."""
    errors = []
    if "streamflix_db_min_acu" in inputs:
        minimum, maximum = inputs.get("streamflix_db_min_acu"), inputs.get("streamflix_db_max_acu")
        acu_errors = _acu(minimum, "streamflix_db_min_acu", 0) + _acu(maximum, "streamflix_db_max_acu", 1)
        if not acu_errors and minimum > maximum:
            acu_errors.append("streamflix_db_min_acu ({0}) must not exceed streamflix_db_max_acu ({1}).".format(minimum, maximum))
        errors += acu_errors
        errors += _int_in_range(inputs.get("streamflix_db_reader_count"), "streamflix_db_reader_count", 0, 15)
        errors += _int_in_range(inputs.get("streamflix_db_backup_retention_days"), "streamflix_db_backup_retention_days", 7, 35)
        errors += _window(inputs.get("streamflix_db_backup_window"), "streamflix_db_backup_window", DAILY_WINDOW, "03:00-04:00")
        errors += _window(inputs.get("streamflix_db_maintenance_window"), "streamflix_db_maintenance_window", WEEKLY_WINDOW, "sun:04:30-sun:05:30")
    if "streamflix_cache_nodes" in inputs:
        errors += _int_in_range(inputs.get("streamflix_cache_nodes"), "streamflix_cache_nodes", 2, 6)
        errors += _int_in_range(inputs.get("streamflix_cache_snapshot_retention_days"), "streamflix_cache_snapshot_retention_days", 1, 35)
        errors += _window(inputs.get("streamflix_cache_snapshot_window"), "streamflix_cache_snapshot_window", DAILY_WINDOW, "02:00-03:00")
        errors += _window(inputs.get("streamflix_cache_maintenance_window"), "streamflix_cache_maintenance_window", WEEKLY_WINDOW, "sun:05:30-sun:06:30")
    return errors


# Fargate task sizes: CPU units -> the memory (MiB) AWS accepts with it (task size table of the ECS guide).
FARGATE_MEMORY = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
STAGE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}\Z")
HEADER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,64}\Z")
CERTIFICATE_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):[0-9]{12}:certificate/[A-Za-z0-9-]+\Z")


def _given(inputs, *names):
    """Whether the inventory sets these variables (preflight passes '' for one it does not; the role default applies)."""
    return all(inputs.get(name, "") != "" for name in names)


def _number_in_range(value, variable, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        return ["{0} must be a number from {1} to {2}; got {3!r}.".format(variable, low, high, value)]
    return []


def compute_errors(inputs):
    """Task size, task counts and scaling targets of the Fargate service (only those given are checked)."""
    errors = []
    if _given(inputs, "streamflix_ecs_cpu", "streamflix_ecs_memory"):
        cpu, memory = inputs["streamflix_ecs_cpu"], inputs["streamflix_ecs_memory"]
        if cpu not in FARGATE_MEMORY or isinstance(cpu, bool):
            errors.append("streamflix_ecs_cpu must be one of the Fargate CPU sizes {0}; got {1!r}.".format(
                ", ".join(str(size) for size in FARGATE_MEMORY), cpu))
        elif memory not in FARGATE_MEMORY[cpu] or isinstance(memory, bool):
            allowed = FARGATE_MEMORY[cpu]
            errors.append("streamflix_ecs_memory must be a memory size Fargate allows with streamflix_ecs_cpu={0}: {1} to {2} MiB "
                          "in steps of {3}; got {4!r}.".format(cpu, allowed[0], allowed[-1], allowed[1] - allowed[0], memory))
    if _given(inputs, "streamflix_ecs_min_tasks", "streamflix_ecs_max_tasks"):
        minimum, maximum = inputs["streamflix_ecs_min_tasks"], inputs["streamflix_ecs_max_tasks"]
        count_errors = _int_in_range(minimum, "streamflix_ecs_min_tasks", 0, 1000) + _int_in_range(maximum, "streamflix_ecs_max_tasks", 1, 1000)
        if not count_errors and minimum > maximum:
            count_errors.append("streamflix_ecs_min_tasks ({0}) must not exceed streamflix_ecs_max_tasks ({1}).".format(minimum, maximum))
        errors += count_errors
    for variable in ("streamflix_ecs_cpu_target", "streamflix_ecs_memory_target"):
        if _given(inputs, variable):
            errors += _number_in_range(inputs[variable], variable + " (percent)", 1, 100)
    if _given(inputs, "streamflix_ecs_requests_per_target"):
        errors += _int_in_range(inputs["streamflix_ecs_requests_per_target"], "streamflix_ecs_requests_per_target", 1, 1000000)
    return errors


def streaming_errors(inputs):
    """The Kinesis stream and the SQS queues, in the ranges their APIs accept (only those given are checked)."""
    errors = []
    if _given(inputs, "streamflix_kinesis_stream_mode"):
        mode = inputs["streamflix_kinesis_stream_mode"]
        if mode not in ("PROVISIONED", "ON_DEMAND"):
            errors.append("streamflix_kinesis_stream_mode must be PROVISIONED or ON_DEMAND; got {0!r}.".format(mode))
        elif mode == "PROVISIONED" and _given(inputs, "streamflix_kinesis_shards"):
            errors += _int_in_range(inputs["streamflix_kinesis_shards"], "streamflix_kinesis_shards", 1, 10000)
    ranges = (
        ("streamflix_kinesis_retention_hours", 24, 8760),
        ("streamflix_sqs_visibility_timeout", 0, 43200),
        ("streamflix_sqs_max_receive_count", 1, 1000),
    )
    for variable, low, high in ranges:
        if _given(inputs, variable):
            errors += _int_in_range(inputs[variable], variable, low, high)
    return errors


def edge_errors(inputs):
    """API stage, throttling, WAF and alarm e-mail inputs (only those given are checked)."""
    errors = []
    if _given(inputs, "streamflix_api_stage_name"):
        name = inputs["streamflix_api_stage_name"]
        if not isinstance(name, str) or not STAGE_NAME_PATTERN.match(name):
            errors.append("streamflix_api_stage_name must be 1 to 128 letters, digits, '-' or '_'; got {0!r}.".format(name))
    if _given(inputs, "streamflix_api_throttle_burst"):
        errors += _int_in_range(inputs["streamflix_api_throttle_burst"], "streamflix_api_throttle_burst", 0, 1000000)
    if _given(inputs, "streamflix_api_throttle_rate"):
        errors += _number_in_range(inputs["streamflix_api_throttle_rate"], "streamflix_api_throttle_rate", 0, 1000000)
    if inputs.get("streamflix_waf_enabled") is True and _given(inputs, "streamflix_waf_rate_limit"):
        errors += _int_in_range(inputs["streamflix_waf_rate_limit"], "streamflix_waf_rate_limit", 10, 2000000000)
    if _given(inputs, "streamflix_origin_verify_header"):
        header = inputs["streamflix_origin_verify_header"]
        if not isinstance(header, str) or not HEADER_NAME_PATTERN.match(header):
            errors.append("streamflix_origin_verify_header must be an HTTP header name (letters, digits, '-'); got {0!r}.".format(header))
    if inputs.get("streamflix_certificate_arn"):
        arn = inputs["streamflix_certificate_arn"]
        match = CERTIFICATE_ARN_PATTERN.match(arn) if isinstance(arn, str) else None
        if match is None or match.group("region") != inputs.get("streamflix_region"):
            errors.append(
                "streamflix_certificate_arn must be empty or an ACM certificate ARN in streamflix_region "
                "(arn:aws:acm:{0}:<account>:certificate/<id>); got {1!r}.".format(inputs.get("streamflix_region"), arn)
            )
    if _given(inputs, "streamflix_alarm_emails"):
        emails = inputs["streamflix_alarm_emails"]
        bad = [email for email in emails if not isinstance(email, str) or not EMAIL_PATTERN.match(email)] if isinstance(emails, list) else [emails]
        if bad:
            errors.append("streamflix_alarm_emails must be a list of e-mail addresses such as ops@example.com; got {0!r}.".format(bad))
    return errors


def input_errors(inputs):
    """Every problem with the platform's inputs; an empty list means preflight may go on."""
    errors = []
    environment = inputs.get("streamflix_environment")
    if environment not in ENVIRONMENTS:
        errors.append("streamflix_environment must be one of {0}; got {1!r}.".format(", ".join(ENVIRONMENTS), environment))
    errors += suffix_errors(inputs.get("streamflix_env_suffix"))
    region = inputs.get("streamflix_region")
    if not isinstance(region, str) or not REGION_PATTERN.match(region):
        errors.append("streamflix_region must be an AWS region name such as eu-west-2; got {0!r}.".format(region))
    account = inputs.get("streamflix_aws_account_id")
    if environment != "local" or account not in (None, ""):
        if not isinstance(account, str) or not ACCOUNT_PATTERN.match(account):
            errors.append(
                "streamflix_aws_account_id must be the 12-digit id of the target account, quoted as a string; got {0!r}.".format(account)
            )
    az_errors = _int_in_range(inputs.get("streamflix_az_count"), "streamflix_az_count", 2, 6)
    errors += az_errors
    if not az_errors:
        errors += network_errors(
            inputs.get("streamflix_vpc_cidr"),
            inputs.get("streamflix_public_subnet_cidrs"),
            inputs.get("streamflix_private_subnet_cidrs"),
            inputs["streamflix_az_count"],
        )
    if inputs.get("streamflix_nat_mode") not in ("single", "per_az"):
        errors.append("streamflix_nat_mode must be 'single' or 'per_az'; got {0!r}.".format(inputs.get("streamflix_nat_mode")))
    retention = inputs.get("streamflix_log_retention_days")
    if retention not in LOG_RETENTION_DAYS or isinstance(retention, bool):
        errors.append(
            "streamflix_log_retention_days must be one of the values CloudWatch Logs accepts ({0}); got {1!r}.".format(
                ", ".join(str(days) for days in LOG_RETENTION_DAYS), retention
            )
        )
    errors += _int_in_range(inputs.get("streamflix_app_port"), "streamflix_app_port", 1, 65535)
    errors += _int_in_range(inputs.get("streamflix_kms_deletion_window_days"), "streamflix_kms_deletion_window_days", 7, 30)
    errors += tag_errors(inputs.get("streamflix_extra_tags", {}))
    window = inputs.get("streamflix_secret_recovery_window_days", 0)
    if (window != 0 or isinstance(window, bool)) and _int_in_range(window, "streamflix_secret_recovery_window_days", 7, 30):
        errors.append("streamflix_secret_recovery_window_days must be 0 (delete at once) or from 7 to 30; got {0!r}.".format(window))
    errors += data_errors(inputs)
    errors += compute_errors(inputs) + streaming_errors(inputs) + edge_errors(inputs)
    if not isinstance(inputs.get("streamflix_protected"), bool):
        errors.append("streamflix_protected must be true or false; got {0!r}.".format(inputs.get("streamflix_protected")))
    return errors


def target_errors(environment, expected_account, actual_account, az_count, available_azs):
    """Checks of the AWS target itself: the right account, and enough AZs in the region."""
    errors = []
    if environment != "local" and expected_account != actual_account:
        errors.append(
            "The credentials reach AWS account {0}, but streamflix_aws_account_id is {1} for environment {2}, so nothing "
            "was touched in the wrong account: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to "
            "credentials of account {1}, or correct streamflix_aws_account_id, and run again.".format(
                actual_account, expected_account, environment
            )
        )
    if len(available_azs) < az_count:
        errors.append(
            "streamflix_az_count is {0}, but the region offers only {1} available AZs ({2}).".format(
                az_count, len(available_azs), ", ".join(available_azs)
            )
        )
    return errors


# Host names that mean this machine without a DNS lookup (RFC 6761 reserves localhost and *.localhost).
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def is_loopback_url(url):
    """Whether an endpoint URL (or a bare host[:port]) names this machine: 127.0.0.0/8, ::1, 0.0.0.0, localhost."""
    text = str(url).strip()
    try:
        host = urlsplit(text if "//" in text else "//" + text).hostname
    except ValueError:  # not a URL at all (an unclosed IPv6 bracket): boto3 would refuse it, not call this machine
        return False
    if not host:
        return False
    host = host.lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or address.is_unspecified or bool(mapped and mapped.is_loopback)


def endpoint_errors(environment, inventory_endpoint, environ):
    """Outside local, refuse an AWS endpoint on this machine (a running localaws would answer for AWS).

    boto3 sends every call to AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) when it is set, and the
    playbooks to streamflix_aws_endpoint_url; `make` sets the first for ENV=local only, the local inventory the second.
    """
    if environment == "local":
        return []
    sources = [("streamflix_aws_endpoint_url", "the inventory or -e", inventory_endpoint)]
    # botocore reads no endpoint from the environment when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
    if str(environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "")).lower() != "true":
        sources += sorted(
            (name, "the environment", value) for name, value in environ.items() if name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_")
        )
    return [
        "{0} is {1}, a loopback address, but environment {2} is real AWS: unset {0} (set in {3}; it is for "
        "the local environment only) and run again.".format(name, value, environment, where)
        for name, where, value in sources
        if value and is_loopback_url(value)
    ]


# What the local AWS is started with (Makefile): `make localaws-up` in the background, `make localaws` in a terminal.
LOCALAWS_DEFAULT_PORT = 4566
# GetCallerIdentity's answers when AWS does not accept the credentials themselves, and when they are out of date.
REFUSED_CREDENTIAL_CODES = (
    "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidAccessKeyId",
    "AuthFailure", "IncompleteSignature", "MissingAuthenticationToken", "AccessDenied",
)
EXPIRED_CREDENTIAL_CODES = ("ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired")
# botocore's exceptions (class names, so that this file needs no botocore): resolving credentials, reaching the endpoint.
MISSING_CREDENTIAL_ERRORS = ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError")
EXPIRED_CREDENTIAL_ERRORS = ("TokenRetrievalError", "SSOTokenLoadError", "UnauthorizedSSOTokenError", "SSOError")
CONNECTION_ERRORS = ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError", "ProxyConnectionError")


def localaws_start_hint(endpoint):
    """`make localaws-up`, with LOCALAWS_PORT when the endpoint names another port than the Makefile's default."""
    try:
        port = urlsplit(str(endpoint) if "//" in str(endpoint) else "//" + str(endpoint)).port
    except ValueError:
        port = None
    option = " LOCALAWS_PORT={0}".format(port) if port not in (None, LOCALAWS_DEFAULT_PORT) else ""
    return "`make localaws-up{0}` (or `make localaws{0}` in another terminal)".format(option)


def local_unreachable_message(endpoint):
    """The one sentence for a local run when nothing answers at the local AWS endpoint."""
    return (
        "Nothing answers at {0}, the local AWS of environment local: start it with {1} and run again, or point "
        "AWS_ENDPOINT_URL at the localaws you started; nothing was changed.".format(endpoint, localaws_start_hint(endpoint))
    )


def _account(expected_account):
    return "account {0}".format(expected_account) if expected_account else "the environment's account (streamflix_aws_account_id)"


def profile_missing_message(environment, expected_account, profile):
    """The one sentence for an AWS profile (AWS_PROFILE, or the profile option) that the AWS config files lack."""
    return (
        "The AWS profile {0!r} (AWS_PROFILE) is in neither the AWS config nor the credentials file: set AWS_PROFILE to "
        "a profile of {1} for environment {2} (`aws configure sso` makes one) and run again; nothing was changed.".format(
            profile, _account(expected_account), environment
        )
    )


def caller_error_message(environment, expected_account, endpoint, region, profile, error_names, error_code, detail):
    """The one sentence, saying what to do, for a GetCallerIdentity that failed (preflight's first AWS call).

    error_names are the class names of the exception and its bases (botocore's, such as NoCredentialsError),
    error_code the AWS error code of a ClientError (or None), detail the error's own text.
    """
    names = set(error_names)
    code = error_code or ""
    if environment == "local":
        if names.intersection(CONNECTION_ERRORS):
            return local_unreachable_message(endpoint)
        return (
            "The local AWS at {0} did not identify the caller ({1}): check that localaws runs there, started with {2}, "
            "and run again; nothing was changed.".format(endpoint, detail, localaws_start_hint(endpoint))
        )
    account = _account(expected_account)
    if names.intersection(MISSING_CREDENTIAL_ERRORS):
        return (
            "Found no AWS credentials for environment {0}: set AWS_PROFILE to a profile of {1} (or AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY of it) and run again; nothing was changed.".format(environment, account)
        )
    if names.intersection(EXPIRED_CREDENTIAL_ERRORS) or code in EXPIRED_CREDENTIAL_CODES:
        return (
            "The AWS credentials for environment {0} have expired ({1}): renew them for {2} (`aws sso login --profile "
            "{3}` for an SSO profile) and run again; nothing was changed.".format(environment, detail, account, profile or "<profile>")
        )
    if code in REFUSED_CREDENTIAL_CODES:
        return (
            "AWS refused the credentials for environment {0} ({1}): set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY) to valid credentials of {2} and run again; nothing was changed.".format(environment, detail, account)
        )
    if names.intersection(CONNECTION_ERRORS):
        return (
            "Could not reach AWS STS in {0} for environment {1} ({2}): check the network and any proxy (HTTPS_PROXY), "
            "then run again; nothing was changed.".format(region, environment, detail)
        )
    return (
        "Could not identify the caller for environment {0} ({1}): set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY) to credentials of {2} and run again; nothing was changed.".format(environment, detail, account)
    )
