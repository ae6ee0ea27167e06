# What infra/ and the GitHub environments need from the bootstrap.

output "state_bucket" {
  description = "The state bucket: `bucket` of every infra/envs/<env>.s3.tfbackend."
  value       = aws_s3_bucket.state.bucket
}

output "state_kms_key_arn" {
  description = "ARN of the key encrypting every state (SSE-KMS, bucket key)."
  value       = aws_kms_key.state.arn
}

output "state_kms_key_alias" {
  description = "Alias of the state key: `kms_key_id` of every infra/envs/<env>.s3.tfbackend, so that the state and its lock file are written under it."
  value       = aws_kms_alias.state.name
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider every deploy role trusts (created here or given)."
  value       = local.github_oidc_provider_arn
}

output "deploy_role_arns" {
  description = "Each environment's deploy role: the GitHub environment's AWS_DEPLOY_ROLE_ARN variable."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "plan_role_arns" {
  description = "Each environment's read-only plan role: the GitHub environment <env>-plan's AWS_PLAN_ROLE_ARN variable."
  value       = { for env, role in aws_iam_role.plan : env => role.arn }
}

output "permissions_boundary_arns" {
  description = "Each environment's permissions boundary: infra/'s permissions_boundary_arn in envs/<env>.tfvars (every role the deploy role creates must carry it)."
  value       = { for env, policy in aws_iam_policy.boundary : env => policy.arn }
}
