# The work queue, its dead-letter queue, and the event source mapping that feeds process-message.

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
  target = module.process_message.aws_lambda_alias.live
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message:live"
  }
}

run "fifo_queues_by_default" {
  assert {
    condition     = aws_sqs_queue.messages.fifo_queue && aws_sqs_queue.messages_dlq.fifo_queue
    error_message = "both queues must be FIFO by default"
  }

  assert {
    condition     = aws_sqs_queue.messages.name == "octo-responder-dev-messages.fifo" && aws_sqs_queue.messages_dlq.name == "octo-responder-dev-messages-dlq.fifo"
    error_message = "queue names must carry the environment and end in .fifo"
  }

  # accept-message sets MessageDeduplicationId to the event id itself.
  assert {
    condition     = aws_sqs_queue.messages.content_based_deduplication != true
    error_message = "content-based de-duplication must stay off: the event id is the de-duplication id"
  }
}

run "poison_messages_go_to_the_dead_letter_queue" {
  assert {
    condition     = jsondecode(aws_sqs_queue.messages.redrive_policy).deadLetterTargetArn == aws_sqs_queue.messages_dlq.arn
    error_message = "the work queue's redrive policy must target the dead-letter queue"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.messages.redrive_policy).maxReceiveCount == 30
    error_message = "maxReceiveCount must default to the computed budget, 30"
  }

  assert {
    condition     = aws_sqs_queue.messages_dlq.message_retention_seconds > aws_sqs_queue.messages.message_retention_seconds
    error_message = "the dead-letter queue must keep messages longer than the work queue"
  }
}

# The redrive budget: ceil(ride_out_outage_minutes x 60 / visibility timeout) + min(batch_size, 10).
run "max_receive_count_defaults_to_a_two_hour_ride_out_plus_hand_backs_30" {
  assert {
    condition     = aws_sqs_queue.messages.visibility_timeout_seconds == 360
    error_message = "the default visibility timeout must be 6 x 60 s + 0 s = 360 s"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.messages.redrive_policy).maxReceiveCount == 30
    error_message = "maxReceiveCount must be ceil(120 min x 60 / 360 s) + 10 = 20 + 10 = 30 by default"
  }

  assert {
    condition = output.redrive_budget == {
      visibility_timeout_seconds = 360
      ride_out_outage_minutes    = 120
      outage_receives            = 20
      hand_back_receives         = 10
      max_receive_count          = 30
      dead_letter_after_minutes  = 180
    }
    error_message = "the redrive_budget output must show the arithmetic: 20 receives for the outage + 10 for hand-backs = 30, i.e. 180 min"
  }
}

run "max_receive_count_follows_the_timeout_and_the_outage_50" {
  variables {
    process_message_timeout_seconds = 30
    ride_out_outage_minutes         = 120
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.messages.redrive_policy).maxReceiveCount == 50
    error_message = "a 30 s timeout (visibility 180 s) must need ceil(7200 / 180) + 10 = 40 + 10 = 50 receives"
  }
}

run "max_receive_count_counts_the_batching_window_of_a_standard_queue_29" {
  variables {
    fifo_queue                      = false
    maximum_batching_window_seconds = 30
    batch_size                      = 500
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.messages.redrive_policy).maxReceiveCount == 29
    error_message = "visibility 6 x 60 + 30 = 390 s must need ceil(7200 / 390) = 19 receives, plus at most 10 for hand-backs: 29"
  }
}

run "no_ride_out_leaves_the_hand_back_headroom_10" {
  variables {
    ride_out_outage_minutes = 0
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.messages.redrive_policy).maxReceiveCount == 10
    error_message = "without an outage to ride out, maxReceiveCount must still cover the hand-backs of a full FIFO batch (10)"
  }
}

run "an_explicit_max_receive_count_may_raise_the_budget" {
  variables {
    max_receive_count = 50
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.messages.redrive_policy).maxReceiveCount == 50
    error_message = "maxReceiveCount must follow var.max_receive_count when it is set"
  }
}

run "visibility_timeout_is_at_least_six_function_timeouts" {
  assert {
    condition     = aws_sqs_queue.messages.visibility_timeout_seconds >= 6 * module.process_message.function.timeout
    error_message = "visibility timeout must be at least 6x process-message's timeout"
  }
}

run "visibility_timeout_scales_with_a_long_timeout_and_window" {
  variables {
    fifo_queue                      = false
    process_message_timeout_seconds = 900
    maximum_batching_window_seconds = 300
    batch_size                      = 100
  }

  assert {
    condition     = aws_sqs_queue.messages.visibility_timeout_seconds >= 6 * 900 + 300
    error_message = "visibility timeout must cover 6x the timeout plus the batching window"
  }

  assert {
    condition     = aws_sqs_queue.messages.visibility_timeout_seconds <= 43200
    error_message = "visibility timeout must stay within SQS's 12-hour maximum"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.messages.maximum_batching_window_in_seconds == 300 && aws_lambda_event_source_mapping.messages.batch_size == 100
    error_message = "a standard queue's mapping must take the batching window and batch size"
  }
}

run "standard_queues_when_fifo_is_off" {
  variables {
    fifo_queue = false
  }

  assert {
    condition     = !aws_sqs_queue.messages.fifo_queue && !aws_sqs_queue.messages_dlq.fifo_queue
    error_message = "fifo_queue = false must create standard queues"
  }

  assert {
    condition     = !endswith(aws_sqs_queue.messages.name, ".fifo") && !endswith(aws_sqs_queue.messages_dlq.name, ".fifo")
    error_message = "standard queue names must not end in .fifo"
  }
}

run "mapping_feeds_the_live_alias_with_partial_batch_responses" {
  assert {
    condition     = aws_lambda_event_source_mapping.messages.function_name == module.process_message.alias.arn
    error_message = "the mapping must invoke process-message's live alias"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.messages.event_source_arn == aws_sqs_queue.messages.arn
    error_message = "the mapping must read the work queue (not the dead-letter queue)"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.messages.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "the mapping must use ReportBatchItemFailures"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.messages.batch_size == 10 && aws_lambda_event_source_mapping.messages.maximum_batching_window_in_seconds == null
    error_message = "a FIFO mapping takes at most 10 messages and no batching window"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.messages.scaling_config[0].maximum_concurrency == 2
    error_message = "the mapping's maximum concurrency must cap process-message (default 2)"
  }
}
