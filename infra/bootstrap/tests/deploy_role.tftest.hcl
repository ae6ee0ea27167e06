# Each environment's deploy role (github_oidc.tf, deploy_policy.tf): trusted by one repository's
# deploy workflow in one GitHub environment, and unable to grant itself or anything it creates
# more than this environment's permissions boundary (boundary.tf).

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  github_repository = "example-org/octo-responder"
  state_bucket_name = "example-terraform-state"
}

# Distinct boundary ARNs, so that a condition naming another environment's boundary fails.
override_resource {
  target = aws_iam_policy.boundary["dev"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-dev-boundary" }
}

override_resource {
  target = aws_iam_policy.boundary["staging"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-staging-boundary" }
}

override_resource {
  target = aws_iam_policy.boundary["prod"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-prod-boundary" }
}

# And distinct deploy policy ARNs, so that a role holding another environment's policy fails.
override_resource {
  target = aws_iam_policy.deploy["dev/core"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-dev-deploy-core" }
}

override_resource {
  target = aws_iam_policy.deploy["dev/data"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-dev-deploy-data" }
}

override_resource {
  target = aws_iam_policy.deploy["dev/edge"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-dev-deploy-edge" }
}

override_resource {
  target = aws_iam_policy.deploy["dev/guardrails"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-dev-deploy-guardrails" }
}

override_resource {
  target = aws_iam_policy.deploy["staging/core"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-staging-deploy-core" }
}

override_resource {
  target = aws_iam_policy.deploy["staging/data"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-staging-deploy-data" }
}

override_resource {
  target = aws_iam_policy.deploy["staging/edge"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-staging-deploy-edge" }
}

override_resource {
  target = aws_iam_policy.deploy["staging/guardrails"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-staging-deploy-guardrails" }
}

override_resource {
  target = aws_iam_policy.deploy["prod/core"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-prod-deploy-core" }
}

override_resource {
  target = aws_iam_policy.deploy["prod/data"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-prod-deploy-data" }
}

override_resource {
  target = aws_iam_policy.deploy["prod/edge"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-prod-deploy-edge" }
}

override_resource {
  target = aws_iam_policy.deploy["prod/guardrails"]
  values = { arn = "arn:aws:iam::123456789012:policy/octo-responder-prod-deploy-guardrails" }
}

run "trust_only_the_deploy_workflow_of_the_repository_in_the_same_github_environment" {
  assert {
    condition = (
      aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" &&
      aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    )
    error_message = "the OIDC provider must be GitHub's, for the audience sts.amazonaws.com"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "staging", "prod"] :
      aws_iam_role.deploy[env].name == "octo-responder-${env}-github-deploy" &&
      aws_iam_role.deploy[env].assume_role_policy == data.aws_iam_policy_document.deploy_trust[env].json &&
      length(data.aws_iam_policy_document.deploy_trust[env].statement) == 1 &&
      data.aws_iam_policy_document.deploy_trust[env].statement[0].actions == toset(["sts:AssumeRoleWithWebIdentity"]) &&
      data.aws_iam_policy_document.deploy_trust[env].statement[0].principals == toset([{
        type        = "Federated"
        identifiers = toset(["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"])
      }])
    ])
    error_message = "each environment's deploy role (<project>-<env>-github-deploy) may be assumed by web identities of the GitHub OIDC provider only"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "staging", "prod"] :
      toset([
        for c in data.aws_iam_policy_document.deploy_trust[env].statement[0].condition : { test = c.test, variable = c.variable, values = c.values }
        ]) == toset([
        { test = "StringEquals", variable = "token.actions.githubusercontent.com:aud", values = tolist(["sts.amazonaws.com"]) },
        { test = "StringEquals", variable = "token.actions.githubusercontent.com:sub", values = tolist(["repo:example-org/octo-responder:environment:${env}"]) },
        { test = "StringLike", variable = "token.actions.githubusercontent.com:job_workflow_ref", values = tolist(["example-org/octo-responder/.github/workflows/deploy-environment.yml@refs/heads/main", "example-org/octo-responder/.github/workflows/deploy-environment.yml@refs/tags/v*"]) },
      ])
    ])
    error_message = "the trust policy must require audience sts.amazonaws.com, exactly the subject repo:<owner>/<name>:environment:<env>, and the job_workflow_ref of deploy-environment.yml in that repository"
  }

  assert {
    condition     = output.deploy_role_arns == { for env in ["dev", "staging", "prod"] : env => "arn:aws:iam::123456789012:role/mock" }
    error_message = "every environment's deploy role must be output (the GitHub environment's AWS_DEPLOY_ROLE_ARN)"
  }
}

run "an_existing_oidc_provider_is_trusted_instead_of_a_new_one" {
  variables {
    environments             = { prod = {} }
    github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    check_job_workflow_ref   = false
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && keys(aws_iam_role.deploy) == ["prod"]
    error_message = "with github_oidc_provider_arn no second provider may be created, and only the environments named get a role"
  }

  assert {
    condition = (
      one(data.aws_iam_policy_document.deploy_trust["prod"].statement[0].principals).identifiers == toset(["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]) &&
      [for c in data.aws_iam_policy_document.deploy_trust["prod"].statement[0].condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"] == [tolist(["repo:example-org/octo-responder:environment:prod"])] &&
      !contains([for c in data.aws_iam_policy_document.deploy_trust["prod"].statement[0].condition : c.variable], "token.actions.githubusercontent.com:job_workflow_ref")
    )
    error_message = "the prod role must trust the given provider for the prod environment only; check_job_workflow_ref = false drops only the workflow condition"
  }
}

run "roles_are_created_and_given_policies_only_with_this_environments_boundary" {
  assert {
    condition = alltrue([
      for env in ["dev", "staging", "prod"] : [
        for s in data.aws_iam_policy_document.deploy_core[env].statement : {
          actions   = s.actions
          resources = s.resources
          condition = [for c in s.condition : { test = c.test, variable = c.variable, values = c.values }]
        } if s.sid == "BoundedRoles"
        ] == [{
          actions = toset(["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"])
          resources = toset([
            for role in ["accept-message-role", "process-message-role", "sweep-interruptions-role", "canary-check-role", "codedeploy", "sweep-scheduler"] :
            "arn:aws:iam::123456789012:role/octo-responder-${env}-${role}"
          ])
          condition = [{ test = "StringEquals", variable = "iam:PermissionsBoundary", values = tolist(["arn:aws:iam::123456789012:policy/octo-responder-${env}-boundary"]) }]
      }]
    ])
    error_message = "CreateRole, PutRolePermissionsBoundary, PutRolePolicy and DeleteRolePolicy must require this environment's boundary (iam:PermissionsBoundary), on its six roles only"
  }

  # No other allow may create a role, give one a policy or set a boundary without that condition.
  assert {
    condition = alltrue(flatten([
      for env in ["dev", "prod"] : [
        for doc in [data.aws_iam_policy_document.deploy_core[env], data.aws_iam_policy_document.deploy_data[env], data.aws_iam_policy_document.deploy_edge[env]] : [
          for s in doc.statement : s.sid == "BoundedRoles" if length(setintersection(s.actions, [
            "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
            "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:*",
          ])) > 0
        ]
      ]
    ]))
    error_message = "only BoundedRoles may create roles or change their policies or boundary; no statement may attach managed policies or create policies"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "prod"] :
      [for s in data.aws_iam_policy_document.deploy_core[env].statement : s.resources if s.sid == "ManagedRoles"][0] == toset([
        for role in ["accept-message-role", "process-message-role", "sweep-interruptions-role", "canary-check-role", "codedeploy", "sweep-scheduler"] :
        "arn:aws:iam::123456789012:role/octo-responder-${env}-${role}"
      ])
    ])
    error_message = "the deploy role must manage exactly the four function roles, CodeDeploy's role and the sweep schedule's role of its environment"
  }
}

run "denies_that_no_allow_can_override" {
  assert {
    condition = alltrue([
      for env in ["dev", "staging", "prod"] :
      alltrue([for s in data.aws_iam_policy_document.deploy_guardrails[env].statement : s.effect == "Deny"]) &&
      toset([for s in data.aws_iam_policy_document.deploy_guardrails[env].statement : { sid = s.sid, actions = s.actions, resources = s.resources }]) == toset([
        { sid = "DenyBoundaryRemoval", actions = toset(["iam:DeleteRolePermissionsBoundary"]), resources = toset(["arn:aws:iam::123456789012:role/*"]) },
        {
          sid       = "DenyPolicyChanges"
          actions   = toset(["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"])
          resources = toset(["arn:aws:iam::123456789012:policy/octo-responder-*-boundary", "arn:aws:iam::123456789012:policy/octo-responder-*-deploy-*", "arn:aws:iam::123456789012:policy/octo-responder-*-plan-read"])
        },
        { sid = "DenyDeployRoles", actions = toset(["iam:*"]), resources = toset(["arn:aws:iam::123456789012:role/octo-responder-*-github-deploy", "arn:aws:iam::123456789012:role/octo-responder-*-github-plan"]) },
        {
          sid = "DenyGitHubTrustChanges"
          actions = toset([
            "iam:AddClientIDToOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider",
            "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
          ])
          resources = toset(["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"])
        },
      ])
    ])
    error_message = "the guardrails must deny removing any role's boundary, changing or deleting any boundary, deploy or plan policy, every IAM action on any deploy role (its own included) or plan role, and changing the OIDC provider"
  }

  # The guardrail patterns must cover this environment's own boundary and deploy role.
  assert {
    condition = (
      can(regex("^arn:aws:iam::123456789012:policy/octo-responder-.*-boundary$", "arn:aws:iam::123456789012:policy/octo-responder-dev-boundary")) &&
      strcontains(local.all_boundaries_arn, "policy/octo-responder-*-boundary") &&
      strcontains(local.all_deploy_roles_arn, "role/octo-responder-*-github-deploy") &&
      aws_iam_policy.boundary["dev"].name == "octo-responder-dev-boundary" &&
      aws_iam_role.deploy["dev"].name == "octo-responder-dev-github-deploy" &&
      alltrue([for key, policy in aws_iam_policy.deploy : startswith(policy.name, "octo-responder-") && strcontains(policy.name, "-deploy-")])
    )
    error_message = "the boundary, deploy role and deploy policy names must match the patterns the guardrails deny"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "staging", "prod"] :
      toset([for key, attachment in aws_iam_role_policy_attachment.deploy : key if attachment.role == "octo-responder-${env}-github-deploy"]) == toset(["${env}/core", "${env}/data", "${env}/edge", "${env}/guardrails"]) &&
      length(aws_iam_role_policies_exclusive.deploy[env].policy_names) == 0 &&
      aws_iam_role_policies_exclusive.deploy[env].role_name == "octo-responder-${env}-github-deploy" &&
      aws_iam_role_policy_attachments_exclusive.deploy[env].policy_arns == toset([for part in ["core", "data", "edge", "guardrails"] : aws_iam_policy.deploy["${env}/${part}"].arn]) &&
      length(aws_iam_role_policy_attachments_exclusive.deploy[env].policy_arns) == 4
    ])
    error_message = "each deploy role must carry its four policies (guardrails included) and nothing else: no inline policy, no other managed policy"
  }

  assert {
    condition = alltrue([
      for key, policy in aws_iam_policy.deploy : policy.policy == local.deploy_policy_documents[split("/", key)[1]][split("/", key)[0]].json
    ])
    error_message = "each deploy policy must hold its own environment's document"
  }
}

run "pass_role_only_to_the_roles_own_service" {
  assert {
    condition = alltrue(flatten([
      for env in ["dev", "staging", "prod"] : [
        for doc in [data.aws_iam_policy_document.deploy_core[env], data.aws_iam_policy_document.deploy_data[env], data.aws_iam_policy_document.deploy_edge[env]] : [
          for s in doc.statement : (
            length(s.condition) == 1 && one(s.condition).test == "StringEquals" && one(s.condition).variable == "iam:PassedToService" && length(one(s.condition).values) == 1 &&
            s.actions == toset(["iam:PassRole"]) && contains(["PassFunctionRoles", "PassCodeDeployRole", "PassSchedulerRole"], s.sid)
          ) if anytrue([for a in s.actions : a == "iam:PassRole" || a == "iam:*" || a == "iam:Pass*"])
        ]
      ]
    ]))
    error_message = "every PassRole must be in its own statement with exactly one iam:PassedToService"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "staging", "prod"] :
      toset([for s in data.aws_iam_policy_document.deploy_core[env].statement : { resources = s.resources, service = one(s.condition).values[0] } if contains(s.actions, "iam:PassRole")]) == toset([
        {
          resources = toset([for fn in ["accept-message", "process-message", "sweep-interruptions", "canary-check"] : "arn:aws:iam::123456789012:role/octo-responder-${env}-${fn}-role"])
          service   = "lambda.amazonaws.com"
        },
        { resources = toset(["arn:aws:iam::123456789012:role/octo-responder-${env}-codedeploy"]), service = "codedeploy.amazonaws.com" },
        { resources = toset(["arn:aws:iam::123456789012:role/octo-responder-${env}-sweep-scheduler"]), service = "scheduler.amazonaws.com" },
      ])
    ])
    error_message = "the four function roles may be passed to Lambda only, CodeDeploy's role to CodeDeploy only, the schedule's role to EventBridge Scheduler only"
  }
}

run "every_permission_stays_within_its_environment" {
  assert {
    condition = alltrue(flatten([
      for env in ["dev", "staging", "prod"] : [
        for doc in [data.aws_iam_policy_document.deploy_core[env], data.aws_iam_policy_document.deploy_data[env], data.aws_iam_policy_document.deploy_edge[env]] : [
          for s in doc.statement : [
            for r in s.resources : contains(["EventSourceMappingCreate", "DescribeParameters", "RandomPassword", "CreateTaggedKey", "AccessLogDelivery"], s.sid) if r == "*"
          ]
        ]
      ]
    ]))
    error_message = "a deploy statement may have Resource \"*\" only where the action takes no ARN: EventSourceMappingCreate, DescribeParameters, RandomPassword, CreateTaggedKey, AccessLogDelivery"
  }

  assert {
    condition = alltrue(flatten([
      for env in ["dev", "staging", "prod"] : [
        for doc in [data.aws_iam_policy_document.deploy_core[env], data.aws_iam_policy_document.deploy_data[env], data.aws_iam_policy_document.deploy_edge[env]] : [
          for s in doc.statement : [
            for r in s.resources :
            r == "*" || strcontains(r, "octo-responder-${env}") || strcontains(r, "octo-responder/${env}/") ||
            startswith(r, "arn:aws:apigateway:eu-west-1::/") ||
            contains([
              "arn:aws:s3:::example-terraform-state",
              "arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555",
              "arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:*",
              "arn:aws:kms:eu-west-1:123456789012:key/*",
              "arn:aws:logs:eu-west-1:123456789012:log-group:*",
              "arn:aws:codedeploy:eu-west-1:123456789012:deploymentconfig:*",
            ], r)
          ]
        ]
      ]
    ]))
    error_message = "every deploy statement must name its own environment's resources, except the state bucket listing and key, APIs and the documented ARN patterns"
  }

  assert {
    condition = alltrue(flatten([
      for env in ["dev", "staging", "prod"] : [
        for doc in [data.aws_iam_policy_document.deploy_core[env], data.aws_iam_policy_document.deploy_data[env], data.aws_iam_policy_document.deploy_edge[env]] : [
          for s in doc.statement : [
            for other in setsubtract(["dev", "staging", "prod"], [env]) : [
              for r in s.resources : !strcontains(r, "octo-responder-${other}") && !strcontains(r, "octo-responder/${other}/")
            ]
          ]
        ]
      ]
    ]))
    error_message = "no deploy role may be allowed anything on another environment's resources"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "prod"] :
      [for s in data.aws_iam_policy_document.deploy_core[env].statement : s.resources if s.sid == "StateObjects"] == [toset(["arn:aws:s3:::example-terraform-state/octo-responder/${env}/*"])] &&
      [for s in data.aws_iam_policy_document.deploy_core[env].statement : [for c in s.condition : "${c.variable}=${join(",", c.values)}"] if s.sid == "StateEncryption"] == [["kms:ViaService=s3.eu-west-1.amazonaws.com"]]
    ])
    error_message = "the deploy role may only touch its own environment's state objects, and use the state key only through S3"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "prod"] :
      length([
        for s in data.aws_iam_policy_document.deploy_edge[env].statement : s
        if(contains(s.actions, "codedeploy:StopDeployment") || contains(s.actions, "codedeploy:*")) && contains(s.resources, "arn:aws:codedeploy:eu-west-1:123456789012:deploymentgroup:octo-responder-${env}/*")
      ]) == 1
    ])
    error_message = "the deploy role must be able to stop a deployment of its own deployment groups (scripts/shift-traffic.sh)"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "prod"] :
      [for s in data.aws_iam_policy_document.deploy_data[env].statement : s.actions if s.sid == "RandomPassword"] == [toset(["secretsmanager:GetRandomPassword"])] &&
      length([for s in data.aws_iam_policy_document.deploy_data[env].statement : s if anytrue([for a in s.actions : startswith(a, "secretsmanager:")])]) == 1
    ])
    error_message = "the only Secrets Manager permission is GetRandomPassword (the webhook secret generated in AWS)"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "prod"] :
      alltrue([
        for s in data.aws_iam_policy_document.deploy_data[env].statement :
        toset([for c in s.condition : "${c.variable}=${join(",", c.values)}"]) == toset(["kms:ViaService=dynamodb.eu-west-1.amazonaws.com", "kms:GrantIsForAWSResource=true", "aws:ResourceTag/Project=octo-responder", "aws:ResourceTag/Environment=${env}"])
        if contains(s.actions, "kms:CreateGrant")
      ]) &&
      alltrue([
        for s in data.aws_iam_policy_document.deploy_data[env].statement :
        length([for c in s.condition : c if c.variable == "aws:RequestTag/Environment" && c.values == tolist([env])]) == 1
        if contains(s.actions, "kms:CreateKey")
      ])
    ])
    error_message = "the deploy role may create KMS keys tagged with its environment only, and grants only for DynamoDB on such keys"
  }
}

# Mapping ARNs cannot name an environment: a change to a mapping must name its function instead.
run "event_source_mappings_change_only_for_this_environment_s_functions" {
  assert {
    condition = alltrue([
      for env in ["dev", "prod"] : [
        for doc in [data.aws_iam_policy_document.deploy_core[env], data.aws_iam_policy_document.deploy_data[env], data.aws_iam_policy_document.deploy_edge[env]] : [
          for s in doc.statement : {
            sid       = s.sid
            condition = [for c in s.condition : { test = c.test, variable = c.variable, values = c.values }]
          } if length(setintersection(s.actions, ["lambda:DeleteEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:*"])) > 0
        ]
        ] == [[{
          sid       = "EventSourceMappingChange"
          condition = [{ test = "ArnLike", variable = "lambda:FunctionArn", values = tolist(["arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-${env}-*"]) }]
      }], [], []]
    ])
    error_message = "DeleteEventSourceMapping and UpdateEventSourceMapping only in one statement, with lambda:FunctionArn naming this environment's functions"
  }
}
