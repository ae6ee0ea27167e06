# The functions: runtime and packaging, published versions behind `live`, environment (names of
# secrets, never their values), JSON logging and concurrency limits. canary-check, CodeDeploy's
# hook, has its own tests/canary.tftest.hcl.

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
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-messages.fifo"
  }
}

run "both_functions_are_arm64_custom_runtime_zips" {
  assert {
    condition = alltrue([
      for f in [module.accept_message.function, module.process_message.function] :
      f.runtime == "provided.al2023" && f.handler == "bootstrap" && f.architectures == tolist(["arm64"]) && f.memory_size == 128
    ])
    error_message = "both functions must be provided.al2023, handler bootstrap, arm64, 128 MB by default"
  }

  assert {
    condition = alltrue([
      for f in [module.accept_message.function, module.process_message.function] :
      f.source_code_hash == filebase64sha256("tests/fixtures/bootstrap.zip") && f.publish
    ])
    error_message = "both functions must hash their zip (source_code_hash) and publish a version"
  }

  assert {
    condition     = module.accept_message.function.timeout == 10 && module.process_message.function.timeout == 60
    error_message = "timeouts must be explicit (10 s and 60 s by default)"
  }

  assert {
    condition     = module.accept_message.function.function_name == "octo-responder-dev-accept-message" && module.process_message.function.function_name == "octo-responder-dev-process-message"
    error_message = "function names must carry the project and environment"
  }
}

run "each_function_has_a_live_alias_on_its_published_version" {
  assert {
    condition     = module.accept_message.alias.name == "live" && module.accept_message.alias.function_name == module.accept_message.function.function_name && module.accept_message.alias.function_version == module.accept_message.function.version
    error_message = "accept-message's live alias must point at its published version"
  }

  assert {
    condition     = module.process_message.alias.name == "live" && module.process_message.alias.function_name == module.process_message.function.function_name && module.process_message.alias.function_version == module.process_message.function.version
    error_message = "process-message's live alias must point at its published version"
  }
}

run "environment_names_the_secrets_and_never_holds_them" {
  assert {
    condition = module.accept_message.function.environment[0].variables == tomap({
      ENVIRONMENT                 = "dev"
      QUEUE_URL                   = aws_sqs_queue.messages.url
      WEBHOOK_HEADER_NAME         = "X-Octopus-Webhook-Token"
      WEBHOOK_TOKEN_PARAMETER     = aws_ssm_parameter.webhook_token.name
      ALLOW_SHARED_WEBHOOK_SECRET = "false"
    })
    error_message = "accept-message's environment must be the environment, queue URL, header name, token parameter name and the shared secret refused (ALLOW_SHARED_WEBHOOK_SECRET=false by default)"
  }

  assert {
    condition = module.process_message.function.environment[0].variables == tomap({
      ENVIRONMENT                = "dev"
      OCTOPUS_SERVER_URL         = "https://octopus.example.com"
      OCTOPUS_API_KEY_PARAMETER  = aws_ssm_parameter.octopus_api_key.name
      OCTOPUS_REQUEST_TIMEOUT_MS = "10000"
      MAX_CONCURRENCY            = "4"
      DRY_RUN                    = "false"
      NEEDS_A_PERSON_TOPIC_ARN   = aws_sns_topic.needs_a_person[0].arn
      NOTICES_TABLE              = aws_dynamodb_table.notices[0].name
    })
    error_message = "process-message's environment must be the environment, server URL, API key parameter name, timeout, concurrency, dry-run flag, needs-a-person topic ARN and notices table name"
  }

  assert {
    condition = !anytrue([
      for v in concat(values(module.accept_message.function.environment[0].variables), values(module.process_message.function.environment[0].variables)) :
      strcontains(v, "API-TESTTESTTESTTESTTEST")
    ])
    error_message = "no function environment may hold the API key (the webhook secret is generated in AWS, no variable holds it)"
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
    condition     = module.accept_message.function.logging_config[0].log_format == "JSON" && module.accept_message.function.logging_config[0].application_log_level == "DEBUG"
    error_message = "accept-message must use Lambda's JSON log format at var.log_level"
  }

  assert {
    condition     = module.process_message.function.logging_config[0].log_format == "JSON" && module.process_message.function.logging_config[0].application_log_level == "DEBUG"
    error_message = "process-message must use Lambda's JSON log format at var.log_level"
  }

  assert {
    condition     = module.accept_message.function.logging_config[0].log_group == module.accept_message.log_group.name && module.process_message.function.logging_config[0].log_group == module.process_message.log_group.name
    error_message = "each function must log to its own managed log group"
  }
}

run "a_migration_lets_accept_message_accept_the_shared_secret" {
  variables {
    allow_shared_webhook_secret = true
  }

  assert {
    condition     = module.accept_message.function.environment[0].variables.ALLOW_SHARED_WEBHOOK_SECRET == "true"
    error_message = "allow_shared_webhook_secret must reach accept-message as ALLOW_SHARED_WEBHOOK_SECRET=true"
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
    condition     = module.process_message.function.architectures == tolist(["x86_64"]) && module.process_message.function.memory_size == 256 && module.process_message.function.timeout == 120
    error_message = "architecture, memory and timeout must follow the variables"
  }

  assert {
    condition = (
      module.process_message.function.environment[0].variables.OCTOPUS_REQUEST_TIMEOUT_MS == "5000" &&
      module.process_message.function.environment[0].variables.MAX_CONCURRENCY == "8" &&
      module.process_message.function.environment[0].variables.DRY_RUN == "true"
    )
    error_message = "timeout, concurrency and dry run must reach process-message's environment"
  }

  assert {
    condition     = module.process_message.function.reserved_concurrent_executions == 5 && aws_lambda_event_source_mapping.messages.scaling_config[0].maximum_concurrency == 3
    error_message = "reserved and mapping concurrency must follow the variables"
  }
}

# Every function tags its EMF metrics with the Environment dimension from ENVIRONMENT, canary-check
# (CodeDeploy's hook, tests/canary.tftest.hcl) included.
run "every_function_knows_its_environment_for_metrics" {
  variables {
    environment = "staging"
  }

  assert {
    condition = length(local.all_functions) == 4 && alltrue([
      for fn in values(local.all_functions) : fn.function.environment[0].variables.ENVIRONMENT == "staging"
    ])
    error_message = "every function's environment must carry ENVIRONMENT = var.environment (the EMF Environment dimension)"
  }
}

# Three functions serve traffic and are shifted by CodeDeploy; canary-check is not.
run "the_functions_codedeploy_shifts_are_the_three_that_serve_traffic" {
  command = plan

  assert {
    condition = (
      toset(keys(local.functions)) == toset(["accept_message", "process_message", "sweep_interruptions"]) &&
      toset(keys(local.all_functions)) == toset(["accept_message", "process_message", "sweep_interruptions", "canary_check"])
    )
    error_message = "local.functions (CodeDeploy's groups) must be the three functions that serve traffic; local.all_functions adds canary-check"
  }

  assert {
    condition = alltrue([
      for fn in values(local.all_functions) :
      fn.function.runtime == "provided.al2023" && fn.function.architectures == tolist(["arm64"]) &&
      fn.log_group.retention_in_days == 30 && fn.function.logging_config[0].log_format == "JSON"
    ])
    error_message = "every function, canary-check included, must be an arm64 provided.al2023 zip logging JSON to its own retained log group"
  }
}

# modules/function must name everything as lambda.tf, iam.tf, logs.tf and alarms.tf did before it:
# moved.tf only moves state, a changed name would replace the resource.
run "function_resources_keep_the_names_they_had_before_the_module" {
  assert {
    condition = alltrue([
      for key, name in { accept_message = "accept-message", process_message = "process-message" } :
      local.functions[key].function.function_name == "octo-responder-dev-${name}" &&
      local.functions[key].role.name == "octo-responder-dev-${name}-role" &&
      local.functions[key].role_policy.name == name &&
      local.functions[key].log_group.name == "/aws/lambda/octo-responder-dev-${name}" &&
      local.functions[key].errors_alarm.alarm_name == "octo-responder-dev-${name}-errors" &&
      local.functions[key].alias.name == "live"
    ])
    error_message = "function, role, inline policy, log group, alarm and alias names must stay as they were"
  }

  assert {
    condition = alltrue([
      for fn in values(local.functions) :
      fn.errors_alarm.namespace == "AWS/Lambda" && fn.errors_alarm.metric_name == "Errors" &&
      fn.errors_alarm.dimensions.FunctionName == fn.function.function_name &&
      fn.errors_alarm.threshold == 0 && fn.errors_alarm.comparison_operator == "GreaterThanThreshold"
    ])
    error_message = "every function must have an Errors alarm on itself"
  }
}
