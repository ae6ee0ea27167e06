"""Reads back from moto what `terraform apply` created and checks the wiring moto keeps.

Usage: check.py ENDPOINT OUTPUTS_JSON (the output of `terraform output -json`).
"""

import json
import sys

import boto3

endpoint, outputs_path = sys.argv[1], sys.argv[2]
with open(outputs_path) as f:
    out = {name: value["value"] for name, value in json.load(f).items()}

# The region envs/dev.tfvars deployed to, as the function ARN shows it.
session = boto3.session.Session(region_name=out["accept_message_function_arn"].split(":")[3])
client = lambda service: session.client(service, endpoint_url=endpoint)  # noqa: E731
problems = []


def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        problems.append(what)


apigw = client("apigatewayv2")
routes = apigw.get_routes(ApiId=out["api_id"])["Items"]
check([r["RouteKey"] for r in routes] == ["POST /octopus/webhook"], "the API has exactly one route, POST /octopus/webhook")
integrations = apigw.get_integrations(ApiId=out["api_id"])["Items"]
check(
    len(integrations) == 1 and ":live/invocations" in integrations[0]["IntegrationUri"]
    and integrations[0]["PayloadFormatVersion"] == "2.0",
    "its integration invokes accept-message's live alias with payload 2.0",
)
stages = apigw.get_stages(ApiId=out["api_id"])["Items"]
check([s["StageName"] for s in stages] == ["$default"] and stages[0].get("AutoDeploy") is True, "one $default stage with auto-deploy")
check(out["webhook_url"].endswith("/octopus/webhook"), "webhook_url ends in /octopus/webhook")

sqs = client("sqs")
attrs = sqs.get_queue_attributes(QueueUrl=out["queue_url"], AttributeNames=["All"])["Attributes"]
dlq_attrs = sqs.get_queue_attributes(QueueUrl=out["dlq_url"], AttributeNames=["All"])["Attributes"]
redrive = json.loads(attrs.get("RedrivePolicy", "{}"))
check(attrs.get("FifoQueue") == "true" and dlq_attrs.get("FifoQueue") == "true", "both queues are FIFO")
check(
    redrive.get("deadLetterTargetArn") == dlq_attrs["QueueArn"] and int(redrive.get("maxReceiveCount", 0)) == 10,
    "the work queue redrives to the DLQ after 10 receives (envs/dev.tfvars: no outage ride-out, 10 for hand-backs)",
)
check(int(attrs["VisibilityTimeout"]) >= 6 * 60, "visibility timeout is at least 6x process-message's 60 s")
check(
    out["queue_arn"] == attrs["QueueArn"] and out["dead_letter_queue_arn"] == dlq_attrs["QueueArn"],
    "queue_arn and dead_letter_queue_arn (make redrive) are the two queues' ARNs",
)
check(bool(attrs.get("KmsMasterKeyId")) and bool(dlq_attrs.get("KmsMasterKeyId")), "both queues are KMS-encrypted")

lam = client("lambda")
functions = [
    ("accept_message", out["accept_message_alias_arn"]),
    ("process_message", out["process_message_alias_arn"]),
    ("sweep_interruptions", out["sweep_interruptions_alias_arn"]),
]
for name, alias_arn in functions:
    fn = lam.get_function(FunctionName=out[f"{name}_function_arn"])["Configuration"]
    check(
        fn["Runtime"] == "provided.al2023" and fn["Handler"] == "bootstrap" and fn["Architectures"] == ["arm64"],
        f"{name} is provided.al2023 / bootstrap / arm64",
    )
    check(
        fn.get("Environment", {}).get("Variables", {}).get("ENVIRONMENT") == "dev",
        f"{name} has ENVIRONMENT=dev (the Environment dimension of its metrics)",
    )
    alias = lam.get_alias(FunctionName=fn["FunctionName"], Name="live")
    check(alias["AliasArn"] == alias_arn and alias["FunctionVersion"] != "$LATEST", f"{name} has a live alias on a published version")
# moto stores the mapping's target as the version behind the alias rather than the alias itself
# (the alias ARN is asserted in tests/queue.tftest.hcl).
mappings = [
    m for m in lam.list_event_source_mappings()["EventSourceMappings"] if m["EventSourceArn"] == attrs["QueueArn"]
]
live = lam.get_alias(FunctionName=out["process_message_function_arn"], Name="live")["FunctionVersion"]
check(
    len(mappings) == 1 and mappings[0]["FunctionArn"] in (out["process_message_alias_arn"], f"{out['process_message_function_arn']}:{live}"),
    "one event source mapping, from the work queue to process-message's live version",
)
check(
    len(mappings) == 1 and mappings[0].get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
    and mappings[0].get("ScalingConfig", {}).get("MaximumConcurrency") == 2,
    "the mapping reports batch item failures and is capped at 2 concurrent invocations",
)

# The sweep: its environment, its schedule on the live alias, the schedule's dead-letter queue.
sweep = lam.get_function(FunctionName=out["sweep_interruptions_function_arn"])["Configuration"]
sweep_env = sweep.get("Environment", {}).get("Variables", {})
check(
    sweep_env.get("QUEUE_URL") == out["queue_url"] and sweep_env.get("WEBHOOK_URLS") == ",".join(out["webhook_urls"])
    and sweep_env.get("OCTOPUS_API_KEY_PARAMETER") == out["octopus_api_key_parameter"] and sweep_env.get("DRY_RUN") == "true"
    and "SWEEP_SPACES" not in sweep_env,
    "sweep-interruptions sends to the work queue, knows the webhook URLs, reads the API key, dry run (envs/dev.tfvars), every space",
)
invoke_config = lam.get_function_event_invoke_config(FunctionName=sweep["FunctionName"], Qualifier="live")
check(
    invoke_config.get("MaximumRetryAttempts") == 0 and invoke_config.get("MaximumEventAgeInSeconds") == 300,
    "a failed or late scheduled sweep is neither retried nor run late",
)
schedule = client("scheduler").get_schedule(GroupName=out["sweep_schedule_group_name"], Name=out["sweep_schedule_name"])
sweep_dlq_attrs = sqs.get_queue_attributes(QueueUrl=out["sweep_dlq_url"], AttributeNames=["All"])["Attributes"]
check(
    schedule["ScheduleExpression"] == "rate(5 minutes)" and schedule["FlexibleTimeWindow"]["Mode"] == "OFF"
    and schedule["Target"]["Arn"] == out["sweep_interruptions_alias_arn"],
    "the schedule invokes sweep-interruptions' live alias every 5 minutes, on the dot",
)
check(
    schedule["Target"].get("RetryPolicy") == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 300}
    and schedule["Target"].get("DeadLetterConfig", {}).get("Arn") == sweep_dlq_attrs["QueueArn"],
    "the schedule retries twice within 5 minutes, then dead-letters to the sweep's queue",
)
check(
    sweep_dlq_attrs.get("FifoQueue", "false") == "false" and bool(sweep_dlq_attrs.get("KmsMasterKeyId")),
    "the schedule's dead-letter queue is a standard, KMS-encrypted queue",
)

# canary-check, CodeDeploy's lifecycle hook: told the three functions, the token's parameter and the
# space; its live alias on the version this apply published.
canary = lam.get_function(FunctionName=out["canary_check_function_name"])["Configuration"]
function_names = {name: out[f"{name}_function_arn"].split(":")[-1] for name in ("accept_message", "process_message", "sweep_interruptions")}
check(
    canary.get("Environment", {}).get("Variables", {}) == {
        "ENVIRONMENT": "dev",
        "ACCEPT_MESSAGE_FUNCTION": function_names["accept_message"],
        "PROCESS_MESSAGE_FUNCTION": function_names["process_message"],
        "SWEEP_INTERRUPTIONS_FUNCTION": function_names["sweep_interruptions"],
        "WEBHOOK_TOKEN_PARAMETER": out["webhook_token_parameter"],
        "WEBHOOK_HEADER_NAME": out["webhook_header_name"],
        "CANARY_SPACE_ID": "Spaces-1",
    }
    and canary["Timeout"] == 120,
    "canary-check is told the three functions, the token parameter, the header and the space, with a 120 s timeout",
)
canary_live = lam.get_alias(FunctionName=canary["FunctionName"], Name="live")
check(canary_live["FunctionVersion"] not in ("$LATEST", ""), "canary-check has a live alias on a published version")

# CodeDeploy: one Lambda application, a group per shifted function with envs/dev.tfvars' all-at-once
# configuration, CodeDeploy's role and automatic rollback. moto 5.2.5 does not keep a group's
# alarmConfiguration (it answers {}), so the alarms are checked by tests/delivery.tftest.hcl only.
codedeploy = client("codedeploy")
application = out["codedeploy_application_name"]
check(codedeploy.get_application(applicationName=application)["application"]["computePlatform"] == "Lambda", "one CodeDeploy application for Lambda")
check(
    out["codedeploy_deployment_group_names"] == function_names,
    "a deployment group per shifted function, named like it (none for canary-check)",
)
iam = client("iam")
codedeploy_role_arn = iam.get_role(RoleName="octo-responder-dev-codedeploy")["Role"]["Arn"]
for name, group in out["codedeploy_deployment_group_names"].items():
    info = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName=group)["deploymentGroupInfo"]
    rollback_config = info.get("autoRollbackConfiguration", {})
    check(
        info["deploymentConfigName"] == "CodeDeployDefault.LambdaAllAtOnce" and info["serviceRoleArn"] == codedeploy_role_arn
        and info.get("deploymentStyle") == {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
        and rollback_config.get("enabled") is True
        and sorted(rollback_config.get("events", [])) == ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        f"{name}'s group shifts all at once (envs/dev.tfvars) as CodeDeploy's role, rolling back on failure and on alarm",
    )
codedeploy_policy = iam.get_role_policy(RoleName="octo-responder-dev-codedeploy", PolicyName="codedeploy-lambda")["PolicyDocument"]
if isinstance(codedeploy_policy, str):
    codedeploy_policy = json.loads(codedeploy_policy)
invoke = [s for s in codedeploy_policy["Statement"] if s.get("Sid") == "InvokeCanaryCheckHook"]
check(
    len(invoke) == 1 and sorted(invoke[0]["Resource"]) == sorted([canary["FunctionArn"], canary["FunctionArn"] + ":*"]),
    "CodeDeploy's role may invoke canary-check (the AppSpec's hooks) and its versions",
)

ssm = client("ssm")
params = ssm.get_parameters(Names=[out["octopus_api_key_parameter"], out["webhook_token_parameter"]])["Parameters"]
check(len(params) == 2 and all(p["Type"] == "SecureString" for p in params), "both secrets are SecureStrings")

logs = client("logs")
for group in out["log_group_names"].values():
    found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    check(len(found) == 1 and found[0].get("retentionInDays") == 14, f"{group} keeps logs 14 days (envs/dev.tfvars)")

alarms = client("cloudwatch").describe_alarms(AlarmNamePrefix="octo-responder-dev-")["MetricAlarms"]
rollback_names = {name for names in out["codedeploy_rollback_alarm_names"].values() for name in names}
paging = [a for a in alarms if a["AlarmName"] not in rollback_names]
check(
    len(paging) == 8 and all(a["AlarmActions"] == [out["alarm_topic_arn"]] for a in paging),
    "eight paging alarms (two queue, four Errors, sweep dead-letter queue, swept interruptions), all notifying the alarm topic",
)
# The rollback alarms (codedeploy.tf) only stop a CodeDeploy deployment: 60-second periods, no actions.
rollback = {a["AlarmName"]: a for a in alarms if a["AlarmName"] in rollback_names}
check(
    len(rollback_names) == 7 and set(rollback) == rollback_names
    and all(a["Period"] == 60 and a["EvaluationPeriods"] == 1 and a["Threshold"] == 0 and not a["AlarmActions"] for a in rollback.values()),
    "seven rollback alarms (live and new-version Errors of each shifted function, process-message's Failed), 60 s, no actions",
)
for name in ("accept_message", "process_message", "sweep_interruptions"):
    fn_name = out[f"{name}_function_arn"].split(":")[-1]
    by_dims = {
        frozenset((d["Name"], d["Value"]) for d in rollback[n]["Dimensions"]): n for n in out["codedeploy_rollback_alarm_names"][name]
    }
    check(
        frozenset({("FunctionName", fn_name), ("Resource", f"{fn_name}:live")}) in by_dims
        and frozenset({("FunctionName", fn_name), ("Resource", f"{fn_name}:live"), ("ExecutedVersion", out[f"{name}_version"])}) in by_dims,
        f"{name} rolls back on Errors of its live alias and of version {out[f'{name}_version']} through it",
    )

# The "needs a person" topic: created under the responder's key (apply-destroy.sh also sets
# needs_a_person_email), named in both publishers' environment, and the only topic they may publish to.
sns = client("sns")
topic_arn = out["needs_a_person_topic_arn"]
topic = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
check(
    topic_arn.endswith(":octo-responder-dev-needs-a-person") and topic.get("KmsMasterKeyId") == out["kms_key_arn"]
    and topic.get("FifoTopic", "false") == "false",
    "the needs-a-person topic is a standard topic under the responder's key",
)
subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
check(
    [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "needs-a-person@example.com")],
    "needs_a_person_email is subscribed to it by email",
)
for name, short in (("process_message", "process-message"), ("sweep_interruptions", "sweep-interruptions")):
    env = lam.get_function(FunctionName=out[f"{name}_function_arn"])["Configuration"].get("Environment", {}).get("Variables", {})
    check(env.get("NEEDS_A_PERSON_TOPIC_ARN") == topic_arn, f"{name} has NEEDS_A_PERSON_TOPIC_ARN = the topic's ARN")
    policy = iam.get_role_policy(RoleName=f"octo-responder-dev-{short}-role", PolicyName=short)["PolicyDocument"]
    if isinstance(policy, str):
        policy = json.loads(policy)
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    publish = [s for s in statements if "sns:Publish" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
    check(
        len(publish) == 1 and publish[0]["Resource"] in (topic_arn, [topic_arn]),
        f"{name}'s role may publish to the needs-a-person topic only",
    )
accept_env = lam.get_function(FunctionName=out["accept_message_function_arn"])["Configuration"].get("Environment", {}).get("Variables", {})
check("NEEDS_A_PERSON_TOPIC_ARN" not in accept_env, "accept_message has no NEEDS_A_PERSON_TOPIC_ARN")

# The notices table, the ledger in front of the topic: keyed on Key (a string) alone, expiring by
# ExpiresAt, under the responder's key with point-in-time recovery; named in both publishers'
# environment, which may put and delete its items only.
dynamodb = client("dynamodb")
table_name = out["notices_table_name"]
table = dynamodb.describe_table(TableName=table_name)["Table"] if table_name else {}
check(
    table_name == "octo-responder-dev-notices"
    and table.get("KeySchema") == [{"AttributeName": "Key", "KeyType": "HASH"}]
    and table.get("AttributeDefinitions") == [{"AttributeName": "Key", "AttributeType": "S"}]
    and table.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST",
    "the notices table is keyed on Key (S) alone, on demand",
)
sse = table.get("SSEDescription", {})
check(
    sse.get("Status") == "ENABLED" and sse.get("SSEType") == "KMS" and sse.get("KMSMasterKeyArn") == out["kms_key_arn"],
    "the notices table is encrypted under the responder's key",
)
ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"] if table_name else {}
check(
    ttl.get("TimeToLiveStatus") == "ENABLED" and ttl.get("AttributeName") == "ExpiresAt",
    "the notices table's items expire by ExpiresAt (TTL)",
)
backups = dynamodb.describe_continuous_backups(TableName=table_name)["ContinuousBackupsDescription"] if table_name else {}
check(
    backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") == "ENABLED",
    "the notices table has point-in-time recovery",
)
for name, short in (("process_message", "process-message"), ("sweep_interruptions", "sweep-interruptions")):
    env = lam.get_function(FunctionName=out[f"{name}_function_arn"])["Configuration"].get("Environment", {}).get("Variables", {})
    check(env.get("NOTICES_TABLE") == table_name, f"{name} has NOTICES_TABLE = the notices table's name")
    policy = iam.get_role_policy(RoleName=f"octo-responder-dev-{short}-role", PolicyName=short)["PolicyDocument"]
    if isinstance(policy, str):
        policy = json.loads(policy)
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    as_list = lambda v: v if isinstance(v, list) else [v]  # noqa: E731
    ledger = [s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    check(
        len(ledger) == 1 and sorted(as_list(ledger[0]["Action"])) == ["dynamodb:DeleteItem", "dynamodb:PutItem"]
        and as_list(ledger[0]["Resource"]) == [table.get("TableArn")],
        f"{name}'s role may put and delete items of the notices table only",
    )
check("NOTICES_TABLE" not in accept_env, "accept_message has no NOTICES_TABLE")

sys.exit(1 if problems else 0)
