# The two functions: runtime and packaging, published versions behind `live`, environment (names
# of secrets, never their values), JSON logging and concurrency limits.

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

override_resource {
  target = aws_sqs_queue.messages
  values = {
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-messages.fifo"
  }
}

run "both_functions_are_arm64_custom_runtime_zips" {
  assert {
    condition = alltrue([
      for f in [aws_lambda_function.accept_message, aws_lambda_function.process_message] :
      f.runtime == "provided.al2023" && f.handler == "bootstrap" && f.architectures == tolist(["arm64"]) && f.memory_size == 128
    ])
    error_message = "both functions must be provided.al2023, handler bootstrap, arm64, 128 MB by default"
  }

  assert {
    condition = alltrue([
      for f in [aws_lambda_function.accept_message, aws_lambda_function.process_message] :
      f.source_code_hash == filebase64sha256("tests/fixtures/bootstrap.zip") && f.publish
    ])
    error_message = "both functions must hash their zip (source_code_hash) and publish a version"
  }

  assert {
    condition     = aws_lambda_function.accept_message.timeout == 10 && aws_lambda_function.process_message.timeout == 60
    error_message = "timeouts must be explicit (10 s and 60 s by default)"
  }

  assert {
    condition     = aws_lambda_function.accept_message.function_name == "octo-responder-dev-accept-message" && aws_lambda_function.process_message.function_name == "octo-responder-dev-process-message"
    error_message = "function names must carry the project and environment"
  }
}

run "each_function_has_a_live_alias_on_its_published_version" {
  assert {
    condition     = aws_lambda_alias.accept_message.name == "live" && aws_lambda_alias.accept_message.function_name == aws_lambda_function.accept_message.function_name && aws_lambda_alias.accept_message.function_version == aws_lambda_function.accept_message.version
    error_message = "accept-message's live alias must point at its published version"
  }

  assert {
    condition     = aws_lambda_alias.process_message.name == "live" && aws_lambda_alias.process_message.function_name == aws_lambda_function.process_message.function_name && aws_lambda_alias.process_message.function_version == aws_lambda_function.process_message.version
    error_message = "process-message's live alias must point at its published version"
  }
}

run "environment_names_the_secrets_and_never_holds_them" {
  assert {
    condition = aws_lambda_function.accept_message.environment[0].variables == tomap({
      QUEUE_URL               = aws_sqs_queue.messages.url
      WEBHOOK_HEADER_NAME     = "X-Octopus-Webhook-Token"
      WEBHOOK_TOKEN_PARAMETER = aws_ssm_parameter.webhook_token.name
    })
    error_message = "accept-message's environment must be the queue URL, header name and token parameter name"
  }

  assert {
    condition = aws_lambda_function.process_message.environment[0].variables == tomap({
      OCTOPUS_SERVER_URL         = "https://octopus.example.com"
      OCTOPUS_API_KEY_PARAMETER  = aws_ssm_parameter.octopus_api_key.name
      OCTOPUS_REQUEST_TIMEOUT_MS = "10000"
      MAX_CONCURRENCY            = "4"
      DRY_RUN                    = "false"
    })
    error_message = "process-message's environment must be the server URL, API key parameter name, timeout, concurrency and dry-run flag"
  }

  assert {
    condition = !anytrue([
      for v in concat(values(aws_lambda_function.accept_message.environment[0].variables), values(aws_lambda_function.process_message.environment[0].variables)) :
      v == var.octopus_api_key || v == var.webhook_token
    ])
    error_message = "no function environment may hold the API key or the webhook token"
  }

  assert {
    condition     = aws_ssm_parameter.webhook_token.name == "/octo-responder/dev/webhook-token" && aws_ssm_parameter.octopus_api_key.name == "/octo-responder/dev/octopus-api-key"
    error_message = "secret parameters must be named by project and environment"
  }
}

run "functions_log_json_at_the_chosen_level" {
  variables {
    log_level = "DEBUG"
  }

  assert {
    condition     = aws_lambda_function.accept_message.logging_config[0].log_format == "JSON" && aws_lambda_function.accept_message.logging_config[0].application_log_level == "DEBUG"
    error_message = "accept-message must use Lambda's JSON log format at var.log_level"
  }

  assert {
    condition     = aws_lambda_function.process_message.logging_config[0].log_format == "JSON" && aws_lambda_function.process_message.logging_config[0].application_log_level == "DEBUG"
    error_message = "process-message must use Lambda's JSON log format at var.log_level"
  }

  assert {
    condition     = aws_lambda_function.accept_message.logging_config[0].log_group == aws_cloudwatch_log_group.accept_message.name && aws_lambda_function.process_message.logging_config[0].log_group == aws_cloudwatch_log_group.process_message.name
    error_message = "each function must log to its own managed log group"
  }
}

run "settings_flow_into_process_message" {
  variables {
    lambda_architecture                  = "x86_64"
    lambda_memory_mb                     = 256
    process_message_timeout_seconds      = 120
    octopus_request_timeout_ms           = 5000
    max_concurrency                      = 8
    dry_run                              = true
    event_source_maximum_concurrency     = 3
    process_message_reserved_concurrency = 5
  }

  assert {
    condition     = aws_lambda_function.process_message.architectures == tolist(["x86_64"]) && aws_lambda_function.process_message.memory_size == 256 && aws_lambda_function.process_message.timeout == 120
    error_message = "architecture, memory and timeout must follow the variables"
  }

  assert {
    condition = (
      aws_lambda_function.process_message.environment[0].variables.OCTOPUS_REQUEST_TIMEOUT_MS == "5000" &&
      aws_lambda_function.process_message.environment[0].variables.MAX_CONCURRENCY == "8" &&
      aws_lambda_function.process_message.environment[0].variables.DRY_RUN == "true"
    )
    error_message = "timeout, concurrency and dry run must reach process-message's environment"
  }

  assert {
    condition     = aws_lambda_function.process_message.reserved_concurrent_executions == 5 && aws_lambda_event_source_mapping.messages.scaling_config[0].maximum_concurrency == 3
    error_message = "reserved and mapping concurrency must follow the variables"
  }
}
