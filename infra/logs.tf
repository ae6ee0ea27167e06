# The API's access log group, created before the stage so that retention and encryption apply
# from the first line. Each function's own log group comes with it (modules/function).
resource "aws_cloudwatch_log_group" "api_access" {
  # checkov:skip=CKV_AWS_338:Retention is var.log_retention_days (30 by default, 365 in envs/prod.tfvars); access logs hold no payloads or secrets.
  name              = "/aws/apigateway/${local.name_prefix}-webhook"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}
