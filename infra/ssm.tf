# The two secrets, as SecureStrings under the responder's key. The functions get only the
# parameter names (environment) and read the values once per cold start.
#
# Terraform keeps neither value: both are written through the write-only argument value_wo
# (Terraform >= 1.11), which is never saved in a plan or the state (the state's `value` stays
# empty), and written only when the parameter is created or its value_wo_version changes.
#   octopus-api-key  from the ephemeral variable octopus_api_key (TF_VAR_octopus_api_key, given at
#                    plan and again at apply); without it, the parameter keeps what `make secrets`
#                    put there (a new parameter holds local.unset_api_key until then)
#   webhook-token    a new random secret for each write: 64 hex digits from two uuid() (crypto/rand,
#                    244 random bits), made during the apply and sent to SSM only, so it passes
#                    through no variable, file, GitHub secret, plan or state; rotated by raising
#                    webhook_secret_version, or out of band, generated inside AWS, by
#                    `make rotate-webhook-secret`. The ephemeral variable webhook_token, when given,
#                    is written instead (a migration keeps the current secret that way).
#   (Secrets Manager's ephemeral aws_secretsmanager_random_password would generate it inside AWS,
#   but Terraform 1.11's mock providers refuse any configuration with an ephemeral resource, which
#   would leave infra/tests without a run.)
# Values changed out of band (make secrets, make rotate-webhook-secret) are not drift: Terraform
# never reads them back.

locals {
  unset_api_key = "unset: put the responder's Octopus API key with make secrets ENV=${var.environment}"
}

resource "aws_ssm_parameter" "octopus_api_key" {
  name             = "/${var.project_name}/${var.environment}/octopus-api-key"
  description      = "Octopus API key process-message answers interruptions with"
  type             = "SecureString"
  key_id           = aws_kms_key.this.arn
  value_wo         = coalesce(var.octopus_api_key, local.unset_api_key)
  value_wo_version = var.octopus_api_key_version
}

resource "aws_ssm_parameter" "webhook_token" {
  name             = "/${var.project_name}/${var.environment}/webhook-token"
  description      = "Shared secret the Octopus subscription sends in the ${var.webhook_header_name} header"
  type             = "SecureString"
  key_id           = aws_kms_key.this.arn
  value_wo         = coalesce(var.webhook_token, replace("${uuid()}${uuid()}", "-", ""))
  value_wo_version = var.webhook_secret_version
}
