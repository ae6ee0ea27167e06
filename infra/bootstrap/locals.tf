# Names and ARNs of each environment, as infra/ derives them (<project>-<env>-...). The deploy role
# and the boundary name these, so a change of naming in infra/ must be made here too.
locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  github_oidc_host         = "token.actions.githubusercontent.com"
  github_oidc_provider_arn = coalesce(var.github_oidc_provider_arn, one(aws_iam_openid_connect_provider.github[*].arn))

  iam_arn_prefix   = "arn:${local.partition}:iam::${local.account_id}"
  state_bucket_arn = "arn:${local.partition}:s3:::${var.state_bucket_name}"

  # Every environment's deploy role and boundary, whichever account map they are in: the denies
  # below protect them all, not only the caller's own.
  all_deploy_roles_arn    = "${local.iam_arn_prefix}:role/${var.project_name}-*-github-deploy"
  all_boundaries_arn      = "${local.iam_arn_prefix}:policy/${var.project_name}-*-boundary"
  all_deploy_policies_arn = "${local.iam_arn_prefix}:policy/${var.project_name}-*-deploy-*"
  all_plan_roles_arn      = "${local.iam_arn_prefix}:role/${var.project_name}-*-github-plan"
  all_plan_policies_arn   = "${local.iam_arn_prefix}:policy/${var.project_name}-*-plan-read"

  # The functions infra/ creates (modules/function): each has the role <prefix>-<name>-role.
  function_names = ["accept-message", "process-message", "sweep-interruptions", "canary-check"]

  environments = {
    for env, settings in var.environments : env => {
      name_prefix        = "${var.project_name}-${env}"
      region             = coalesce(settings.region, local.region)
      publish_topic_arns = settings.publish_topic_arns

      deploy_role_name = "${var.project_name}-${env}-github-deploy"
      boundary_name    = "${var.project_name}-${env}-boundary"

      # The one subject the deploy role trusts: a job of this repository running in the GitHub
      # environment named like this Terraform environment.
      github_subject = "repo:${var.github_repository}:environment:${env}"

      # arn:<partition>:<service>:<region>:<account> of each regional service this environment uses.
      arn = {
        for service in ["cloudwatch", "codedeploy", "dynamodb", "kms", "lambda", "logs", "scheduler", "sns", "sqs", "ssm"] :
        service => "arn:${local.partition}:${service}:${coalesce(settings.region, local.region)}:${local.account_id}"
      }

      function_role_arns   = [for fn in local.function_names : "${local.iam_arn_prefix}:role/${var.project_name}-${env}-${fn}-role"]
      codedeploy_role_arn  = "${local.iam_arn_prefix}:role/${var.project_name}-${env}-codedeploy"
      scheduler_role_arn   = "${local.iam_arn_prefix}:role/${var.project_name}-${env}-sweep-scheduler"
      deploy_role_arn      = "${local.iam_arn_prefix}:role/${var.project_name}-${env}-github-deploy"
      state_object_pattern = "${local.state_bucket_arn}/${var.project_name}/${env}/*"
    }
  }
}

locals {
  # Every role a deploy role creates and manages: the function roles, CodeDeploy's, the schedule's.
  managed_role_arns = {
    for env, e in local.environments : env => concat(e.function_role_arns, [e.codedeploy_role_arn, e.scheduler_role_arn])
  }
}
