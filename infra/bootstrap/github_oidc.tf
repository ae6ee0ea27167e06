# The account's GitHub OIDC provider and, for each environment, the role GitHub Actions assumes to
# deploy it. No long-lived keys: the deploy workflow presents GitHub's OIDC token, and the trust
# policy accepts it only with the audience sts.amazonaws.com, the subject
# repo:<owner>/<name>:environment:<env> (a job of this repository in the GitHub environment named
# like the Terraform environment) and the job_workflow_ref of the reusable deploy workflow
# run from main or a release tag (<owner>/<name>/.github/workflows/deploy-environment.yml@<ref>,
# var.deploy_refs): another workflow of the repository, or this one run from any other branch,
# even one allowed into that GitHub environment, is refused.
#
# One root for every environment of the account (for_each over var.environments), not one apply
# per environment: the OIDC provider and the state bucket exist once per account, so a root per
# environment would again make one environment's state own what the others depend on.
# Destroying an environment (infra/) never touches any of this.

resource "aws_iam_openid_connect_provider" "github" {
  count = var.github_oidc_provider_arn == null ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
  # No thumbprint_list: IAM trusts GitHub's certificate through its own CA library.
}

data "aws_iam_policy_document" "deploy_trust" {
  for_each = local.environments

  statement {
    sid     = "GitHubDeployWorkflowOfThisEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:sub"
      values   = [each.value.github_subject]
    }

    dynamic "condition" {
      for_each = var.check_job_workflow_ref ? [1] : []
      content {
        test     = "StringLike"
        variable = "${local.github_oidc_host}:job_workflow_ref"
        values   = [for ref in var.deploy_refs : "${var.github_repository}/${var.deploy_workflow_path}@${ref}"]
      }
    }
  }
}

resource "aws_iam_role" "deploy" {
  for_each = local.environments

  name                 = each.value.deploy_role_name
  description          = "GitHub Actions (${var.github_repository}, environment ${each.key}, ${var.deploy_workflow_path}) deploys ${each.value.name_prefix}"
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust[each.key].json
  max_session_duration = 3600
}

# The deploy role's permissions are four customer managed policies (deploy_policy.tf; one inline
# policy could not hold them: a role's inline policies share 10,240 characters), and nothing else:
# the two exclusive resources detach any other managed policy and delete any inline policy, such
# as the deploy-core and deploy-edge an earlier infra/github_oidc.tf put on an imported role.
locals {
  deploy_policy_documents = {
    core       = data.aws_iam_policy_document.deploy_core
    data       = data.aws_iam_policy_document.deploy_data
    edge       = data.aws_iam_policy_document.deploy_edge
    guardrails = data.aws_iam_policy_document.deploy_guardrails
  }

  # One entry per environment and policy: "<env>/<part>".
  deploy_policies = merge([
    for env, e in local.environments : {
      for part, document in local.deploy_policy_documents : "${env}/${part}" => {
        env  = env
        name = "${e.name_prefix}-deploy-${part}"
        json = document[env].json
      }
    }
  ]...)
}

resource "aws_iam_policy" "deploy" {
  for_each = local.deploy_policies

  name        = each.value.name
  description = "What ${var.project_name}-${each.value.env}-github-deploy may do (${each.key}; infra/bootstrap/deploy_policy.tf)"
  policy      = each.value.json
}

resource "aws_iam_role_policy_attachment" "deploy" {
  for_each = local.deploy_policies

  role       = aws_iam_role.deploy[each.value.env].name
  policy_arn = aws_iam_policy.deploy[each.key].arn
}

resource "aws_iam_role_policy_attachments_exclusive" "deploy" {
  for_each = local.environments

  role_name   = aws_iam_role.deploy[each.key].name
  policy_arns = [for key, policy in aws_iam_policy.deploy : policy.arn if local.deploy_policies[key].env == each.key]
}

resource "aws_iam_role_policies_exclusive" "deploy" {
  for_each = local.environments

  role_name    = aws_iam_role.deploy[each.key].name
  policy_names = []
}
