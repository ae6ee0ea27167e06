# sweep-interruptions and its schedule: the function's environment, its least-privilege role, the
# EventBridge Scheduler schedule on the live alias (retry policy, dead-letter queue, execution
# role), the alarms, sweep_enabled = false, and the sweep's refused variables.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  needs_a_person_enabled  = true
  environment             = "dev"
  octopus_server_url      = "https://octopus.example.com"
  octopus_api_key         = "API-TESTTESTTESTTESTTEST"
  webhook_token           = "" # "" generates it; set because terraform test < 1.17 needs it (hashicorp/terraform#38974)
  accept_message_zip      = "tests/fixtures/bootstrap.zip"
  process_message_zip     = "tests/fixtures/bootstrap.zip"
  sweep_interruptions_zip = "tests/fixtures/bootstrap.zip"
  canary_check_zip        = "tests/fixtures/bootstrap.zip"
}

# Distinct names and ARNs, so that a statement or target on the wrong resource fails.
override_resource {
  target = aws_sqs_queue.messages
  values = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-messages.fifo"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-messages.fifo"
  }
}

override_resource {
  target = aws_sqs_queue.messages_dlq
  values = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-messages-dlq.fifo"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-messages-dlq.fifo"
  }
}

override_resource {
  target = aws_sqs_queue.sweep_dlq[0]
  values = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-sweep-dlq"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-sweep-dlq"
  }
}

override_resource {
  target = aws_ssm_parameter.octopus_api_key
  values = { arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/octo-responder/dev/octopus-api-key" }
}

override_resource {
  target = aws_ssm_parameter.webhook_token
  values = { arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/octo-responder/dev/webhook-token" }
}

override_resource {
  target = module.sweep_interruptions[0].aws_lambda_function.this
  values = {
    arn     = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions"
    version = "5"
  }
}

override_resource {
  target = module.sweep_interruptions[0].aws_lambda_alias.live
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions:live" }
}

override_resource {
  target = module.sweep_interruptions[0].aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/octo-responder-dev-sweep-interruptions" }
}

override_resource {
  target = module.sweep_interruptions[0].aws_iam_role.this
  values = {
    id  = "octo-responder-dev-sweep-interruptions-role"
    arn = "arn:aws:iam::123456789012:role/octo-responder-dev-sweep-interruptions-role"
  }
}

override_resource {
  target = aws_iam_role.scheduler[0]
  values = {
    id  = "octo-responder-dev-sweep-scheduler"
    arn = "arn:aws:iam::123456789012:role/octo-responder-dev-sweep-scheduler"
  }
}

override_resource {
  target = aws_scheduler_schedule.sweep[0]
  values = { arn = "arn:aws:scheduler:eu-west-1:123456789012:schedule/octo-responder-dev/octo-responder-dev-sweep-interruptions" }
}

# ---- The function ------------------------------------------------------------------------------

run "sweep_is_an_arm64_zip_behind_its_live_alias" {
  assert {
    condition = (
      module.sweep_interruptions[0].function.function_name == "octo-responder-dev-sweep-interruptions" &&
      module.sweep_interruptions[0].function.runtime == "provided.al2023" &&
      module.sweep_interruptions[0].function.handler == "bootstrap" &&
      module.sweep_interruptions[0].function.architectures == tolist(["arm64"]) &&
      module.sweep_interruptions[0].function.memory_size == 128 &&
      module.sweep_interruptions[0].function.timeout == 60 &&
      module.sweep_interruptions[0].function.source_code_hash == filebase64sha256("tests/fixtures/bootstrap.zip") &&
      module.sweep_interruptions[0].function.publish
    )
    error_message = "sweep-interruptions must be a published provided.al2023 arm64 zip with 128 MB and a 60 s timeout by default"
  }

  assert {
    condition     = module.sweep_interruptions[0].alias.name == "live" && module.sweep_interruptions[0].alias.function_version == "5"
    error_message = "sweep-interruptions' live alias must point at the version this apply published"
  }

  assert {
    condition     = module.sweep_interruptions[0].log_group.name == "/aws/lambda/octo-responder-dev-sweep-interruptions" && module.sweep_interruptions[0].log_group.kms_key_id == aws_kms_key.this.arn && module.sweep_interruptions[0].log_group.retention_in_days == 30
    error_message = "sweep-interruptions must log to its own encrypted log group with the retention"
  }

  assert {
    condition     = local.functions.sweep_interruptions.function.function_name == module.sweep_interruptions[0].function.function_name && length(local.functions) == 3
    error_message = "the sweep must be one of local.functions (CodeDeploy gives it a deployment group)"
  }
}

run "sweep_environment_names_the_queue_webhooks_and_settings" {
  assert {
    condition = module.sweep_interruptions[0].function.environment[0].variables == tomap({
      ENVIRONMENT                = "dev"
      OCTOPUS_SERVER_URL         = "https://octopus.example.com"
      OCTOPUS_API_KEY_PARAMETER  = "/octo-responder/dev/octopus-api-key"
      OCTOPUS_REQUEST_TIMEOUT_MS = "10000"
      QUEUE_URL                  = "https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-messages.fifo"
      WEBHOOK_URLS               = "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook"
      SWEEP_GRACE_SECONDS        = "300"
      SWEEP_MAX_AGE_SECONDS      = "86400"
      DRY_RUN                    = "false"
      NEEDS_A_PERSON_TOPIC_ARN   = aws_sns_topic.needs_a_person[0].arn
      NOTICES_TABLE              = "octo-responder-dev-notices"
    })
    error_message = "the sweep's environment must be exactly these (SWEEP_SPACES unset: every space; WEBHOOK_URLS from the API endpoint)"
  }

  assert {
    condition     = module.sweep_interruptions[0].function.environment[0].variables.QUEUE_URL == module.accept_message.function.environment[0].variables.QUEUE_URL
    error_message = "the sweep must send to the same work queue as accept-message"
  }

  assert {
    condition     = module.sweep_interruptions[0].function.environment[0].variables.OCTOPUS_API_KEY_PARAMETER == module.process_message.function.environment[0].variables.OCTOPUS_API_KEY_PARAMETER
    error_message = "the sweep must read the same Octopus API key parameter as process-message"
  }

  assert {
    condition = !anytrue([
      for v in values(module.sweep_interruptions[0].function.environment[0].variables) : strcontains(v, "API-TESTTESTTESTTESTTEST")
    ])
    error_message = "the sweep's environment may not hold the API key (the webhook secret is generated in AWS, no variable holds it)"
  }

  assert {
    condition     = output.webhook_urls == ["https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook"]
    error_message = "webhook_urls must be the API's webhook URL alone by default"
  }
}

run "sweep_settings_flow_into_its_environment" {
  variables {
    sweep_spaces               = ["Spaces-1", "Spaces-22"]
    extra_webhook_urls         = ["https://hooks.example.com/octopus/webhook", "https://hooks2.example.com:8443/octopus/webhook"]
    sweep_grace_seconds        = 120
    sweep_max_age_seconds      = 3600
    sweep_timeout_seconds      = 90
    dry_run                    = true
    octopus_request_timeout_ms = 5000
    lambda_memory_mb           = 256
  }

  assert {
    condition = (
      module.sweep_interruptions[0].function.environment[0].variables.SWEEP_SPACES == "Spaces-1,Spaces-22" &&
      module.sweep_interruptions[0].function.environment[0].variables.WEBHOOK_URLS == "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook,https://hooks.example.com/octopus/webhook,https://hooks2.example.com:8443/octopus/webhook" &&
      module.sweep_interruptions[0].function.environment[0].variables.SWEEP_GRACE_SECONDS == "120" &&
      module.sweep_interruptions[0].function.environment[0].variables.SWEEP_MAX_AGE_SECONDS == "3600" &&
      module.sweep_interruptions[0].function.environment[0].variables.OCTOPUS_REQUEST_TIMEOUT_MS == "5000"
    )
    error_message = "spaces (comma-joined), webhook URLs (API first, then the extra ones), window and Octopus timeout must reach the sweep's environment"
  }

  assert {
    condition     = module.sweep_interruptions[0].function.environment[0].variables.DRY_RUN == "true" && module.process_message.function.environment[0].variables.DRY_RUN == "true"
    error_message = "dry_run must reach the sweep and process-message alike"
  }

  assert {
    condition     = module.sweep_interruptions[0].function.timeout == 90 && module.sweep_interruptions[0].function.memory_size == 256
    error_message = "the sweep's timeout and memory must follow the variables"
  }

  assert {
    condition     = output.webhook_urls == ["https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook", "https://hooks.example.com/octopus/webhook", "https://hooks2.example.com:8443/octopus/webhook"]
    error_message = "webhook_urls must list the API's URL, then the extra ones"
  }
}

# ---- Its role ----------------------------------------------------------------------------------

run "sweep_may_only_send_to_the_work_queue_and_read_the_api_key" {
  assert {
    condition     = module.sweep_interruptions[0].function.role == module.sweep_interruptions[0].role.arn && module.sweep_interruptions[0].role.name == "octo-responder-dev-sweep-interruptions-role"
    error_message = "the sweep must run as its own role"
  }

  assert {
    condition = (
      one(one(module.sweep_interruptions[0].assume_role_policy_document.statement).principals).identifiers == toset(["lambda.amazonaws.com"]) &&
      module.sweep_interruptions[0].role_policy.role == module.sweep_interruptions[0].role.id &&
      module.sweep_interruptions[0].role_policy.policy == module.sweep_interruptions[0].policy_document.json
    )
    error_message = "only Lambda may assume the sweep's role, and its policy must be attached to it"
  }

  assert {
    condition     = toset(flatten([for s in module.sweep_interruptions[0].policy_document.statement : s.actions])) == toset(["sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt", "ssm:GetParameter", "sns:Publish", "dynamodb:PutItem", "dynamodb:DeleteItem", "logs:CreateLogStream", "logs:PutLogEvents"])
    error_message = "the sweep may only send, read its parameter, publish to the needs-a-person topic, put and delete notices, use the key for those, and write logs (no receive, no delete of messages)"
  }

  assert {
    condition     = one([for s in module.sweep_interruptions[0].policy_document.statement : s.resources if contains(s.actions, "sqs:SendMessage")]) == toset([aws_sqs_queue.messages.arn])
    error_message = "the sweep may send to the work queue only (not the dead-letter queues)"
  }

  assert {
    condition     = one([for s in module.sweep_interruptions[0].policy_document.statement : s.resources if contains(s.actions, "ssm:GetParameter")]) == toset([aws_ssm_parameter.octopus_api_key.arn])
    error_message = "the sweep may read the Octopus API key parameter only (not the webhook token)"
  }

  assert {
    condition     = one([for s in module.sweep_interruptions[0].policy_document.statement : s.resources if contains(s.actions, "logs:PutLogEvents")]) == toset(["${module.sweep_interruptions[0].log_group.arn}:*"])
    error_message = "the sweep may write its own log group only"
  }

  assert {
    condition = alltrue([
      for s in module.sweep_interruptions[0].policy_document.statement :
      s.resources == toset([aws_kms_key.this.arn]) && length(s.condition) == 1 && contains([
        "kms:EncryptionContext:aws:sqs:arn=${aws_sqs_queue.messages.arn}",
        "kms:EncryptionContext:PARAMETER_ARN=${aws_ssm_parameter.octopus_api_key.arn}",
        "kms:ViaService=sns.eu-west-1.amazonaws.com",
        "kms:ViaService=dynamodb.eu-west-1.amazonaws.com",
      ], "${one(s.condition).variable}=${one(one(s.condition).values)}")
      if anytrue([for a in s.actions : startswith(a, "kms:")])
    ])
    error_message = "the sweep may use the key only for the work queue and the API key parameter (encryption context) and through SNS (the needs-a-person topic) and DynamoDB (the notices table)"
  }

  assert {
    condition = alltrue(flatten([
      for s in module.sweep_interruptions[0].policy_document.statement : concat(
        [for a in s.actions : !strcontains(a, "*")],
        [for r in s.resources : r != "*" && startswith(r, "arn:")],
      )
    ]))
    error_message = "the sweep's policy must name every action and scope every resource to an ARN"
  }
}

# ---- The schedule ------------------------------------------------------------------------------

run "schedule_invokes_the_live_alias_on_time_with_retries_and_a_dead_letter_queue" {
  assert {
    condition = (
      aws_scheduler_schedule.sweep[0].name == "octo-responder-dev-sweep-interruptions" &&
      aws_scheduler_schedule.sweep[0].group_name == aws_scheduler_schedule_group.sweep[0].name &&
      aws_scheduler_schedule_group.sweep[0].name == "octo-responder-dev" &&
      aws_scheduler_schedule.sweep[0].schedule_expression == "rate(5 minutes)" &&
      aws_scheduler_schedule.sweep[0].state == "ENABLED"
    )
    error_message = "the schedule must run every 5 minutes by default, in the deployment's own schedule group"
  }

  assert {
    condition     = aws_scheduler_schedule.sweep[0].flexible_time_window[0].mode == "OFF"
    error_message = "the schedule must not use a flexible time window"
  }

  assert {
    condition     = aws_scheduler_schedule.sweep[0].target[0].arn == "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions:live"
    error_message = "the schedule must invoke sweep-interruptions' live alias, not $LATEST or the unqualified function"
  }

  assert {
    condition     = aws_scheduler_schedule.sweep[0].target[0].role_arn == aws_iam_role.scheduler[0].arn && jsondecode(aws_scheduler_schedule.sweep[0].target[0].input) == {}
    error_message = "the schedule must run as its own execution role and send {}"
  }

  assert {
    condition = (
      aws_scheduler_schedule.sweep[0].target[0].retry_policy[0].maximum_retry_attempts == 2 &&
      aws_scheduler_schedule.sweep[0].target[0].retry_policy[0].maximum_event_age_in_seconds == 300
    )
    error_message = "the schedule must retry twice within 5 minutes (a later sweep is pointless: the next one is due)"
  }

  assert {
    condition     = aws_scheduler_schedule.sweep[0].target[0].dead_letter_config[0].arn == aws_sqs_queue.sweep_dlq[0].arn
    error_message = "the schedule must dead-letter undeliverable invocations to the sweep's dead-letter queue"
  }

  assert {
    condition = (
      aws_sqs_queue.sweep_dlq[0].name == "octo-responder-dev-sweep-dlq" &&
      aws_sqs_queue.sweep_dlq[0].fifo_queue == false &&
      aws_sqs_queue.sweep_dlq[0].kms_master_key_id == aws_kms_key.this.arn &&
      aws_sqs_queue.sweep_dlq[0].message_retention_seconds == 345600
    )
    error_message = "the schedule's dead-letter queue must be a standard (Scheduler takes no FIFO) queue under the responder's key, keeping 4 days"
  }

  assert {
    condition = (
      aws_lambda_function_event_invoke_config.sweep[0].function_name == module.sweep_interruptions[0].function.function_name &&
      aws_lambda_function_event_invoke_config.sweep[0].qualifier == "live" &&
      aws_lambda_function_event_invoke_config.sweep[0].maximum_retry_attempts == 0 &&
      aws_lambda_function_event_invoke_config.sweep[0].maximum_event_age_in_seconds == 300
    )
    error_message = "a failed or late asynchronous sweep must not be retried or run late by Lambda: the next scheduled sweep redoes it"
  }

  assert {
    condition     = output.sweep_schedule_name == "octo-responder-dev-sweep-interruptions" && output.sweep_schedule_arn == aws_scheduler_schedule.sweep[0].arn && output.sweep_schedule_group_name == "octo-responder-dev"
    error_message = "the schedule's name, group and ARN must be output"
  }

  assert {
    condition     = output.sweep_interruptions_function_name == "octo-responder-dev-sweep-interruptions" && output.sweep_interruptions_alias_arn == module.sweep_interruptions[0].alias.arn && output.sweep_interruptions_version == "5"
    error_message = "the sweep's function name, alias and version must be output"
  }
}

run "schedule_expression_follows_the_variable" {
  variables {
    sweep_schedule_expression = "cron(0/10 * * * ? *)"
  }

  assert {
    condition     = aws_scheduler_schedule.sweep[0].schedule_expression == "cron(0/10 * * * ? *)" && aws_scheduler_schedule.sweep[0].schedule_expression_timezone == "UTC"
    error_message = "the schedule must follow sweep_schedule_expression (UTC)"
  }
}

run "scheduler_role_is_for_this_group_and_may_only_invoke_the_alias_and_dead_letter" {
  assert {
    condition = (
      length(data.aws_iam_policy_document.scheduler_assume_role[0].statement) == 1 &&
      data.aws_iam_policy_document.scheduler_assume_role[0].statement[0].actions == toset(["sts:AssumeRole"]) &&
      data.aws_iam_policy_document.scheduler_assume_role[0].statement[0].principals == toset([{ type = "Service", identifiers = toset(["scheduler.amazonaws.com"]) }]) &&
      aws_iam_role.scheduler[0].assume_role_policy == data.aws_iam_policy_document.scheduler_assume_role[0].json &&
      aws_iam_role.scheduler[0].name == "octo-responder-dev-sweep-scheduler"
    )
    error_message = "only EventBridge Scheduler may assume the schedule's role"
  }

  assert {
    condition = toset([
      for c in data.aws_iam_policy_document.scheduler_assume_role[0].statement[0].condition : { test = c.test, variable = c.variable, values = c.values }
      ]) == toset([
      { test = "StringEquals", variable = "aws:SourceAccount", values = tolist(["123456789012"]) },
      { test = "ArnEquals", variable = "aws:SourceArn", values = tolist(["arn:aws:scheduler:eu-west-1:123456789012:schedule-group/octo-responder-dev"]) },
    ])
    error_message = "the schedule's role must trust Scheduler for this account's schedule group only (aws:SourceAccount, aws:SourceArn)"
  }

  assert {
    condition = (
      aws_iam_role_policy.scheduler[0].role == aws_iam_role.scheduler[0].id &&
      aws_iam_role_policy.scheduler[0].policy == data.aws_iam_policy_document.scheduler[0].json &&
      toset(flatten([for s in data.aws_iam_policy_document.scheduler[0].statement : s.actions])) == toset(["lambda:InvokeFunction", "sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt"])
    )
    error_message = "the schedule's role may only invoke, send its dead letters and encrypt them"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.scheduler[0].statement : s.resources if contains(s.actions, "lambda:InvokeFunction")]) == toset(["arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions:live"])
    error_message = "the schedule's role may invoke sweep-interruptions' live alias only (no other version, no other function)"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.scheduler[0].statement : s.resources if contains(s.actions, "sqs:SendMessage")]) == toset(["arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-sweep-dlq"])
    error_message = "the schedule's role may send to its own dead-letter queue only (not the work queue)"
  }

  assert {
    condition = one([
      for s in data.aws_iam_policy_document.scheduler[0].statement : "${one(s.condition).variable}=${one(one(s.condition).values)}"
      if anytrue([for a in s.actions : startswith(a, "kms:")])
    ]) == "kms:EncryptionContext:aws:sqs:arn=arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-sweep-dlq"
    error_message = "the schedule's role may use the key for its dead-letter queue only (encryption context)"
  }

  assert {
    condition     = alltrue(flatten([for s in data.aws_iam_policy_document.scheduler[0].statement : [for r in s.resources : r != "*" && startswith(r, "arn:")]]))
    error_message = "the schedule's role must not have a \"*\" resource"
  }
}

# ---- Alarms ------------------------------------------------------------------------------------

run "a_failed_sweep_a_stuck_schedule_and_a_lost_webhook_raise_alarms" {
  variables {
    alarm_email = "oncall@example.com"
  }

  # The failed-sweep alarm: the function's Errors alarm, fit for a 5-minute schedule (the first
  # failure in a 5-minute period fires it).
  assert {
    condition = (
      module.sweep_interruptions[0].errors_alarm.alarm_name == "octo-responder-dev-sweep-interruptions-errors" &&
      module.sweep_interruptions[0].errors_alarm.namespace == "AWS/Lambda" &&
      module.sweep_interruptions[0].errors_alarm.metric_name == "Errors" &&
      module.sweep_interruptions[0].errors_alarm.dimensions == tomap({ FunctionName = "octo-responder-dev-sweep-interruptions" }) &&
      module.sweep_interruptions[0].errors_alarm.statistic == "Sum" &&
      module.sweep_interruptions[0].errors_alarm.period == 300 &&
      module.sweep_interruptions[0].errors_alarm.evaluation_periods == 1 &&
      module.sweep_interruptions[0].errors_alarm.comparison_operator == "GreaterThanThreshold" &&
      module.sweep_interruptions[0].errors_alarm.threshold == 0 &&
      module.sweep_interruptions[0].errors_alarm.alarm_actions == toset([aws_sns_topic.alarms[0].arn])
    )
    error_message = "one failed sweep in 5 minutes must raise the sweep's Errors alarm to the alarm topic"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.sweep_dlq_not_empty[0].namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.sweep_dlq_not_empty[0].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.sweep_dlq_not_empty[0].dimensions == tomap({ QueueName = "octo-responder-dev-sweep-dlq" }) &&
      aws_cloudwatch_metric_alarm.sweep_dlq_not_empty[0].comparison_operator == "GreaterThanThreshold" &&
      aws_cloudwatch_metric_alarm.sweep_dlq_not_empty[0].threshold == 0 &&
      aws_cloudwatch_metric_alarm.sweep_dlq_not_empty[0].alarm_actions == toset([aws_sns_topic.alarms[0].arn])
    )
    error_message = "an invocation the schedule could not deliver (its dead-letter queue not empty) must raise an alarm"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].alarm_name == "octo-responder-dev-sweep-enqueued" &&
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].namespace == "OctoResponder" &&
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].metric_name == "Enqueued" &&
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].dimensions == tomap({ Environment = "dev" }) &&
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].statistic == "Sum" &&
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].period == 300 &&
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].comparison_operator == "GreaterThanOrEqualToThreshold" &&
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].threshold == 1 &&
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].treat_missing_data == "notBreaching" &&
      aws_cloudwatch_metric_alarm.sweep_enqueued[0].alarm_actions == toset([aws_sns_topic.alarms[0].arn])
    )
    error_message = "a sweep that queues anything (Enqueued >= 1 in 5 minutes, Environment dimension) must raise an alarm by default"
  }
}

run "the_lost_webhook_alarm_can_be_turned_off" {
  variables {
    alarm_on_swept_interruptions = false
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.sweep_enqueued) == 0 && length(aws_cloudwatch_metric_alarm.sweep_dlq_not_empty) == 1 && module.sweep_interruptions[0].errors_alarm.metric_name == "Errors"
    error_message = "alarm_on_swept_interruptions = false must remove the Enqueued alarm only"
  }
}

# ---- Off ---------------------------------------------------------------------------------------

run "sweep_enabled_false_creates_no_sweep" {
  variables {
    sweep_enabled = false
    # Not read when the sweep is off: no zip needed.
    sweep_interruptions_zip = "tests/fixtures/missing.zip"
  }

  assert {
    condition = (
      length(module.sweep_interruptions) == 0 &&
      length(aws_scheduler_schedule.sweep) == 0 && length(aws_scheduler_schedule_group.sweep) == 0 &&
      length(aws_sqs_queue.sweep_dlq) == 0 && length(aws_lambda_function_event_invoke_config.sweep) == 0 &&
      length(aws_iam_role.scheduler) == 0 && length(aws_iam_role_policy.scheduler) == 0 &&
      length(aws_cloudwatch_metric_alarm.sweep_dlq_not_empty) == 0 && length(aws_cloudwatch_metric_alarm.sweep_enqueued) == 0
    )
    error_message = "without the sweep, no function, schedule, group, queue, invoke config, role or sweep alarm may be created"
  }

  assert {
    condition     = !contains(keys(local.functions), "sweep_interruptions") && length(local.functions) == 2
    error_message = "without the sweep, local.functions must hold the two other functions"
  }

  assert {
    condition = (
      output.sweep_interruptions_function_name == null && output.sweep_interruptions_function_arn == null &&
      output.sweep_interruptions_alias_arn == null && output.sweep_interruptions_version == null &&
      output.sweep_schedule_name == null && output.sweep_schedule_arn == null && output.sweep_schedule_group_name == null &&
      output.sweep_dlq_url == null && !contains(keys(output.log_group_names), "sweep_interruptions")
    )
    error_message = "the sweep's outputs must be null (and its log group absent) without the sweep"
  }

  assert {
    condition     = output.webhook_urls == ["https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook"]
    error_message = "webhook_urls must be output with or without the sweep"
  }
}

# ---- Refused values ----------------------------------------------------------------------------

run "refuses_a_schedule_expression_that_is_not_rate_or_cron" {
  command = plan

  variables {
    sweep_schedule_expression = "every 5 minutes"
  }

  expect_failures = [var.sweep_schedule_expression]
}

run "refuses_a_one_time_at_expression" {
  command = plan

  variables {
    sweep_schedule_expression = "at(2030-01-01T00:00:00)"
  }

  expect_failures = [var.sweep_schedule_expression]
}

run "refuses_a_negative_grace" {
  command = plan

  variables {
    sweep_grace_seconds = -1
  }

  expect_failures = [var.sweep_grace_seconds]
}

run "refuses_a_grace_over_a_day" {
  command = plan

  variables {
    sweep_grace_seconds   = 86401
    sweep_max_age_seconds = 604800
  }

  expect_failures = [var.sweep_grace_seconds]
}

run "refuses_a_max_age_not_above_the_grace" {
  command = plan

  variables {
    sweep_grace_seconds   = 600
    sweep_max_age_seconds = 600
  }

  expect_failures = [var.sweep_max_age_seconds]
}

run "refuses_a_max_age_over_a_week" {
  command = plan

  variables {
    sweep_max_age_seconds = 604801
  }

  expect_failures = [var.sweep_max_age_seconds]
}

run "refuses_a_space_that_is_not_a_space_id" {
  command = plan

  variables {
    sweep_spaces = ["Spaces-1", "Default"]
  }

  expect_failures = [var.sweep_spaces]
}

run "refuses_an_extra_webhook_url_over_plain_http" {
  command = plan

  variables {
    extra_webhook_urls = ["http://hooks.example.com/octopus/webhook"]
  }

  expect_failures = [var.extra_webhook_urls]
}

run "refuses_an_extra_webhook_url_with_a_comma" {
  command = plan

  variables {
    extra_webhook_urls = ["https://hooks.example.com/a,b"]
  }

  expect_failures = [var.extra_webhook_urls]
}

run "refuses_a_sweep_timeout_beyond_lambdas_limit" {
  command = plan

  variables {
    sweep_timeout_seconds = 901
  }

  expect_failures = [var.sweep_timeout_seconds]
}
