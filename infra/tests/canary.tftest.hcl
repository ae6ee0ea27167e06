# canary-check: CodeDeploy's BeforeAllowTraffic/AfterAllowTraffic hook (lambda.tf). One more call
# of modules/function, not shifted by CodeDeploy itself; told the shifted functions' names, the
# webhook token's parameter and header, and the space of its synthetic events; its role may report
# hook results in this application's groups, invoke the shifted functions' versions and read the
# webhook token, and nothing else.

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

# Distinct ARNs, so that a statement on the wrong function or parameter fails.
override_resource {
  target = module.accept_message.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message" }
}

override_resource {
  target = module.process_message.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message" }
}

override_resource {
  target = module.sweep_interruptions[0].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions" }
}

override_resource {
  target = module.canary_check.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-canary-check" }
}

override_resource {
  target = module.canary_check.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/octo-responder-dev-canary-check-role" }
}

override_resource {
  target = aws_ssm_parameter.webhook_token
  values = { arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/octo-responder/dev/webhook-token" }
}

override_resource {
  target = aws_ssm_parameter.octopus_api_key
  values = { arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/octo-responder/dev/octopus-api-key" }
}

run "canary_check_is_a_function_of_its_own_that_terraform_moves" {
  assert {
    condition = (
      module.canary_check.function.function_name == "octo-responder-dev-canary-check" &&
      module.canary_check.role.name == "octo-responder-dev-canary-check-role" &&
      module.canary_check.function.role == "arn:aws:iam::123456789012:role/octo-responder-dev-canary-check-role" &&
      module.canary_check.log_group.name == "/aws/lambda/octo-responder-dev-canary-check" &&
      output.canary_check_function_name == "octo-responder-dev-canary-check"
    )
    error_message = "canary-check must be <project>-<env>-canary-check with its own role and log group, and be output for the AppSpec's hooks"
  }

  assert {
    condition = (
      module.canary_check.function.runtime == "provided.al2023" && module.canary_check.function.handler == "bootstrap" &&
      module.canary_check.function.source_code_hash == filebase64sha256("tests/fixtures/bootstrap.zip") &&
      module.canary_check.function.timeout == 120 && module.canary_check.function.publish
    )
    error_message = "canary-check must be a published provided.al2023 zip with a 120 s timeout by default (it invokes a function and waits)"
  }

  assert {
    condition     = module.canary_check.alias.name == "live" && module.canary_check.alias.function_version == module.canary_check.function.version
    error_message = "canary-check's live must be on the version this apply published"
  }

  assert {
    condition     = !contains(keys(local.functions), "canary_check") && !contains(keys(aws_codedeploy_deployment_group.this), "canary_check") && output.log_group_names.canary_check == module.canary_check.log_group.name
    error_message = "canary-check must not be shifted by CodeDeploy (no deployment group of its own), and its log group must be output"
  }
}

run "canary_check_is_told_the_functions_the_token_parameter_and_the_space" {
  assert {
    condition = module.canary_check.function.environment[0].variables == tomap({
      ENVIRONMENT                  = "dev"
      ACCEPT_MESSAGE_FUNCTION      = "octo-responder-dev-accept-message"
      PROCESS_MESSAGE_FUNCTION     = "octo-responder-dev-process-message"
      SWEEP_INTERRUPTIONS_FUNCTION = "octo-responder-dev-sweep-interruptions"
      WEBHOOK_TOKEN_PARAMETER      = "/octo-responder/dev/webhook-token"
      WEBHOOK_HEADER_NAME          = "X-Octopus-Webhook-Token"
      CANARY_SPACE_ID              = "Spaces-1"
    })
    error_message = "canary-check's environment must be exactly the three function names, the token parameter's name, the header and the space (Spaces-1 by default)"
  }

  assert {
    condition = !anytrue([
      for v in values(module.canary_check.function.environment[0].variables) : strcontains(v, "API-TESTTESTTESTTESTTEST")
    ])
    error_message = "canary-check's environment must not hold the API key (the webhook secret is generated in AWS, no variable holds it)"
  }
}

run "canary_check_settings_follow_the_variables" {
  command = plan

  variables {
    canary_space_id              = "Spaces-42"
    canary_check_timeout_seconds = 300
    webhook_header_name          = "X-Other-Header"
  }

  assert {
    condition = (
      module.canary_check.function.environment[0].variables.CANARY_SPACE_ID == "Spaces-42" &&
      module.canary_check.function.environment[0].variables.WEBHOOK_HEADER_NAME == "X-Other-Header" &&
      module.canary_check.function.timeout == 300
    )
    error_message = "canary_space_id, webhook_header_name and canary_check_timeout_seconds must reach canary-check"
  }
}

run "canary_check_role_is_scoped_to_the_hook_the_shifted_versions_and_the_token" {
  assert {
    condition = [for s in module.canary_check.policy_document.statement : s.sid] == [
      "ReportLifecycleHook", "InvokeShiftedVersions", "ReadWebhookToken", "DecryptWebhookToken", "WriteOwnLogs",
    ]
    error_message = "canary-check's role must have exactly these statements"
  }

  assert {
    condition = (
      module.canary_check.policy_document.statement[0].actions == toset([
        "codedeploy:ListDeploymentTargets", "codedeploy:GetDeploymentTarget", "codedeploy:GetDeployment",
        "codedeploy:PutLifecycleEventHookExecutionStatus",
      ]) &&
      module.canary_check.policy_document.statement[0].resources == toset(["arn:aws:codedeploy:eu-west-1:123456789012:deploymentgroup:octo-responder-dev/*"])
    )
    error_message = "canary-check may read deployments and report hook results in this application's deployment groups only"
  }

  assert {
    condition = (
      module.canary_check.policy_document.statement[1].actions == toset(["lambda:InvokeFunction"]) &&
      module.canary_check.policy_document.statement[1].resources == toset([
        "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message:*",
        "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message:*",
        "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions:*",
      ])
    )
    error_message = "canary-check may invoke the shifted functions' versions and alias only (never itself, never another function)"
  }

  assert {
    condition = (
      module.canary_check.policy_document.statement[2].actions == toset(["ssm:GetParameter"]) &&
      module.canary_check.policy_document.statement[2].resources == toset(["arn:aws:ssm:eu-west-1:123456789012:parameter/octo-responder/dev/webhook-token"]) &&
      module.canary_check.policy_document.statement[3].actions == toset(["kms:Decrypt"]) &&
      module.canary_check.policy_document.statement[3].resources == toset([aws_kms_key.this.arn]) &&
      [for c in module.canary_check.policy_document.statement[3].condition : "${c.test} ${c.variable}=${join(",", c.values)}"] == [
        "StringEquals kms:EncryptionContext:PARAMETER_ARN=arn:aws:ssm:eu-west-1:123456789012:parameter/octo-responder/dev/webhook-token",
      ]
    )
    error_message = "canary-check may read the webhook token (not the API key) and decrypt it only as that parameter"
  }

  assert {
    condition = !anytrue(flatten([
      for s in module.canary_check.policy_document.statement : [for r in s.resources : r == "*"]
    ]))
    error_message = "canary-check's role must not have a \"*\" resource"
  }
}

run "without_the_sweep_canary_check_neither_names_nor_invokes_it" {
  variables {
    sweep_enabled           = false
    sweep_interruptions_zip = null
  }

  assert {
    condition     = !contains(keys(module.canary_check.function.environment[0].variables), "SWEEP_INTERRUPTIONS_FUNCTION") && length(module.canary_check.function.environment[0].variables) == 6
    error_message = "without the sweep, SWEEP_INTERRUPTIONS_FUNCTION must be left out (not set empty)"
  }

  assert {
    condition = module.canary_check.policy_document.statement[1].resources == toset([
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message:*",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message:*",
    ])
    error_message = "without the sweep, canary-check may invoke the two other functions only"
  }
}

run "refuses_a_canary_space_that_is_not_a_space_id" {
  command = plan

  variables {
    canary_space_id = "Projects-1"
  }

  expect_failures = [var.canary_space_id]
}

run "refuses_a_canary_timeout_beyond_lambdas_limit" {
  command = plan

  variables {
    canary_check_timeout_seconds = 901
  }

  expect_failures = [var.canary_check_timeout_seconds]
}
