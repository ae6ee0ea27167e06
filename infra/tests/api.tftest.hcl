# The HTTP API: one route, proxied to accept-message's live alias, throttled and access-logged.

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

# Tell the accept-message function and its alias apart from each other and from process-message.
override_resource {
  target = module.accept_message.aws_lambda_function.this
  values = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message/invocations"
    version    = "7"
  }
}

override_resource {
  target = module.accept_message.aws_lambda_alias.live
  values = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message:live"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message:live/invocations"
  }
}

override_resource {
  target = aws_cloudwatch_log_group.api_access
  values = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/apigateway/octo-responder-dev-webhook"
  }
}

run "serves_only_post_octopus_webhook" {
  assert {
    condition     = aws_apigatewayv2_api.webhook.protocol_type == "HTTP"
    error_message = "the webhook API must be an HTTP API"
  }

  assert {
    condition     = aws_apigatewayv2_route.webhook.route_key == "POST /octopus/webhook"
    error_message = "the only route must be POST /octopus/webhook (not ANY, not $default)"
  }

  # Quick-create arguments on the API would add a catch-all $default route next to ours.
  assert {
    condition     = aws_apigatewayv2_api.webhook.route_key == null && aws_apigatewayv2_api.webhook.target == null
    error_message = "the API must not quick-create a $default route"
  }

  assert {
    condition     = aws_apigatewayv2_route.webhook.target == "integrations/${aws_apigatewayv2_integration.accept_message.id}"
    error_message = "the route must target the accept-message integration"
  }

  assert {
    condition     = aws_apigatewayv2_route.webhook.api_id == aws_apigatewayv2_api.webhook.id
    error_message = "the route must belong to the webhook API"
  }
}

run "integration_invokes_the_live_alias" {
  assert {
    condition     = aws_apigatewayv2_integration.accept_message.integration_uri == module.accept_message.alias.invoke_arn
    error_message = "the integration must invoke accept-message's live alias, not $LATEST"
  }

  assert {
    condition     = aws_apigatewayv2_integration.accept_message.integration_uri != module.accept_message.function.invoke_arn
    error_message = "the integration must not invoke the unqualified function"
  }

  assert {
    condition     = aws_apigatewayv2_integration.accept_message.integration_type == "AWS_PROXY" && aws_apigatewayv2_integration.accept_message.payload_format_version == "2.0"
    error_message = "the integration must be a Lambda proxy with payload format 2.0"
  }

  assert {
    condition     = aws_apigatewayv2_integration.accept_message.timeout_milliseconds <= 30000 && aws_apigatewayv2_integration.accept_message.timeout_milliseconds > module.accept_message.function.timeout * 1000
    error_message = "the integration must wait longer than the function's timeout and at most 30 s"
  }

  assert {
    condition     = module.accept_message.alias.name == "live" && module.accept_message.alias.function_version == module.accept_message.function.version
    error_message = "the live alias must point at the version this apply published"
  }
}

run "only_this_api_route_may_invoke_the_alias" {
  assert {
    condition     = aws_lambda_permission.webhook_api.principal == "apigateway.amazonaws.com" && aws_lambda_permission.webhook_api.action == "lambda:InvokeFunction"
    error_message = "the permission must let API Gateway invoke the function"
  }

  assert {
    condition     = aws_lambda_permission.webhook_api.function_name == module.accept_message.function.function_name && aws_lambda_permission.webhook_api.qualifier == module.accept_message.alias.name
    error_message = "the permission must be on accept-message's live alias"
  }

  assert {
    condition     = aws_lambda_permission.webhook_api.source_arn == "${aws_apigatewayv2_api.webhook.execution_arn}/*/POST/octopus/webhook"
    error_message = "the permission must be scoped to this API's execution ARN and route"
  }
}

# A deployment that raises 100 guided failures at once posts 100 webhooks within a second; a 429
# from the stage loses them (Octopus does not send a webhook again).
run "default_throttling_takes_a_large_deployments_burst" {
  assert {
    condition     = aws_apigatewayv2_stage.default.default_route_settings[0].throttling_burst_limit >= 200 && aws_apigatewayv2_stage.default.default_route_settings[0].throttling_rate_limit >= 100
    error_message = "the stage's default throttling must take a burst of at least 200 requests and 100 per second"
  }

  assert {
    condition     = var.api_throttling_burst_limit == 200 && var.api_throttling_rate_limit == 100
    error_message = "the throttling defaults must be a burst of 200 and 100 requests per second"
  }
}

run "refuses_a_burst_below_the_rate" {
  command = plan

  variables {
    api_throttling_burst_limit = 50
    api_throttling_rate_limit  = 100
  }

  expect_failures = [var.api_throttling_burst_limit]
}

run "refuses_a_burst_beyond_the_account_limit" {
  command = plan

  variables {
    api_throttling_burst_limit = 5001
  }

  expect_failures = [var.api_throttling_burst_limit]
}

run "default_stage_is_throttled_and_access_logged" {
  variables {
    api_throttling_burst_limit = 5
    api_throttling_rate_limit  = 2
  }

  assert {
    condition     = aws_apigatewayv2_stage.default.name == "$default" && aws_apigatewayv2_stage.default.auto_deploy
    error_message = "the stage must be $default with auto-deploy"
  }

  assert {
    condition     = aws_apigatewayv2_stage.default.default_route_settings[0].throttling_burst_limit == 5 && aws_apigatewayv2_stage.default.default_route_settings[0].throttling_rate_limit == 2
    error_message = "the stage's throttling must follow the burst and rate variables"
  }

  assert {
    condition     = aws_apigatewayv2_stage.default.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.api_access.arn
    error_message = "access logs must go to the API's log group"
  }

  assert {
    condition = alltrue([
      for field in ["requestId", "sourceIp", "routeKey", "status", "integrationError"] :
      contains(keys(jsondecode(aws_apigatewayv2_stage.default.access_log_settings[0].format)), field)
    ])
    error_message = "access logs must be JSON with the request id, source IP, route, status and integration error"
  }
}
