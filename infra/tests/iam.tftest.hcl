# Least privilege: one role per function, every statement scoped to this deployment's ARNs, no
# "*" in any action or resource, KMS use narrowed by encryption context.

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

# Distinct ARNs, so that a statement on the wrong queue, parameter or log group fails.
override_resource {
  target = aws_sqs_queue.messages
  values = { arn = "arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-messages.fifo" }
}

override_resource {
  target = aws_sqs_queue.messages_dlq
  values = { arn = "arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-messages-dlq.fifo" }
}

override_resource {
  target = aws_dynamodb_table.notices[0]
  values = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/octo-responder-dev-notices" }
}

override_resource {
  target = aws_ssm_parameter.webhook_token
  values = { arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/octo-responder/dev/webhook-token" }
}

override_resource {
  target = aws_ssm_parameter.octopus_api_key
  values = { arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/octo-responder/dev/octopus-api-key" }
}

override_resource {
  target = module.accept_message.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/octo-responder-dev-accept-message" }
}

override_resource {
  target = module.process_message.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/octo-responder-dev-process-message" }
}

override_resource {
  target = module.accept_message.aws_iam_role.this
  values = {
    id  = "octo-responder-dev-accept-message-role"
    arn = "arn:aws:iam::123456789012:role/octo-responder-dev-accept-message-role"
  }
}

override_resource {
  target = module.process_message.aws_iam_role.this
  values = {
    id  = "octo-responder-dev-process-message-role"
    arn = "arn:aws:iam::123456789012:role/octo-responder-dev-process-message-role"
  }
}

run "each_function_runs_as_its_own_role" {
  assert {
    condition     = module.accept_message.function.role == module.accept_message.role.arn && module.process_message.function.role == module.process_message.role.arn
    error_message = "each function must run as its own role"
  }

  assert {
    condition     = module.accept_message.role_policy.role == module.accept_message.role.id && module.accept_message.role_policy.policy == module.accept_message.policy_document.json
    error_message = "accept-message's policy must be attached to accept-message's role"
  }

  assert {
    condition     = module.process_message.role_policy.role == module.process_message.role.id && module.process_message.role_policy.policy == module.process_message.policy_document.json
    error_message = "process-message's policy must be attached to process-message's role"
  }

  assert {
    condition = alltrue([
      for fn in [module.accept_message, module.process_message] :
      length(fn.assume_role_policy_document.statement) == 1 &&
      one(fn.assume_role_policy_document.statement).actions == toset(["sts:AssumeRole"]) &&
      one(one(fn.assume_role_policy_document.statement).principals).identifiers == toset(["lambda.amazonaws.com"]) &&
      fn.role.assume_role_policy == fn.assume_role_policy_document.json
    ])
    error_message = "only the Lambda service may assume the roles"
  }
}

run "no_wildcards_in_function_policies" {
  assert {
    condition = alltrue(flatten([
      for doc in concat([for fn in values(local.functions) : fn.policy_document], [data.aws_iam_policy_document.scheduler[0]]) : [
        for s in doc.statement : concat(
          [for a in s.actions : !strcontains(a, "*")],
          [for r in s.resources : r != "*" && startswith(r, "arn:")],
          [coalesce(s.effect, "Allow") == "Allow", s.not_actions == null, s.not_resources == null],
        )
      ]
    ]))
    error_message = "function and schedule policies must name every action and scope every resource to an ARN (no \"*\", no Not*)"
  }
}

run "accept_message_may_only_send_and_read_its_token" {
  assert {
    condition     = toset(flatten([for s in module.accept_message.policy_document.statement : s.actions])) == toset(["sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt", "ssm:GetParameter", "logs:CreateLogStream", "logs:PutLogEvents"])
    error_message = "accept-message may only send, read its parameter, use the key for those, and write logs"
  }

  assert {
    condition     = one([for s in module.accept_message.policy_document.statement : s.resources if contains(s.actions, "sqs:SendMessage")]) == toset([aws_sqs_queue.messages.arn])
    error_message = "accept-message may send to the work queue only"
  }

  assert {
    condition     = one([for s in module.accept_message.policy_document.statement : s.resources if contains(s.actions, "ssm:GetParameter")]) == toset([aws_ssm_parameter.webhook_token.arn])
    error_message = "accept-message may read the webhook token parameter only"
  }

  assert {
    condition     = one([for s in module.accept_message.policy_document.statement : s.resources if contains(s.actions, "logs:PutLogEvents")]) == toset(["${module.accept_message.log_group.arn}:*"])
    error_message = "accept-message may write its own log group only"
  }

  assert {
    condition = alltrue([
      for s in module.accept_message.policy_document.statement :
      s.resources == toset([aws_kms_key.this.arn]) && length(s.condition) == 1 && contains([
        "kms:EncryptionContext:aws:sqs:arn=${aws_sqs_queue.messages.arn}",
        "kms:EncryptionContext:PARAMETER_ARN=${aws_ssm_parameter.webhook_token.arn}",
      ], "${one(s.condition).variable}=${one(one(s.condition).values)}")
      if anytrue([for a in s.actions : startswith(a, "kms:")])
    ])
    error_message = "accept-message may use the key only for its queue and its parameter (encryption context)"
  }
}

run "process_message_may_only_consume_and_read_its_api_key" {
  assert {
    condition     = toset(flatten([for s in module.process_message.policy_document.statement : s.actions])) == toset(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "kms:Decrypt", "ssm:GetParameter", "sns:Publish", "dynamodb:PutItem", "dynamodb:DeleteItem", "kms:GenerateDataKey", "logs:CreateLogStream", "logs:PutLogEvents"])
    error_message = "process-message may only receive/delete/get attributes, read its parameter, decrypt for those, publish to the needs-a-person topic and put and delete notices (and use the key for those), and write logs"
  }

  assert {
    condition     = one([for s in module.process_message.policy_document.statement : s.resources if contains(s.actions, "sqs:ReceiveMessage")]) == toset([aws_sqs_queue.messages.arn])
    error_message = "process-message may consume the work queue only (not the dead-letter queue)"
  }

  assert {
    condition     = one([for s in module.process_message.policy_document.statement : s.resources if contains(s.actions, "ssm:GetParameter")]) == toset([aws_ssm_parameter.octopus_api_key.arn])
    error_message = "process-message may read the Octopus API key parameter only"
  }

  assert {
    condition = [
      for s in module.process_message.policy_document.statement : s.resources if anytrue([for a in s.actions : startswith(a, "dynamodb:")])
    ] == [toset(["arn:aws:dynamodb:eu-west-1:123456789012:table/octo-responder-dev-notices"])]
    error_message = "process-message may put and delete items of the notices table only"
  }

  assert {
    condition     = one([for s in module.process_message.policy_document.statement : s.resources if contains(s.actions, "logs:PutLogEvents")]) == toset(["${module.process_message.log_group.arn}:*"])
    error_message = "process-message may write its own log group only"
  }

  assert {
    condition = alltrue([
      for s in module.process_message.policy_document.statement :
      s.resources == toset([aws_kms_key.this.arn]) && length(s.condition) == 1 && contains([
        "kms:EncryptionContext:aws:sqs:arn=${aws_sqs_queue.messages.arn}",
        "kms:EncryptionContext:PARAMETER_ARN=${aws_ssm_parameter.octopus_api_key.arn}",
        "kms:ViaService=sns.eu-west-1.amazonaws.com",
        "kms:ViaService=dynamodb.eu-west-1.amazonaws.com",
      ], "${one(s.condition).variable}=${one(one(s.condition).values)}")
      if anytrue([for a in s.actions : startswith(a, "kms:")])
    ])
    error_message = "process-message may use the key only for its queue and its parameter (encryption context) and through SNS (the needs-a-person topic) and DynamoDB (the notices table)"
  }
}

run "key_policy_lets_logs_use_the_key_for_our_log_groups_only" {
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.kms.statement :
      alltrue([for p in s.principals : !contains(p.identifiers, "*")])
    ])
    error_message = "the key policy must not have a wildcard principal"
  }

  assert {
    condition = one([
      for s in data.aws_iam_policy_document.kms.statement : toset(one(s.condition).values)
      if anytrue([for p in s.principals : contains(p.identifiers, "logs.eu-west-1.amazonaws.com")])
      ]) == toset([
      "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/octo-responder-dev-*",
      "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/apigateway/octo-responder-dev-*",
    ])
    error_message = "CloudWatch Logs may use the key only for this deployment's log groups"
  }
}
