# Invalid inputs are refused at plan time, before anything is created.

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

run "refuses_a_max_receive_count_below_the_outage_budget" {
  command = plan

  variables {
    max_receive_count = 29 # the defaults need ceil(120 x 60 / 360) + 10 = 30
  }

  expect_failures = [var.max_receive_count]
}

run "refuses_an_old_style_max_receive_count_of_5" {
  command = plan

  variables {
    max_receive_count = 5
  }

  expect_failures = [var.max_receive_count]
}

run "refuses_an_outage_beyond_sqs_receive_limit" {
  command = plan

  variables {
    process_message_timeout_seconds = 5   # visibility 30 s
    ride_out_outage_minutes         = 600 # 1200 receives + 10 > 1000
  }

  expect_failures = [var.ride_out_outage_minutes]
}

run "refuses_a_retention_shorter_than_the_redrive_budget" {
  command = plan

  variables {
    message_retention_seconds = 3600 # < 30 receives x 360 s
  }

  expect_failures = [aws_sqs_queue.messages]
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

# modules/function on its own (terraform test reaches a precondition in the module under test
# only): the root passes local.process_message_zip, whose hash tests/functions.tftest.hcl checks.
run "refuses_to_plan_without_a_built_zip" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    shared = {
      name_prefix        = "octo-responder-dev"
      environment        = "dev"
      architecture       = "arm64"
      memory_mb          = 128
      log_level          = "INFO"
      log_retention_days = 30
      kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      alarm_actions      = []
    }
    name                     = "process-message"
    description              = "test"
    role_description         = "test"
    alias_description        = "test"
    errors_alarm_description = "test"
    zip                      = "tests/fixtures/missing.zip"
    zip_variable             = "process_message_zip"
    timeout_seconds          = 60
    policy_statements        = []
    shifted_by_codedeploy    = true
  }

  expect_failures = [aws_lambda_function.this]
}
