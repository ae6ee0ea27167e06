# Inputs of the bootstrap root: the account-wide pieces (state bucket, GitHub OIDC provider) and,
# for each environment deployed from this account, its deploy role and permissions boundary.

variable "aws_region" {
  description = "Region of the state bucket and its key, and the default region of every environment. Null uses the provider's usual chain (AWS_REGION, profile)."
  type        = string
  default     = null

  validation {
    condition     = var.aws_region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like eu-west-1."
  }
}

variable "project_name" {
  description = "Name prefix of every environment's resources, as infra/'s project_name (<project>-<environment>-...)."
  type        = string
  default     = "octo-responder"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3 to 32 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project, Component and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

variable "environments" {
  description = "The environments deployed from this account, each with the region of its resources (null: aws_region) and any SNS topic outside its own names its functions may publish to (infra/'s needs_a_person_topic_arn, when given). An environment in another account goes in that account's bootstrap."
  type = map(object({
    region             = optional(string)
    publish_topic_arns = optional(list(string), [])
  }))
  default = {
    dev     = {}
    staging = {}
    prod    = {}
  }

  validation {
    condition     = length(var.environments) > 0 && alltrue([for env in keys(var.environments) : contains(["dev", "staging", "prod"], env)])
    error_message = "environments must name at least one of dev, staging, prod (infra/'s environments), and nothing else."
  }

  validation {
    condition = alltrue(flatten([
      for env in values(var.environments) : concat(
        [env.region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", env.region))],
        [for arn in env.publish_topic_arns : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", arn))],
      )
    ]))
    error_message = "Each environment's region must look like eu-west-1, and its publish_topic_arns must be SNS topic ARNs."
  }
}

# ---- GitHub OIDC ---------------------------------------------------------------------------------

variable "github_repository" {
  description = "GitHub repository (owner/name) whose deploy workflow may assume each environment's deploy role, from the GitHub environment named like it only."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository must be owner/name (e.g. my-org/octo-responder)."
  }
}

variable "deploy_workflow_path" {
  description = "Path, in github_repository, of the reusable workflow whose jobs assume the deploy roles: the trust policy requires its job_workflow_ref (<owner>/<name>/<path>@<ref>)."
  type        = string
  default     = ".github/workflows/deploy-environment.yml"

  validation {
    condition     = can(regex("^\\.github/workflows/[A-Za-z0-9._-]+\\.ya?ml$", var.deploy_workflow_path))
    error_message = "deploy_workflow_path must be a workflow file under .github/workflows/."
  }
}

variable "deploy_refs" {
  description = "The git refs whose run of the deploy workflow may assume a deploy or plan role (the @<ref> of job_workflow_ref; * matches any characters): main, where dev deploys from, and the release tags staging and prod deploy. A workflow run on any other branch is refused, even in an allowed GitHub environment."
  type        = list(string)
  default     = ["refs/heads/main", "refs/tags/v*"]

  validation {
    condition     = length(var.deploy_refs) > 0 && alltrue([for ref in var.deploy_refs : can(regex("^refs/(heads|tags)/[A-Za-z0-9._/*-]+$", ref))])
    error_message = "deploy_refs must be git refs such as refs/heads/main or refs/tags/v*."
  }
}

variable "check_job_workflow_ref" {
  description = "When true (the default), the trust policy also requires the token's job_workflow_ref claim to be deploy_workflow_path of github_repository (AWS STS evaluates this GitHub claim since January 2026). Set false only in a partition where STS refuses the condition key."
  type        = bool
  default     = true
}

variable "github_oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com OIDC provider in this account, to trust instead of creating one (an account holds one per URL). Null creates it."
  type        = string
  default     = null

  validation {
    condition     = var.github_oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github_oidc_provider_arn))
    error_message = "github_oidc_provider_arn must be the ARN of a token.actions.githubusercontent.com OIDC provider, or null."
  }
}

# ---- Terraform state -----------------------------------------------------------------------------

variable "state_bucket_name" {
  description = "Name of the S3 bucket this root creates for every environment's state (the bucket of infra/envs/<env>.s3.tfbackend): globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be an S3 bucket name."
  }
}

variable "state_noncurrent_version_days" {
  description = "Days an overwritten or deleted state version is kept before S3 expires it (the history to recover a state from)."
  type        = number
  default     = 90

  validation {
    condition     = var.state_noncurrent_version_days >= 1 && floor(var.state_noncurrent_version_days) == var.state_noncurrent_version_days
    error_message = "state_noncurrent_version_days must be a whole number of days, at least 1."
  }
}

variable "state_kms_key_deletion_window_days" {
  description = "Waiting period before the state key is deleted after a destroy (7 to 30 days): every state is unreadable without it."
  type        = number
  default     = 30

  validation {
    condition     = var.state_kms_key_deletion_window_days >= 7 && var.state_kms_key_deletion_window_days <= 30
    error_message = "state_kms_key_deletion_window_days must be from 7 to 30."
  }
}

# ---- Migration from infra/github_oidc.tf ---------------------------------------------------------

variable "import_existing_deploy_roles" {
  description = "Environments whose deploy role (<project>-<env>-github-deploy) an earlier infra/github_oidc.tf created: the role is imported here instead of created, and its old inline policies deleted (README, Delivery). Empty once imported."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for env in var.import_existing_deploy_roles : contains(keys(var.environments), env)])
    error_message = "import_existing_deploy_roles may only name environments of var.environments."
  }
}

variable "import_existing_github_oidc_provider" {
  description = "True when an earlier infra/github_oidc.tf created this account's GitHub OIDC provider: it is imported here instead of created. False once imported."
  type        = bool
  default     = false

  validation {
    condition     = !var.import_existing_github_oidc_provider || var.github_oidc_provider_arn == null
    error_message = "import_existing_github_oidc_provider imports the provider this root then manages: leave github_oidc_provider_arn null with it."
  }
}
