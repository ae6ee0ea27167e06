# The two secrets, as SecureStrings under the responder's key. The functions get only the
# parameter names (environment) and read the values once per cold start.
resource "aws_ssm_parameter" "octopus_api_key" {
  name        = "/${var.project_name}/${var.environment}/octopus-api-key"
  description = "Octopus API key process-message answers interruptions with"
  type        = "SecureString"
  key_id      = aws_kms_key.this.arn
  value       = var.octopus_api_key
}

resource "aws_ssm_parameter" "webhook_token" {
  name        = "/${var.project_name}/${var.environment}/webhook-token"
  description = "Shared secret the Octopus subscription sends in the ${var.webhook_header_name} header"
  type        = "SecureString"
  key_id      = aws_kms_key.this.arn
  value       = var.webhook_token
}
