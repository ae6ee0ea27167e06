# Each environment's plan role (plan_role.tf): trusted by the plan job only (GitHub environment
# <env>-plan), and able to read, never to change.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  github_repository = "example-org/octo-responder"
  state_bucket_name = "example-terraform-state"
}

run "trust_only_the_plan_job_of_the_same_environment" {
  assert {
    condition = alltrue([
      for env in ["dev", "staging", "prod"] :
      aws_iam_role.plan[env].name == "octo-responder-${env}-github-plan" &&
      aws_iam_role.plan[env].assume_role_policy == data.aws_iam_policy_document.plan_trust[env].json &&
      toset([
        for c in data.aws_iam_policy_document.plan_trust[env].statement[0].condition : { test = c.test, variable = c.variable, values = c.values }
        ]) == toset([
        { test = "StringEquals", variable = "token.actions.githubusercontent.com:aud", values = tolist(["sts.amazonaws.com"]) },
        { test = "StringEquals", variable = "token.actions.githubusercontent.com:sub", values = tolist(["repo:example-org/octo-responder:environment:${env}-plan"]) },
        { test = "StringLike", variable = "token.actions.githubusercontent.com:job_workflow_ref", values = tolist(["example-org/octo-responder/.github/workflows/deploy-environment.yml@refs/heads/main", "example-org/octo-responder/.github/workflows/deploy-environment.yml@refs/tags/v*"]) },
      ])
    ])
    error_message = "the plan role must trust only the deploy workflow's jobs in the GitHub environment <env>-plan (never <env>, which the deploy role trusts)"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "staging", "prod"] :
      aws_iam_role_policy_attachment.plan[env].role == "octo-responder-${env}-github-plan" &&
      aws_iam_policy.plan[env].name == "octo-responder-${env}-plan-read" &&
      aws_iam_policy.plan[env].policy == data.aws_iam_policy_document.plan_read[env].json &&
      length(aws_iam_role_policies_exclusive.plan[env].policy_names) == 0
    ])
    error_message = "each plan role must carry its read policy and nothing else"
  }
}

run "reads_and_never_writes" {
  assert {
    condition = alltrue(flatten([
      for env in ["dev", "prod"] : [
        for s in data.aws_iam_policy_document.plan_read[env].statement : [
          for a in s.actions :
          can(regex("^[a-z0-9]+:(Get|List|Describe|BatchGet)", a)) || contains(["apigateway:GET", "s3:ListBucket", "s3:GetObject"], a) ||
          (a == "kms:Decrypt" && contains(["DecryptState", "DecryptParametersOnRefresh"], s.sid))
        ]
      ]
    ]))
    error_message = "the plan role may only get, list and describe (kms:Decrypt only to read the state and refresh the parameters)"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "prod"] :
      [for s in data.aws_iam_policy_document.plan_read[env].statement : toset([for c in s.condition : "${c.variable}=${join(",", c.values)}"]) if s.sid == "DecryptParametersOnRefresh"] ==
      [toset(["kms:ViaService=ssm.eu-west-1.amazonaws.com", "aws:ResourceTag/Environment=${env}"])]
    ])
    error_message = "the plan role may decrypt only through SSM, with its own environment's key"
  }

  assert {
    condition = alltrue(flatten([
      for env in ["dev", "staging", "prod"] : [
        for s in data.aws_iam_policy_document.plan_read[env].statement : [
          for r in s.resources :
          r == "*" ? s.sid == "DescribeParameters" : (
            strcontains(r, "octo-responder-${env}") || strcontains(r, "octo-responder/${env}/") ||
            startswith(r, "arn:aws:apigateway:eu-west-1::/") ||
            contains([
              "arn:aws:s3:::example-terraform-state",
              "arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555",
              "arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:*",
              "arn:aws:kms:eu-west-1:123456789012:key/*",
              "arn:aws:logs:eu-west-1:123456789012:log-group:*",
              "arn:aws:codedeploy:eu-west-1:123456789012:deploymentconfig:*",
            ], r)
          )
        ]
      ]
    ]))
    error_message = "every plan statement must name its own environment's resources; \"*\" only for DescribeParameters"
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.plan_read["dev"].statement : s.resources if s.sid == "ReadState"] == [toset(["arn:aws:s3:::example-terraform-state/octo-responder/dev/*"])]
    error_message = "the plan role may read its own environment's state only"
  }
}
