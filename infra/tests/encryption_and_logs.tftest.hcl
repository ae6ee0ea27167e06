# Data at rest under the responder's key, log groups with retention, and the alarms.

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

run "everything_at_rest_is_encrypted_with_the_rotating_key" {
  variables {
    alarm_email = "oncall@example.com"
  }

  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "the responder's key must rotate"
  }

  assert {
    condition     = alltrue([for q in [aws_sqs_queue.messages, aws_sqs_queue.messages_dlq, aws_sqs_queue.sweep_dlq[0]] : q.kms_master_key_id == aws_kms_key.this.arn])
    error_message = "every queue (work, dead-letter, the sweep schedule's dead-letter) must be encrypted with the responder's key"
  }

  assert {
    condition = alltrue([
      for p in [aws_ssm_parameter.octopus_api_key, aws_ssm_parameter.webhook_token] :
      p.type == "SecureString" && p.key_id == aws_kms_key.this.arn
    ])
    error_message = "both secrets must be SecureStrings under the responder's key"
  }

  assert {
    condition = alltrue([
      for g in concat([for fn in values(local.functions) : fn.log_group], [aws_cloudwatch_log_group.api_access]) :
      g.kms_key_id == aws_kms_key.this.arn
    ])
    error_message = "all log groups must be encrypted with the responder's key"
  }

  assert {
    condition     = aws_sns_topic.alarms[0].kms_master_key_id == aws_kms_key.this.arn
    error_message = "the alarm topic must be encrypted with the responder's key"
  }
}

run "log_groups_keep_logs_for_the_retention_period" {
  assert {
    condition = alltrue([
      for g in concat([for fn in values(local.functions) : fn.log_group], [aws_cloudwatch_log_group.api_access]) :
      g.retention_in_days == 30
    ])
    error_message = "every log group must have a retention (30 days by default)"
  }

  assert {
    condition     = module.accept_message.log_group.name == "/aws/lambda/octo-responder-dev-accept-message" && module.process_message.log_group.name == "/aws/lambda/octo-responder-dev-process-message"
    error_message = "function log groups must be the functions' own"
  }
}

run "retention_follows_the_variable" {
  variables {
    log_retention_days = 365
  }

  assert {
    condition = alltrue([
      for g in concat([for fn in values(local.functions) : fn.log_group], [aws_cloudwatch_log_group.api_access]) :
      g.retention_in_days == 365
    ])
    error_message = "log retention must follow var.log_retention_days"
  }
}

run "alarms_watch_the_dlq_errors_and_queue_age_without_a_topic" {
  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && length(aws_sns_topic_subscription.alarm_email) == 0
    error_message = "no topic is created without alarm_email"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dlq_not_empty.dimensions.QueueName == aws_sqs_queue.messages_dlq.name &&
      aws_cloudwatch_metric_alarm.dlq_not_empty.metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.dlq_not_empty.comparison_operator == "GreaterThanThreshold" &&
      aws_cloudwatch_metric_alarm.dlq_not_empty.threshold == 0
    )
    error_message = "an alarm must fire when the dead-letter queue holds any message"
  }

  assert {
    condition = (
      module.process_message.errors_alarm.namespace == "AWS/Lambda" &&
      module.process_message.errors_alarm.metric_name == "Errors" &&
      module.process_message.errors_alarm.dimensions.FunctionName == module.process_message.function.function_name
    )
    error_message = "an alarm must fire on process-message errors"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.oldest_message_age.metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.oldest_message_age.dimensions.QueueName == aws_sqs_queue.messages.name &&
      aws_cloudwatch_metric_alarm.oldest_message_age.threshold == 900
    )
    error_message = "an alarm must fire when the work queue's oldest message is too old"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.dlq_not_empty.alarm_actions) == 0
    error_message = "without a topic the alarms notify nobody (they still show in the console and API)"
  }
}

run "alarms_notify_the_email_topic_and_an_existing_topic" {
  variables {
    alarm_email         = "oncall@example.com"
    alarm_sns_topic_arn = "arn:aws:sns:eu-west-1:123456789012:chatops"
  }

  assert {
    condition     = aws_sns_topic_subscription.alarm_email[0].protocol == "email" && aws_sns_topic_subscription.alarm_email[0].endpoint == "oncall@example.com" && aws_sns_topic_subscription.alarm_email[0].topic_arn == aws_sns_topic.alarms[0].arn
    error_message = "alarm_email must be subscribed to the alarm topic"
  }

  assert {
    condition = alltrue([
      for a in concat(
        [aws_cloudwatch_metric_alarm.dlq_not_empty, aws_cloudwatch_metric_alarm.oldest_message_age],
        [for fn in values(local.functions) : fn.errors_alarm],
        aws_cloudwatch_metric_alarm.sweep_dlq_not_empty, aws_cloudwatch_metric_alarm.sweep_enqueued,
      ) :
      a.alarm_actions == toset([aws_sns_topic.alarms[0].arn, "arn:aws:sns:eu-west-1:123456789012:chatops"]) && a.actions_enabled
    ])
    error_message = "every alarm must notify the email topic and the existing topic"
  }

  assert {
    condition     = contains([for s in data.aws_iam_policy_document.kms.statement : s.sid], "CloudWatchAlarmsPublishToEncryptedTopic")
    error_message = "CloudWatch must be allowed to publish to the encrypted topic"
  }
}
