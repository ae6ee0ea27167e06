# What `terraform apply` prints for the Octopus subscription, and names per environment.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  needs_a_person_enabled  = true
  environment             = "prod"
  octopus_server_url      = "https://octopus.example.com"
  octopus_api_key         = "API-TESTTESTTESTTESTTEST"
  webhook_token           = "" # "" generates it; set because terraform test < 1.17 needs it (hashicorp/terraform#38974)
  accept_message_zip      = "tests/fixtures/bootstrap.zip"
  process_message_zip     = "tests/fixtures/bootstrap.zip"
  sweep_interruptions_zip = "tests/fixtures/bootstrap.zip"
  canary_check_zip        = "tests/fixtures/bootstrap.zip"
}

override_resource {
  target = aws_sqs_queue.messages
  values = { url = "https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-prod-messages.fifo" }
}

override_resource {
  target = aws_sqs_queue.messages_dlq
  values = { url = "https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-prod-messages-dlq.fifo" }
}

run "outputs_give_everything_the_subscription_needs" {
  assert {
    condition     = output.webhook_url == "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook"
    error_message = "webhook_url must be the API endpoint plus /octopus/webhook"
  }

  assert {
    condition     = output.webhook_header_name == "X-Octopus-Webhook-Token" && output.webhook_token_parameter == "/octo-responder/prod/webhook-token"
    error_message = "the header key and the webhook secret's parameter (never the secret: no output carries it) must be output for the subscriptions"
  }

  assert {
    condition = output.example_payload_urls == {
      guided_failure_retry        = "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook?type=Guidance&action=Retry&maximumretry=1"
      guided_failure_fail         = "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook?type=Guidance&action=Fail"
      guided_failure_exclude      = "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook?type=Guidance&action=Exclude"
      guided_failure_ignore       = "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook?type=Guidance&action=Ignore"
      manual_intervention_proceed = "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook?type=Result&action=Proceed"
      manual_intervention_abort   = "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook?type=Result&action=Abort"
    }
    error_message = "example payload URLs must cover every guided failure and manual intervention rule"
  }

  assert {
    condition     = output.queue_url == aws_sqs_queue.messages.url && output.dlq_url == aws_sqs_queue.messages_dlq.url
    error_message = "queue and dead-letter queue URLs must be output"
  }

  assert {
    condition = (
      output.accept_message_function_arn == module.accept_message.function.arn &&
      output.process_message_function_arn == module.process_message.function.arn &&
      output.accept_message_alias_arn == module.accept_message.alias.arn &&
      output.process_message_alias_arn == module.process_message.alias.arn
    )
    error_message = "function and alias ARNs must be output"
  }

  assert {
    condition     = output.octopus_api_key_parameter == "/octo-responder/prod/octopus-api-key" && output.webhook_token_parameter == "/octo-responder/prod/webhook-token"
    error_message = "the secret parameter names must be output"
  }
}

run "environment_prefixes_names_and_tags" {
  variables {
    tags = { CostCenter = "platform", Environment = "ignored" }
  }

  assert {
    condition = alltrue([
      for name in [
        module.accept_message.function.function_name, module.process_message.function.function_name,
        aws_sqs_queue.messages.name, aws_sqs_queue.messages_dlq.name, aws_apigatewayv2_api.webhook.name,
        module.accept_message.role.name, module.process_message.role.name, aws_kms_alias.this.name,
        aws_cloudwatch_metric_alarm.dlq_not_empty.alarm_name, aws_sns_topic.needs_a_person[0].name,
        aws_dynamodb_table.notices[0].name,
      ] : strcontains(name, "octo-responder-prod")
    ])
    error_message = "every name must carry <project>-<environment>"
  }

  assert {
    condition     = local.tags == { CostCenter = "platform", Project = "octo-responder", Environment = "prod", ManagedBy = "terraform" }
    error_message = "default tags must hold Project and Environment (which extra tags cannot override) plus the extra tags"
  }
}
