# Migration from infra/github_oidc.tf, which created the deploy role (and the account's OIDC
# provider) in an environment's own state: infra/removed.tf makes that state forget them without
# deleting anything, and these blocks adopt them here on the administrator's next apply, so the
# role keeps its ARN (the GitHub environment's AWS_DEPLOY_ROLE_ARN) and the provider is not
# created twice. The role's old inline policies (deploy-core, deploy-edge) are not imported: the
# first apply deletes them (aws_iam_role_policies_exclusive, github_oidc.tf). No `terraform state`
# or `terraform import` command (README, Delivery).
import {
  for_each = var.import_existing_deploy_roles
  to       = aws_iam_role.deploy[each.value]
  id       = "${var.project_name}-${each.value}-github-deploy"
}

import {
  for_each = var.import_existing_github_oidc_provider ? toset(["github"]) : toset([])
  to       = aws_iam_openid_connect_provider.github[0]
  id       = "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.github_oidc_host}"
}
