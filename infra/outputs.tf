# What to paste into the Octopus subscription, and the names of everything created.

output "webhook_url" {
  description = "URL the Octopus subscription posts to; add the rule as a query string (see example_payload_urls)."
  value       = local.webhook_url
}

output "webhook_urls" {
  description = "Every URL that reaches accept-message: webhook_url, then extra_webhook_urls. sweep-interruptions follows only subscriptions that point at one of them (WEBHOOK_URLS)."
  value       = local.webhook_urls
}

output "webhook_header_name" {
  description = "Header key to set in the Octopus subscription (WebhookHeaderKey)."
  value       = var.webhook_header_name
}

output "example_payload_urls" {
  description = "Payload URLs for each rule, to paste into a subscription filtered on the matching event category (see octopus_event_categories)."
  value = {
    guided_failure_retry        = "${local.webhook_url}?type=Guidance&action=Retry&maximumretry=1"
    guided_failure_fail         = "${local.webhook_url}?type=Guidance&action=Fail"
    guided_failure_exclude      = "${local.webhook_url}?type=Guidance&action=Exclude"
    guided_failure_ignore       = "${local.webhook_url}?type=Guidance&action=Ignore"
    manual_intervention_proceed = "${local.webhook_url}?type=Result&action=Proceed"
    manual_intervention_abort   = "${local.webhook_url}?type=Result&action=Abort"
  }
}

output "octopus_event_categories" {
  description = "Event category to filter the subscription on, by rule type: guided failure URLs (type=Guidance) and manual intervention URLs (type=Result)."
  value = {
    Guidance = "GuidedFailureInterruptionRaised (\"Guided failure interruption raised\")"
    Result   = "ManualInterventionInterruptionRaised (\"Manual intervention interruption raised\")"
  }
}

output "api_id" {
  description = "ID of the webhook HTTP API."
  value       = aws_apigatewayv2_api.webhook.id
}

output "queue_url" {
  description = "URL of the work queue between accept-message and process-message."
  value       = aws_sqs_queue.messages.url
}

output "dlq_url" {
  description = "URL of the dead-letter queue; messages here need a person (the dlq-not-empty alarm fires)."
  value       = aws_sqs_queue.messages_dlq.url
}

output "queue_arn" {
  description = "ARN of the work queue (the destination of `make redrive`)."
  value       = aws_sqs_queue.messages.arn
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue (the source of `make redrive`)."
  value       = aws_sqs_queue.messages_dlq.arn
}

output "redrive_budget" {
  description = "How the work queue's maxReceiveCount was sized: receives for ride_out_outage_minutes at one per visibility timeout, plus hand-back headroom; dead_letter_after_minutes is how long a record that fails every time stays in the work queue."
  value = {
    visibility_timeout_seconds = local.visibility_timeout_seconds
    ride_out_outage_minutes    = var.ride_out_outage_minutes
    outage_receives            = local.redrive_outage_receives
    hand_back_receives         = local.redrive_handback_receives
    max_receive_count          = local.max_receive_count
    dead_letter_after_minutes  = local.max_receive_count * local.visibility_timeout_seconds / 60
  }
}

output "accept_message_function_arn" {
  description = "ARN of the accept-message function."
  value       = module.accept_message.function.arn
}

output "accept_message_alias_arn" {
  description = "ARN of accept-message's live alias, which API Gateway invokes."
  value       = module.accept_message.alias.arn
}

output "process_message_function_arn" {
  description = "ARN of the process-message function."
  value       = module.process_message.function.arn
}

output "process_message_alias_arn" {
  description = "ARN of process-message's live alias, which the SQS event source mapping invokes."
  value       = module.process_message.alias.arn
}

output "sweep_interruptions_function_name" {
  description = "Name of the sweep-interruptions function, or null when sweep_enabled is false."
  value       = one(module.sweep_interruptions[*].function.function_name)
}

output "sweep_interruptions_function_arn" {
  description = "ARN of the sweep-interruptions function, or null when sweep_enabled is false."
  value       = one(module.sweep_interruptions[*].function.arn)
}

output "sweep_interruptions_alias_arn" {
  description = "ARN of sweep-interruptions' live alias, which the schedule invokes, or null when sweep_enabled is false."
  value       = one(module.sweep_interruptions[*].alias.arn)
}

output "sweep_schedule_name" {
  description = "Name of the EventBridge Scheduler schedule that runs the sweep (in the group sweep_schedule_group_name), or null when sweep_enabled is false."
  value       = one(aws_scheduler_schedule.sweep[*].name)
}

output "sweep_schedule_group_name" {
  description = "EventBridge Scheduler schedule group holding the sweep's schedule, or null when sweep_enabled is false."
  value       = one(aws_scheduler_schedule_group.sweep[*].name)
}

output "sweep_schedule_arn" {
  description = "ARN of the sweep's schedule, or null when sweep_enabled is false."
  value       = one(aws_scheduler_schedule.sweep[*].arn)
}

output "sweep_dlq_url" {
  description = "URL of the queue where EventBridge Scheduler puts sweep invocations it could not deliver (the sweep-dlq-not-empty alarm fires), or null when sweep_enabled is false."
  value       = one(aws_sqs_queue.sweep_dlq[*].url)
}

output "octopus_api_key_parameter" {
  description = "Name of the SSM SecureString holding the Octopus API key (rotate it with `make secrets ENV=<env>`, or TF_VAR_octopus_api_key and octopus_api_key_version + 1; the functions read it at cold start)."
  value       = aws_ssm_parameter.octopus_api_key.name
}

output "webhook_token_parameter" {
  description = "Name of the SSM SecureString holding the environment's webhook secret (generated during the apply or by `make rotate-webhook-secret`; no output carries the value): each rule's token (the subscription's WebhookHeaderValue) is HMAC-SHA256 of the rule's canonical query under it, which `make subscriptions` and `octo-responder token` derive after reading it with kms:Decrypt."
  value       = aws_ssm_parameter.webhook_token.name
}

output "log_group_names" {
  description = "CloudWatch log groups of the functions (sweep_interruptions only with sweep_enabled, canary_check the CodeDeploy hook) and the API's access log."
  value = merge(
    { for key, fn in local.all_functions : key => fn.log_group.name },
    { api_access = aws_cloudwatch_log_group.api_access.name },
  )
}

output "alarm_topic_arn" {
  description = "ARN of the alarm email topic, or null when alarm_email is not set."
  value       = one(aws_sns_topic.alarms[*].arn)
}

output "needs_a_person_topic_arn" {
  description = "ARN of the SNS topic process-message and sweep-interruptions publish \"needs a person\" messages to (NEEDS_A_PERSON_TOPIC_ARN): the created <project>-<environment>-needs-a-person or needs_a_person_topic_arn; null when needs_a_person_enabled is false."
  value       = local.needs_a_person_topic_arn
}

output "notices_table_name" {
  description = "Name of the DynamoDB table process-message and sweep-interruptions record the \"needs a person\" notices they sent in (NOTICES_TABLE), so that each interruption and reason is told once: <project>-<environment>-notices; null when needs_a_person_enabled is false."
  value       = local.notices_table_name
}

output "kms_key_arn" {
  description = "ARN of the responder's KMS key (queues, secrets, logs, alarm and needs-a-person topics, notices table)."
  value       = aws_kms_key.this.arn
}

# ---- Delivery (codedeploy.tf; read by scripts/deploy.sh and the README) -------------------------

output "accept_message_version" {
  description = "Version of accept-message this apply published (CodeDeploy moves live to it; the first apply creates live on it)."
  value       = module.accept_message.function.version
}

output "process_message_version" {
  description = "Version of process-message this apply published (CodeDeploy moves live to it; the first apply creates live on it)."
  value       = module.process_message.function.version
}

output "sweep_interruptions_version" {
  description = "Version of sweep-interruptions this apply published (CodeDeploy moves live to it; the first apply creates live on it), or null when sweep_enabled is false."
  value       = one(module.sweep_interruptions[*].function.version)
}

output "codedeploy_application_name" {
  description = "CodeDeploy application shifting the live aliases (its deployment groups are named like the functions)."
  value       = aws_codedeploy_app.this.name
}

output "codedeploy_deployment_group_names" {
  description = "CodeDeploy deployment group of each shifted function (sweep_interruptions only with sweep_enabled)."
  value       = { for k, g in aws_codedeploy_deployment_group.this : k => g.deployment_group_name }
}

output "canary_check_function_name" {
  description = "Name of canary-check, the function scripts/shift-traffic.sh names as the AppSpec's BeforeAllowTraffic and AfterAllowTraffic hooks."
  value       = module.canary_check.function.function_name
}

output "codedeploy_rollback_alarm_names" {
  description = "The alarms that roll back each shifted function's CodeDeploy deployment (60-second Errors of its live alias and of the version this apply published; process-message's Failed records too)."
  value       = { for k, g in local.codedeploy_groups : k => g.alarms[*].alarm_name }
}
