# The HTTP API Octopus posts to: one route, POST /octopus/webhook, proxied to accept-message's
# `live` alias. Authentication is the shared-secret header, checked by the function itself.

resource "aws_apigatewayv2_api" "webhook" {
  name          = "${local.name_prefix}-webhook"
  description   = "octo-responder: receives Octopus subscription webhooks"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "accept_message" {
  api_id                 = aws_apigatewayv2_api.webhook.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = module.accept_message.alias.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = min(30000, (var.accept_message_timeout_seconds + 1) * 1000)
}

resource "aws_apigatewayv2_route" "webhook" {
  # checkov:skip=CKV_AWS_309:Octopus subscriptions cannot sign requests or send a JWT; they send one custom header, whose shared secret accept-message compares in constant time (401 otherwise).
  api_id             = aws_apigatewayv2_api.webhook.id
  route_key          = local.webhook_route_key
  target             = "integrations/${aws_apigatewayv2_integration.accept_message.id}"
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.webhook.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.api_throttling_burst_limit
    throttling_rate_limit  = var.api_throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    # No headers (one carries the secret) and no bodies.
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      routeKey           = "$context.routeKey"
      path               = "$context.path"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      errorMessage       = "$context.error.message"
    })
  }
}

# API Gateway may invoke the alias, from this API's webhook route only.
resource "aws_lambda_permission" "webhook_api" {
  statement_id  = "AllowWebhookApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = module.accept_message.function.function_name
  qualifier     = module.accept_message.alias.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.webhook.execution_arn}/*/POST${local.webhook_path}"
}
