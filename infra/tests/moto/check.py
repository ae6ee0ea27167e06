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
for name, alias_arn in [("accept_message", out["accept_message_alias_arn"]), ("process_message", out["process_message_alias_arn"])]:
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

ssm = client("ssm")
params = ssm.get_parameters(Names=[out["octopus_api_key_parameter"], out["webhook_token_parameter"]])["Parameters"]
check(len(params) == 2 and all(p["Type"] == "SecureString" for p in params), "both secrets are SecureStrings")

logs = client("logs")
for group in out["log_group_names"].values():
    found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    check(len(found) == 1 and found[0].get("retentionInDays") == 14, f"{group} keeps logs 14 days (envs/dev.tfvars)")

alarms = client("cloudwatch").describe_alarms(AlarmNamePrefix="octo-responder-dev-")["MetricAlarms"]
check(
    len(alarms) == 4 and all(a["AlarmActions"] == [out["alarm_topic_arn"]] for a in alarms),
    "four alarms, all notifying the alarm topic",
)

sys.exit(1 if problems else 0)
