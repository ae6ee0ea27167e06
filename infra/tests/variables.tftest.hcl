# Invalid inputs are refused at plan time, before anything is created.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  environment         = "dev"
  octopus_server_url  = "https://octopus.example.com"
  octopus_api_key     = "API-TESTTESTTESTTESTTEST"
  webhook_token       = "0123456789abcdef0123456789abcdef"
  accept_message_zip  = "tests/fixtures/bootstrap.zip"
  process_message_zip = "tests/fixtures/bootstrap.zip"
}

run "refuses_an_unknown_environment" {
  command = plan

  variables {
    environment = "qa"
  }

  expect_failures = [var.environment]
}

run "refuses_max_receive_count_zero" {
  command = plan

  variables {
    max_receive_count = 0
  }

  expect_failures = [var.max_receive_count]
}

run "refuses_a_batching_window_on_a_fifo_queue" {
  command = plan

  variables {
    maximum_batching_window_seconds = 5
  }

  expect_failures = [var.maximum_batching_window_seconds]
}

run "refuses_more_than_ten_messages_per_fifo_batch" {
  command = plan

  variables {
    batch_size = 11
  }

  expect_failures = [var.batch_size]
}

run "refuses_a_short_webhook_token" {
  command = plan

  variables {
    webhook_token = "too-short"
  }

  expect_failures = [var.webhook_token]
}

run "refuses_a_server_url_without_scheme" {
  command = plan

  variables {
    octopus_server_url = "octopus.example.com"
  }

  expect_failures = [var.octopus_server_url]
}

run "refuses_max_concurrency_above_ten" {
  command = plan

  variables {
    max_concurrency = 11
  }

  expect_failures = [var.max_concurrency]
}

run "refuses_a_process_timeout_beyond_lambdas_limit" {
  command = plan

  variables {
    process_message_timeout_seconds = 901
  }

  expect_failures = [var.process_message_timeout_seconds]
}

run "refuses_reserved_concurrency_below_the_mapping_maximum" {
  command = plan

  variables {
    process_message_reserved_concurrency = 1
  }

  expect_failures = [var.process_message_reserved_concurrency]
}

run "refuses_an_unsupported_log_retention" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "refuses_an_unknown_log_level" {
  command = plan

  variables {
    log_level = "VERBOSE"
  }

  expect_failures = [var.log_level]
}

run "accepts_a_standard_queue_with_a_window_and_large_batches" {
  command = plan

  variables {
    fifo_queue                      = false
    maximum_batching_window_seconds = 30
    batch_size                      = 500
  }
}

run "refuses_to_plan_without_a_built_zip" {
  command = plan

  variables {
    process_message_zip = "tests/fixtures/missing.zip"
  }

  expect_failures = [aws_lambda_function.process_message]
}
