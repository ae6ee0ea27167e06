# What differs between the responder's functions. What they share (names, architecture, logging,
# key, alarm targets) comes in one object from the root (local.function_shared).

variable "shared" {
  description = "Settings every function of the deployment shares: the <project>-<environment> name prefix, the environment (set as ENVIRONMENT), instruction set, default memory, log level and retention, the KMS key of the log group, the alarm actions, and the permissions boundary every role carries (null: none)."
  type = object({
    name_prefix              = string
    environment              = string
    architecture             = string
    memory_mb                = number
    log_level                = string
    log_retention_days       = number
    kms_key_arn              = string
    alarm_actions            = list(string)
    permissions_boundary_arn = optional(string)
  })
}

variable "name" {
  description = "Short name of the function, e.g. accept-message: the function is <name_prefix>-<name>, its role <function>-role, its log group /aws/lambda/<function>, its Errors alarm <function>-errors."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3 to 32 lowercase letters, digits or dashes."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
}

variable "role_description" {
  description = "Description of the function's role: what its policy allows."
  type        = string
}

variable "alias_description" {
  description = "Description of the live alias: who invokes it."
  type        = string
}

variable "errors_alarm_description" {
  description = "Description of the function's Errors alarm: what a failed invocation means and where to look."
  type        = string
}

variable "zip" {
  description = "Path of the function's cargo-lambda zip (bootstrap inside)."
  type        = string
}

variable "zip_variable" {
  description = "Name of the root variable that sets zip, for the message when the zip is missing."
  type        = string
}

variable "timeout_seconds" {
  description = "Function timeout in seconds."
  type        = number
}

variable "memory_mb" {
  description = "Memory in MB; null takes shared.memory_mb."
  type        = number
  default     = null
}

variable "reserved_concurrency" {
  description = "Reserved concurrency: -1 reserves none."
  type        = number
  default     = -1
}

variable "environment_variables" {
  description = "The function's own environment variables (names of secrets, never their values). ENVIRONMENT is added from shared.environment."
  type        = map(string)
  default     = {}

  validation {
    condition     = !contains(keys(var.environment_variables), "ENVIRONMENT")
    error_message = "ENVIRONMENT is set by the module from shared.environment."
  }
}

variable "policy_statements" {
  description = "What the function may do besides writing its own log group: IAM statements, each with a sid, actions, resource ARNs and optional conditions."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
}

variable "shifted_by_codedeploy" {
  description = "True when CodeDeploy moves the function's live alias (it has a deployment group, codedeploy.tf): Terraform creates live on the published version and never moves it afterwards. False: every apply moves live to the version it publishes."
  type        = bool
}
