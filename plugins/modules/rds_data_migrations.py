#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: rds_data_migrations
short_description: Apply versioned SQL migrations to an Aurora PostgreSQL database through the RDS Data API
version_added: 0.1.0
description:
  - Applies the pending migrations of O(migrations) to one database of an Aurora PostgreSQL cluster, in
    version order, each inside one Data API transaction (BeginTransaction, one ExecuteStatement per SQL
    statement, CommitTransaction; RollbackTransaction when a statement fails), and records each in a
    C(schema_migrations) table (version, name, checksum, applied_at) so that it applies once.
  - The SQL of a migration is split into statements at semicolons outside comments, quoted strings,
    quoted identifiers and dollar-quoted bodies, because the Data API runs one statement per call.
  - A migration that is already applied is never re-applied; if its SQL changed since (another checksum)
    the module fails and changes nothing. A pending migration older than an applied one also fails the run.
  - Concurrent runs against one database are serialised with a transaction-scoped advisory lock; a
    migration applied meanwhile by another run is skipped.
  - The Data API needs no network path to the database (the cluster stays in private subnets) and no
    PostgreSQL driver on the managed host. Neither amazon.aws nor community.aws has a Data API or a
    migrations module, and C(community.postgresql) needs a direct connection, which is why this one exists.
  - Calls are retried while an Aurora Serverless v2 instance resumes from 0 ACU
    (C(DatabaseResumingException), C(DatabaseUnavailableException)); reads also on C(StatementTimeoutException).
  - In check mode the module only reads C(schema_migrations) (all migrations are pending when it does not
    exist yet) and reports what it would apply.
  - With O(login_roles), after the migrations it sets the password of each listed role (which a migration
    created without one) from a Secrets Manager secret of the C(username)/C(password) form, and records the
    secret's C(AWSCURRENT) version id in C(schema_login_roles); a later run sets it again only when the secret has
    a new version (after a rotation). The password never leaves the module; it is read inside it, turned into a
    SCRAM-SHA-256 verifier there, and only the verifier is sent (C(ALTER ROLE ... PASSWORD '<verifier>')), so no
    SQL text, Data API request or database log holds the password.
  - There is no C(state=absent) option because migrations are not reverted; add a new migration instead.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  resource_arn:
    description: The ARN of the Aurora PostgreSQL DB cluster. Its HTTP endpoint (Data API) must be enabled.
    type: str
    required: true
  secret_arn:
    description:
      - The ARN of the Secrets Manager secret with the credentials (C(username), C(password)), usually the
        cluster's AWS-managed master user secret.
    type: str
    required: true
  database:
    description: The database to migrate. The Data API's default database is used when omitted.
    type: str
  migrations:
    description:
      - The migrations, in any order; they are applied by ascending O(migrations[].version).
      - A role reads them from its C(files/migrations/<version>_<name>.sql) files with C(lookup('fileglob'))
        and C(lookup('file')), because a module cannot read role files on the managed host.
    type: list
    elements: dict
    required: true
    suboptions:
      version:
        description: The version, four or more digits (C(0001)); unique.
        type: str
        required: true
      name:
        description: A short name, recorded with the version.
        type: str
        required: true
      sql:
        description: The SQL, one or more statements ending with semicolons.
        type: str
        required: true
  login_roles:
    description:
      - Login roles whose password is kept equal to a secret's C(password); the secret's C(username) must be the
        role's name. The role must exist (created by a migration, without a password).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The role, a lower-case PostgreSQL identifier.
        type: str
        required: true
      secret_arn:
        description: The ARN of the role's secret (JSON with C(username) and C(password)).
        type: str
        required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Apply the job-state schema
  streamflix.media_platform.rds_data_migrations:
    resource_arn: "{{ streamflix_database.cluster_arn }}"
    secret_arn: "{{ streamflix_database.master_secret_arn }}"
    database: streamflix
    migrations: "{{ migrations }}"
  vars:
    migration_files: "{{ lookup('ansible.builtin.fileglob', role_path ~ '/files/migrations/*.sql', wantlist=True) | sort }}"
    migrations: >-
      {%- set result = [] -%}
      {%- for path in migration_files -%}
      {%-   set stem = path | basename | splitext | first -%}
      {%-   set _ = result.append({'version': stem.split('_')[0], 'name': stem.split('_', 1)[1],
                                   'sql': lookup('ansible.builtin.file', path)}) -%}
      {%- endfor -%}
      {{ result }}
"""

RETURN = r"""
applied:
  description: The versions this run applied, in order (in check mode, the versions it would apply).
  returned: always
  type: list
  elements: str
  sample: ["0001", "0002"]
pending:
  description: The versions not applied in the database after this run (in check mode, all it would apply).
  returned: always
  type: list
  elements: str
  sample: []
login_roles_set:
  description: The login roles whose password this run set (in check mode, would set).
  returned: always
  type: list
  elements: str
  sample: ["streamflix_app"]
current_version:
  description: The highest applied version after this run (projected in check mode); C(null) when none is.
  returned: always
  type: str
  sample: "0002"
diff:
  description:
    - The applied versions before and after.
    - With O(login_roles), also C(login_roles_out_of_date), the roles whose password did not match their secret's
      current version (before the run; none after it).
  returned: always
  type: dict
  contains:
    before:
      description: The versions applied before the run.
      type: dict
      sample: {"applied_versions": ["0001"]}
    after:
      description: The versions applied after the run.
      type: dict
      sample: {"applied_versions": ["0001", "0002"]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import APPLIED_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import CREATE_LOGIN_ROLES_TABLE_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import LOGIN_ROLE_VERSIONS_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import LOGIN_ROLES_TABLE_EXISTS_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import RECORD_LOGIN_ROLE_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import ROLE_EXISTS_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import CREATE_TABLE_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import IS_APPLIED_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import LOCK_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import RECORD_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import TABLE_EXISTS_SQL
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import Target
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import check_migrations
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import checksum
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import login_role_problems
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import plan
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import scram_sha256_verifier
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import set_password_sql
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import split_statements
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import string_parameters
from ansible_collections.streamflix.media_platform.plugins.module_utils.rds_data import versions

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def read_applied(module, target):
    """Returns (table_exists, rows of schema_migrations)."""
    try:
        exists = target.query(TABLE_EXISTS_SQL)[0][0]
        if not exists:
            return False, []
        rows = target.query(APPLIED_SQL)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read schema_migrations of database {0} in {1}".format(
            module.params["database"] or "(default)", module.params["resource_arn"]))
    return True, [dict(version=row[0], name=row[1], checksum=row[2]) for row in rows]


def ensure_table(module, target):
    try:
        target.execute_repeatable(CREATE_TABLE_SQL)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not create the schema_migrations table in {0}".format(module.params["resource_arn"]))


def rollback(target, transaction_id):
    try:
        target.rollback(transaction_id)
    except is_boto3_error_code("TransactionNotFoundException"):
        pass  # the Data API already aborted the transaction when the statement failed
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):  # pylint: disable=duplicate-except
        pass  # the transaction times out and rolls back by itself; report the original error


def apply_migration(module, target, migration, applied_so_far):
    """Apply one migration in one transaction. Returns False when another run applied it meanwhile."""
    statements = split_statements(migration["sql"])
    label = "{0} ({1})".format(migration["version"], migration["name"])
    try:
        transaction_id = target.begin()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not begin the transaction for migration {0}".format(label), applied=applied_so_far)
    step = "taking the migrations lock"
    try:
        target.execute(transaction_id, LOCK_SQL)
        step = "checking schema_migrations"
        response = target.execute(transaction_id, IS_APPLIED_SQL, string_parameters(version=migration["version"]))
        if response.get("records"):
            target.commit(transaction_id)
            return False
        for index, statement in enumerate(statements, start=1):
            step = "statement {0} of {1}: {2}".format(index, len(statements), _excerpt(statement))
            target.execute(transaction_id, statement)
        step = "recording it in schema_migrations"
        target.execute(
            transaction_id,
            RECORD_SQL,
            string_parameters(version=migration["version"], name=migration["name"], checksum=checksum(migration["sql"])),
        )
        step = "committing"
        target.commit(transaction_id)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        rollback(target, transaction_id)
        module.fail_json_aws(
            e,
            msg="Migration {0} failed at {1}; it was rolled back, fix the SQL and re-run".format(label, step),
            applied=applied_so_far,
        )
    return True


def _excerpt(statement, limit=120):
    flat = " ".join(statement.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def ensure_applied(module, target):
    """Returns (changed, applied_this_run, before_versions, after_versions)."""
    migrations = module.params["migrations"]
    problems = check_migrations(migrations)
    if problems:
        module.fail_json(msg="Invalid migrations: {0}".format("; ".join(problems)))
    table_exists, rows = read_applied(module, target)
    before = versions(rows)
    pending, problems = plan(migrations, rows)
    if problems:
        module.fail_json(msg="Refusing to migrate: {0}".format("; ".join(problems)), pending=[m["version"] for m in pending])
    if module.check_mode:
        projected = [m["version"] for m in pending]
        return bool(projected) or not table_exists, projected, before, versions(rows + [dict(version=v) for v in projected])
    if not table_exists:
        ensure_table(module, target)
    applied = []
    for migration in pending:
        if apply_migration(module, target, migration, applied):
            applied.append(migration["version"])
    after = versions(read_applied(module, target)[1])
    return bool(applied) or not table_exists, applied, before, after


def current_secret_version(module, secrets, entry):
    """The AWSCURRENT version id of the role's secret (metadata only)."""
    try:
        described = secrets.describe_secret(SecretId=entry["secret_arn"], aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not describe secret {0} of login role {1}".format(entry["secret_arn"], entry["name"]))
    for version_id, stages in (described.get("VersionIdsToStages") or {}).items():
        if "AWSCURRENT" in stages:
            return version_id
    module.fail_json(msg="Secret {0} of login role {1} has no AWSCURRENT version".format(entry["secret_arn"], entry["name"]))


def role_verifier(module, secrets, entry, version_id):
    """Read the password inside the module and return only its SCRAM verifier."""
    try:
        value = secrets.get_secret_value(SecretId=entry["secret_arn"], VersionId=version_id, aws_retry=True).get("SecretString")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read secret {0} of login role {1}".format(entry["secret_arn"], entry["name"]))
    try:
        credentials = json.loads(value or "")
    except ValueError:
        credentials = None
    if not isinstance(credentials, dict) or not credentials.get("password"):
        module.fail_json(msg="Secret {0} of login role {1} is not JSON with a password".format(entry["secret_arn"], entry["name"]))
    if credentials.get("username") != entry["name"]:
        module.fail_json(msg="Secret {0} names user {1!r}, not login role {2}: fix login_roles or the secret".format(
            entry["secret_arn"], credentials.get("username"), entry["name"]))
    return scram_sha256_verifier(credentials["password"])


def set_role_password(module, target, entry, verifier, version_id):
    """ALTER ROLE and the record of the secret version, in one transaction. Errors never echo the statement."""
    try:
        transaction_id = target.begin()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not begin the transaction for login role {0}".format(entry["name"]))
    step = "checking that the role exists"
    try:
        if not target.execute(transaction_id, ROLE_EXISTS_SQL, string_parameters(role=entry["name"])).get("records"):
            rollback(target, transaction_id)
            module.fail_json(msg="Login role {0} does not exist: a migration must create it first".format(entry["name"]))
        step = "setting its password"
        target.execute(transaction_id, set_password_sql(entry["name"], verifier))
        step = "recording the secret version"
        target.execute(transaction_id, RECORD_LOGIN_ROLE_SQL, string_parameters(role=entry["name"], version=version_id))
        step = "committing"
        target.commit(transaction_id)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        rollback(target, transaction_id)
        module.fail_json_aws(e, msg="Could not set the password of login role {0} ({1}); rolled back".format(entry["name"], step))


def ensure_login_roles(module, target, secrets):
    """Returns the login roles whose password was (or, in check mode, would be) set."""
    login_roles = module.params["login_roles"]
    if not login_roles:
        return []
    try:
        recorded = dict(target.query(LOGIN_ROLE_VERSIONS_SQL)) if target.query(LOGIN_ROLES_TABLE_EXISTS_SQL)[0][0] else {}
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read schema_login_roles in {0}".format(module.params["resource_arn"]))
    stale = [(entry, current_secret_version(module, secrets, entry)) for entry in login_roles]
    stale = [(entry, version_id) for entry, version_id in stale if recorded.get(entry["name"]) != version_id]
    if module.check_mode or not stale:
        return [entry["name"] for entry, _version in stale]
    try:
        target.execute_repeatable(CREATE_LOGIN_ROLES_TABLE_SQL)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not create the schema_login_roles table in {0}".format(module.params["resource_arn"]))
    for entry, version_id in stale:
        set_role_password(module, target, entry, role_verifier(module, secrets, entry, version_id), version_id)
    return [entry["name"] for entry, _version in stale]


def diff_view(before, after, roles_set, with_login_roles):
    """Applied versions before and after; with login roles, the roles whose password was out of date."""
    diff = dict(before=dict(applied_versions=before), after=dict(applied_versions=after))
    if with_login_roles:
        diff["before"]["login_roles_out_of_date"] = roles_set
        diff["after"]["login_roles_out_of_date"] = []
    return diff


def main():
    argument_spec = dict(
        resource_arn=dict(type="str", required=True),
        secret_arn=dict(type="str", required=True, no_log=False),  # an ARN, not the secret
        database=dict(type="str"),
        migrations=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                version=dict(type="str", required=True),
                name=dict(type="str", required=True),
                sql=dict(type="str", required=True),
            ),
        ),
        login_roles=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                secret_arn=dict(type="str", required=True, no_log=False),  # an ARN, not the secret
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("rds-data", retry_decorator=AWSRetry.jittered_backoff())
    target = Target(client, module.params["resource_arn"], module.params["secret_arn"], module.params["database"])

    problems = login_role_problems(module.params["login_roles"])
    if problems:
        module.fail_json(msg="Invalid login_roles: {0}".format("; ".join(problems)))
    changed, applied, before, after = ensure_applied(module, target)
    secrets = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    roles_set = ensure_login_roles(module, target, secrets)
    if module.check_mode:
        pending = list(applied)  # nothing ran: what it would apply is still pending
    else:
        given = set(m["version"] for m in module.params["migrations"])
        pending = sorted(given - set(after), key=lambda v: (len(v), v))
    module.exit_json(
        changed=changed or bool(roles_set),
        applied=applied,
        login_roles_set=roles_set,
        pending=pending,
        current_version=after[-1] if after else None,
        diff=diff_view(before, after, roles_set, bool(module.params["login_roles"])),
    )


if __name__ == "__main__":
    main()
