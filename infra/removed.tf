# The GitHub deploy role and the account's OIDC provider moved to infra/bootstrap (an
# administrator's root of their own): an environment's state no longer holds the role that deploys
# it, and destroying one environment cannot remove the provider every other one trusts. These
# blocks make a state applied with the old github_oidc.tf forget them on its next apply, without
# deleting them in AWS; infra/bootstrap then imports them (its import_existing_* variables). A state
# that never held them is unaffected. Keep these blocks while any environment's state may predate
# the move (README, Delivery).

removed {
  from = aws_iam_openid_connect_provider.github

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role.github_deploy

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy.github_deploy_core

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy.github_deploy_edge

  lifecycle {
    destroy = false
  }
}
