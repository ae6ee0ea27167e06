# Inputs. No secret is ever a value Terraform keeps: the Octopus API key is an ephemeral variable
# written to SSM write-only (never in a plan or the state), and the webhook secret is generated
# during the apply (ssm.tf). Never put either in a committed tfvars file.

# ---- Where and what ------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region to deploy to, e.g. eu-west-1. Null uses the provider's usual chain (AWS_REGION, profile)."
  type        = string
  default     = null

  validation {
    condition     = var.aws_region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like eu-west-1."
  }
}

variable "environment" {
  description = "Deployment environment; it prefixes every name and is set as the Environment tag."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "project_name" {
  description = "Name prefix for every resource, before the environment (<project>-<environment>-...)."
  type        = string
  default     = "octo-responder"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3 to 32 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project and Environment are always set)."
  type        = map(string)
  default     = {}
}

# ---- Octopus and the webhook ---------------------------------------------------------------------

variable "octopus_server_url" {
  description = "Base URL of the Octopus server process-message answers, e.g. https://octopus.example.com."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/\\s]+", var.octopus_server_url))
    error_message = "octopus_server_url must be an http(s) URL such as https://octopus.example.com."
  }
}

variable "octopus_api_key" {
  description = "Octopus API key (API-...) of the responder's user, written to its SSM SecureString when the parameter is created and whenever octopus_api_key_version changes; ephemeral and write-only, so it is in no plan and no state. Pass as TF_VAR_octopus_api_key, at plan and again at apply. Null: the parameter keeps what it holds (put there by `make secrets ENV=<env>`; created, it holds a placeholder until then)."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.octopus_api_key == null || try(length(var.octopus_api_key) >= 8, false)
    error_message = "octopus_api_key looks empty or truncated."
  }

  # Without a key, a new version would write the placeholder over the real key.
  validation {
    condition     = var.octopus_api_key != null || var.octopus_api_key_version == 1
    error_message = "octopus_api_key_version is above 1, which writes TF_VAR_octopus_api_key to SSM at every version change: give the key (or keep the version at 1 and put the key with `make secrets`)."
  }
}

variable "octopus_api_key_version" {
  description = "Version of the Octopus API key Terraform writes (value_wo_version): raise it by one, with TF_VAR_octopus_api_key set, to write a new key; unchanged, an apply writes nothing. Never lower it. Keep it at 1 when the key is put out of band (`make secrets ENV=<env>`)."
  type        = number
  default     = 1

  validation {
    condition     = var.octopus_api_key_version >= 1 && floor(var.octopus_api_key_version) == var.octopus_api_key_version
    error_message = "octopus_api_key_version must be a whole number, at least 1."
  }
}

variable "webhook_secret_version" {
  description = "Version of the environment's webhook secret (value_wo_version of /<project>/<env>/webhook-token). Terraform writes a new random secret (64 hex digits, made during the apply and sent to SSM only: never in a plan, the state, a variable or GitHub) when it creates the parameter and whenever this changes; afterwards every subscription's token must be rewritten (`make subscriptions ENV=<env>` with --rewrite-tokens). `make rotate-webhook-secret` rotates it out of band, generated inside AWS. Never lower it."
  type        = number
  default     = 1

  validation {
    condition     = var.webhook_secret_version >= 1 && floor(var.webhook_secret_version) == var.webhook_secret_version
    error_message = "webhook_secret_version must be a whole number, at least 1."
  }
}

variable "webhook_token" {
  description = "Leave unset: Terraform generates the webhook secret (webhook_secret_version). Given (TF_VAR_webhook_token, ephemeral and write-only), it is written instead of a generated one when the parameter is created or webhook_secret_version changes: the first apply of a state from before write-only secrets (whose webhook_secret_version goes from none to 1) keeps the current secret, and so the subscriptions' tokens, when it is given the current secret once."
  type        = string
  default     = ""
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.webhook_token == "" || try(length(var.webhook_token) >= 32 && can(regex("^[!-~]+$", var.webhook_token)), false)
    error_message = "webhook_token must be at least 32 printable characters without spaces."
  }

  validation {
    condition     = var.webhook_token == "" || var.webhook_secret_version == 1
    error_message = "webhook_token carries the current secret into the first apply after the secrets became write-only; with webhook_secret_version above 1 (a rotation) it would write that old secret again. Unset TF_VAR_webhook_token (delete the GitHub secret WEBHOOK_TOKEN)."
  }
}

variable "webhook_header_name" {
  description = "HTTP header that carries the webhook token (the subscription's header key)."
  type        = string
  default     = "X-Octopus-Webhook-Token"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,64}$", var.webhook_header_name))
    error_message = "webhook_header_name must be 1 to 64 letters, digits or dashes."
  }
}

variable "allow_shared_webhook_secret" {
  description = "Migration aid: when true, accept-message also accepts the webhook secret itself (the webhook-token parameter) as the webhook header value, besides each rule's token (the HMAC-SHA256 of the rule's canonical query under that secret), and logs a warning naming the rule for every webhook authenticated that way (ALLOW_SHARED_WEBHOOK_SECRET). Turn it on while existing subscriptions still send the shared secret, move each subscription to its rule's token, then turn it off: a header value should authorize its own rule only."
  type        = bool
  default     = false
}

variable "octopus_request_timeout_ms" {
  description = "Timeout of each Octopus API call made by process-message, in milliseconds."
  type        = number
  default     = 10000

  validation {
    condition     = var.octopus_request_timeout_ms >= 100 && var.octopus_request_timeout_ms <= 60000
    error_message = "octopus_request_timeout_ms must be from 100 to 60000."
  }
}

variable "max_concurrency" {
  description = "Deployments process-message answers at once within one batch (MAX_CONCURRENCY)."
  type        = number
  default     = 4

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 10 && floor(var.max_concurrency) == var.max_concurrency
    error_message = "max_concurrency must be a whole number from 1 to 10."
  }
}

variable "dry_run" {
  description = "When true, process-message decides and logs everything but submits nothing to Octopus, and sweep-interruptions reports what it would queue but queues nothing (DRY_RUN of both)."
  type        = bool
  default     = false
}

# ---- Functions -----------------------------------------------------------------------------------

variable "accept_message_zip" {
  description = "Path of accept-message's cargo-lambda zip. Null means <repo>/target/lambda/accept-message/bootstrap.zip, where `make package` writes it."
  type        = string
  default     = null
}

variable "process_message_zip" {
  description = "Path of process-message's cargo-lambda zip. Null means <repo>/target/lambda/process-message/bootstrap.zip, where `make package` writes it."
  type        = string
  default     = null
}

variable "sweep_interruptions_zip" {
  description = "Path of sweep-interruptions' cargo-lambda zip. Null means <repo>/target/lambda/sweep-interruptions/bootstrap.zip, where `make package` writes it. Not read when sweep_enabled is false."
  type        = string
  default     = null
}

variable "canary_check_zip" {
  description = "Path of canary-check's cargo-lambda zip (CodeDeploy's lifecycle hook). Null means <repo>/target/lambda/canary-check/bootstrap.zip, where `make package` writes it."
  type        = string
  default     = null
}

variable "lambda_architecture" {
  description = "Instruction set the zips were built for: arm64 (make package) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of each function in MB (CPU scales with it)."
  type        = number
  default     = 128

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be from 128 to 10240."
  }
}

variable "accept_message_timeout_seconds" {
  description = "accept-message timeout in seconds (API Gateway waits at most 30 s)."
  type        = number
  default     = 10

  validation {
    condition     = var.accept_message_timeout_seconds >= 1 && var.accept_message_timeout_seconds <= 29
    error_message = "accept_message_timeout_seconds must be from 1 to 29."
  }
}

variable "process_message_timeout_seconds" {
  description = "process-message timeout in seconds; the queue's visibility timeout is set to 6 times this plus the batching window."
  type        = number
  default     = 60

  validation {
    condition     = var.process_message_timeout_seconds >= 5 && var.process_message_timeout_seconds <= 900
    error_message = "process_message_timeout_seconds must be from 5 to 900."
  }
}

variable "log_level" {
  description = "Application log level of every function (Lambda JSON log format; sets AWS_LAMBDA_LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' and the API's log groups, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

# ---- Queue and event source mapping --------------------------------------------------------------

variable "fifo_queue" {
  description = "FIFO queues (one deployment's events in order, re-sent webhooks de-duplicated on the event id) when true; standard queues when false."
  type        = bool
  default     = true
}

variable "ride_out_outage_minutes" {
  description = <<-EOT
    Longest Octopus outage (or run of timeouts) the work queue rides out without dead-lettering good
    records, in minutes. It sizes the redrive budget: a failed or handed-back record stays invisible for
    one visibility timeout V = 6 x process_message_timeout_seconds + maximum_batching_window_seconds, so
    an outage of this length costs ceil(minutes x 60 / V) receives (defaults: V = 360 s,
    ceil(7200 / 360) = 20). 0 rides out nothing beyond the hand-back headroom (see max_receive_count).
  EOT
  type        = number
  default     = 120

  validation {
    condition     = var.ride_out_outage_minutes >= 0 && floor(var.ride_out_outage_minutes) == var.ride_out_outage_minutes
    error_message = "ride_out_outage_minutes must be a whole number of minutes, 0 or more."
  }

  validation {
    condition     = ceil(var.ride_out_outage_minutes * 60 / local.visibility_timeout_seconds) + local.redrive_handback_receives <= 1000
    error_message = "ride_out_outage_minutes needs more than 1000 receives (SQS's maxReceiveCount limit) at this visibility timeout: shorten the outage to ride out, or raise process_message_timeout_seconds (V = 6 x timeout + batching window)."
  }
}

variable "max_receive_count" {
  description = <<-EOT
    Receives of a message before SQS moves it to the dead-letter queue (redrive policy maxReceiveCount).
    Null (the default) computes it: ceil(ride_out_outage_minutes x 60 / V) + min(batch_size, 10), where
    V is the visibility timeout (6 x process_message_timeout_seconds + maximum_batching_window_seconds).
    The first term rides out the outage (one receive per V); the second is headroom for hand-backs: a
    record behind up to batch_size - 1 earlier records of its deployment in a batch is handed back, one
    receive each, when each of them fails once, and needs one more receive to be answered itself.
    Defaults: ceil(7200 / 360) + 10 = 30, i.e. a record that fails every time is dead-lettered after
    about 30 x 6 min = 3 h. A value set here may raise the budget, never lower it below that formula
    (smaller values dead-letter held-back records in a burst).
  EOT
  type        = number
  default     = null

  validation {
    condition     = var.max_receive_count == null || try(var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count, false)
    error_message = "max_receive_count must be null (computed) or a whole number from 1 to 1000."
  }

  validation {
    condition     = var.max_receive_count == null || try(var.max_receive_count >= local.redrive_min_receive_count, false)
    error_message = "max_receive_count is below what ride_out_outage_minutes and hand-backs need: ceil(ride_out_outage_minutes x 60 / visibility timeout) + min(batch_size, 10) (30 with the defaults). Leave it null to compute it, or lower ride_out_outage_minutes."
  }
}

variable "message_retention_seconds" {
  description = "How long the work queue keeps a message, in seconds (60 to 1209600)."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be from 60 to 1209600 (14 days)."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long the dead-letter queue keeps a message, in seconds; keep it longer than the work queue's."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be from 60 to 1209600 (14 days)."
  }
}

variable "batch_size" {
  description = "Most messages handed to one process-message invocation (at most 10 for FIFO queues, or without a batching window)."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= (var.fifo_queue || var.maximum_batching_window_seconds == 0 ? 10 : 10000)
    error_message = "batch_size must be from 1 to 10 (up to 10000 only on a standard queue with a batching window)."
  }
}

variable "maximum_batching_window_seconds" {
  description = "Seconds the event source mapping waits to fill a batch (0 to 300). FIFO queues do not support a window: keep it 0 for them."
  type        = number
  default     = 0

  validation {
    condition     = var.maximum_batching_window_seconds >= 0 && var.maximum_batching_window_seconds <= 300
    error_message = "maximum_batching_window_seconds must be from 0 to 300."
  }

  validation {
    condition     = !var.fifo_queue || var.maximum_batching_window_seconds == 0
    error_message = "maximum_batching_window_seconds must be 0 on a FIFO queue (SQS FIFO event sources have no batching window)."
  }
}

variable "event_source_maximum_concurrency" {
  description = "Most concurrent process-message invocations the SQS event source starts (2 to 1000): caps the load on the Octopus server."
  type        = number
  default     = 2

  validation {
    condition     = var.event_source_maximum_concurrency >= 2 && var.event_source_maximum_concurrency <= 1000
    error_message = "event_source_maximum_concurrency must be from 2 to 1000."
  }
}

variable "process_message_reserved_concurrency" {
  description = "Reserved concurrency of process-message: -1 reserves none (the event source's maximum concurrency still caps it); otherwise at least event_source_maximum_concurrency. Reserving needs unreserved account concurrency to spare."
  type        = number
  default     = -1

  validation {
    condition     = var.process_message_reserved_concurrency == -1 || var.process_message_reserved_concurrency >= var.event_source_maximum_concurrency
    error_message = "process_message_reserved_concurrency must be -1 or at least event_source_maximum_concurrency."
  }
}

variable "accept_message_reserved_concurrency" {
  description = "Reserved concurrency of accept-message: -1 reserves none (API throttling still bounds it), 0 disables the webhook."
  type        = number
  default     = -1

  validation {
    condition     = var.accept_message_reserved_concurrency >= -1
    error_message = "accept_message_reserved_concurrency must be -1 or more."
  }
}

# ---- API -----------------------------------------------------------------------------------------

variable "api_throttling_burst_limit" {
  description = <<-EOT
    Burst limit of the webhook API stage (requests it takes at once before the rate applies).
    Octopus raises one event per interruption, so one large deployment that fails on many targets
    or steps posts its webhooks within a second or two (100 guided failures at once is ordinary);
    every request over the limit is answered 429, and an Octopus subscription does not send that
    webhook again: it is lost (sweep-interruptions finds such interruptions later, after its grace
    period). 200 takes such a burst twice over. At most 5000 (API Gateway's account default per
    region); keep it at least api_throttling_rate_limit.
  EOT
  type        = number
  default     = 200

  validation {
    condition     = var.api_throttling_burst_limit >= 1 && var.api_throttling_burst_limit <= 5000 && floor(var.api_throttling_burst_limit) == var.api_throttling_burst_limit
    error_message = "api_throttling_burst_limit must be a whole number from 1 to 5000."
  }

  validation {
    condition     = var.api_throttling_burst_limit >= var.api_throttling_rate_limit
    error_message = "api_throttling_burst_limit must be at least api_throttling_rate_limit: a bucket smaller than one second's refill throttles bursts the rate would allow."
  }
}

variable "api_throttling_rate_limit" {
  description = <<-EOT
    Steady-state rate limit of the webhook API stage (requests per second, refilling the burst
    bucket). Sized, like the burst, so that a deployment raising many interruptions at once is not
    throttled: a 429 loses the webhook. accept-message only authenticates and queues (milliseconds
    each), so 100 per second costs nothing when idle; the limit is only there against a flood.
  EOT
  type        = number
  default     = 100

  validation {
    condition     = var.api_throttling_rate_limit > 0 && var.api_throttling_rate_limit <= 10000
    error_message = "api_throttling_rate_limit must be more than 0 and at most 10000."
  }
}

# ---- Sweep: sweep-interruptions on an EventBridge Scheduler schedule (schedule.tf) -------------

variable "sweep_enabled" {
  description = "When true, sweep-interruptions runs on var.sweep_schedule_expression: it finds pending guided failures and manual interventions whose webhook never reached the responder (a 429, an outage, a lost request) and queues them as the matching subscription would have. When false, no sweep function, schedule, roles, dead-letter queue or sweep alarms are created."
  type        = bool
  default     = true
}

variable "sweep_schedule_expression" {
  description = "When the sweep runs: an EventBridge Scheduler rate() or cron() expression (UTC), e.g. rate(5 minutes) or cron(0/10 * * * ? *)."
  type        = string
  default     = "rate(5 minutes)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\([^()]+\\))$", var.sweep_schedule_expression))
    error_message = "sweep_schedule_expression must be a rate() expression such as rate(5 minutes) or a cron() expression such as cron(0/5 * * * ? *)."
  }
}

variable "sweep_timeout_seconds" {
  description = "sweep-interruptions timeout in seconds: one sweep lists the spaces, their subscriptions and pending interruptions, and queues what it finds. Keep it well under the schedule's interval."
  type        = number
  default     = 60

  validation {
    condition     = var.sweep_timeout_seconds >= 10 && var.sweep_timeout_seconds <= 900 && floor(var.sweep_timeout_seconds) == var.sweep_timeout_seconds
    error_message = "sweep_timeout_seconds must be a whole number from 10 to 900."
  }
}

variable "sweep_grace_seconds" {
  description = "An interruption younger than this is left to its webhook (SWEEP_GRACE_SECONDS): the sweep only queues interruptions pending for at least this many seconds. 0 to 86400."
  type        = number
  default     = 300

  validation {
    condition     = var.sweep_grace_seconds >= 0 && var.sweep_grace_seconds <= 86400 && floor(var.sweep_grace_seconds) == var.sweep_grace_seconds
    error_message = "sweep_grace_seconds must be a whole number from 0 to 86400 (a day)."
  }
}

variable "sweep_max_age_seconds" {
  description = "An interruption older than this is left alone (SWEEP_MAX_AGE_SECONDS): someone is presumably dealing with it. More than sweep_grace_seconds, at most 604800 (a week)."
  type        = number
  default     = 86400

  validation {
    condition     = var.sweep_max_age_seconds > var.sweep_grace_seconds && var.sweep_max_age_seconds <= 604800 && floor(var.sweep_max_age_seconds) == var.sweep_max_age_seconds
    error_message = "sweep_max_age_seconds must be a whole number of seconds, more than sweep_grace_seconds and at most 604800 (a week)."
  }
}

variable "sweep_spaces" {
  description = "Octopus space ids the sweep looks in (SWEEP_SPACES, e.g. [\"Spaces-1\", \"Spaces-2\"]). Empty (the default): every space the API key's user can see."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for space in var.sweep_spaces : can(regex("^Spaces-[0-9]+$", space))])
    error_message = "Each sweep_spaces entry must be a space id such as Spaces-1."
  }
}

variable "extra_webhook_urls" {
  description = "Other URLs Octopus subscriptions post to that reach this responder (e.g. a custom domain in front of the API), besides the API's own webhook URL. The sweep only follows subscriptions pointing at one of these (WEBHOOK_URLS); the query string is ignored."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for url in var.extra_webhook_urls : can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\\s,?#]*)?$", url))])
    error_message = "Each extra_webhook_urls entry must be an https:// URL without a comma, query or fragment, e.g. https://hooks.example.com/octopus/webhook."
  }
}

variable "alarm_on_swept_interruptions" {
  description = "When true, an alarm fires whenever a sweep queues an interruption (metric Enqueued >= 1 in 5 minutes): a webhook was lost, which is worth knowing even though the sweep made up for it. In a dry run it fires on what the sweep would have queued."
  type        = bool
  default     = true
}

# ---- Needs a person: the notification topic and its ledger (needs_a_person.tf) -------------------

variable "needs_a_person_enabled" {
  description = "When true (the default), creates (or uses) the \"needs a person\" SNS topic and creates the <project>-<environment>-notices DynamoDB table, the ledger that lets a person be told at most once per interruption and reason; process-message and sweep-interruptions get the topic's ARN (NEEDS_A_PERSON_TOPIC_ARN) with sns:Publish on it, and the table's name (NOTICES_TABLE) with dynamodb:PutItem and dynamodb:DeleteItem on it: the channel for a pending interruption they leave to a person or answer with a spent retry budget. When false, no topic, subscription, table, environment variable or permission is created, and nobody is told."
  type        = bool
  default     = true
}

variable "needs_a_person_topic_arn" {
  description = "ARN of an existing standard SNS topic to publish \"needs a person\" messages to, instead of creating <project>-<environment>-needs-a-person. The function roles get sns:Publish on it; if it is encrypted with a customer managed key, that key's policy must let them use it (kms:GenerateDataKey, kms:Decrypt). Null (the default) creates the topic."
  type        = string
  default     = null

  validation {
    condition     = var.needs_a_person_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.needs_a_person_topic_arn))
    error_message = "needs_a_person_topic_arn must be the ARN of a standard SNS topic (arn:aws:sns:<region>:<account>:<name>, not a .fifo topic) or null."
  }
}

variable "needs_a_person_email" {
  description = "Email address subscribed to the created \"needs a person\" topic (the address must confirm the subscription before it receives anything). Null (the default) subscribes nobody. Not with needs_a_person_topic_arn: subscribe to an existing topic where it is managed."
  type        = string
  default     = null

  validation {
    condition     = var.needs_a_person_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.needs_a_person_email))
    error_message = "needs_a_person_email must be an email address or null."
  }

  validation {
    condition     = var.needs_a_person_email == null || var.needs_a_person_topic_arn == null
    error_message = "needs_a_person_email subscribes to the topic this module creates; with needs_a_person_topic_arn set there is none. Subscribe the address to the existing topic instead."
  }
}

# ---- Alarms and keys -----------------------------------------------------------------------------

variable "alarm_email" {
  description = "Email address notified by the alarms through a new SNS topic (the address must confirm the subscription). Null creates no topic."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an email address or null."
  }
}

variable "alarm_sns_topic_arn" {
  description = "ARN of an existing SNS topic the alarms notify as well (e.g. a chat integration). Null for none."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be an SNS topic ARN or null."
  }
}

variable "oldest_message_age_alarm_seconds" {
  description = "Alarm when the oldest message in the work queue is older than this many seconds."
  type        = number
  default     = 900

  validation {
    condition     = var.oldest_message_age_alarm_seconds >= 60
    error_message = "oldest_message_age_alarm_seconds must be at least 60."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period before the responder's KMS key is deleted after a destroy (7 to 30 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be from 7 to 30."
  }
}

# ---- Delivery: CodeDeploy traffic shifting (codedeploy.tf) ---------------------------------------

variable "codedeploy_deployment_config" {
  description = "CodeDeploy deployment configuration that shifts each function's live alias to its new version: a predefined CodeDeployDefault.Lambda* configuration (canary, linear or all at once; envs/dev.tfvars uses all at once). Rollback alarms and the canary-check hook apply to every configuration."
  type        = string
  default     = "CodeDeployDefault.LambdaCanary10Percent5Minutes"

  validation {
    condition = contains([
      "CodeDeployDefault.LambdaAllAtOnce",
      "CodeDeployDefault.LambdaCanary10Percent5Minutes",
      "CodeDeployDefault.LambdaCanary10Percent10Minutes",
      "CodeDeployDefault.LambdaCanary10Percent15Minutes",
      "CodeDeployDefault.LambdaCanary10Percent30Minutes",
      "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
      "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
      "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
      "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    ], var.codedeploy_deployment_config)
    error_message = "codedeploy_deployment_config must be one of the predefined CodeDeployDefault.Lambda* configurations (e.g. CodeDeployDefault.LambdaCanary10Percent5Minutes)."
  }
}

variable "canary_check_timeout_seconds" {
  description = "Timeout of canary-check, CodeDeploy's lifecycle hook, in seconds: it invokes the version being deployed with its synthetic events and waits for the answers, so keep it above the shifted functions' own timeouts."
  type        = number
  default     = 120

  validation {
    condition     = var.canary_check_timeout_seconds >= 10 && var.canary_check_timeout_seconds <= 900
    error_message = "canary_check_timeout_seconds must be from 10 to 900 (Lambda's limit)."
  }
}

variable "canary_space_id" {
  description = "Octopus space id canary-check's synthetic events name (CANARY_SPACE_ID); they are about a server task that cannot exist, so nothing changes in Octopus."
  type        = string
  default     = "Spaces-1"

  validation {
    condition     = can(regex("^Spaces-[0-9]+$", var.canary_space_id))
    error_message = "canary_space_id must be an Octopus space id such as Spaces-1."
  }
}

# ---- Delivery: the deploy role's permissions boundary (infra/bootstrap) ------------------------

variable "permissions_boundary_arn" {
  description = "ARN of this environment's permissions boundary, <project>-<env>-boundary (infra/bootstrap's output permissions_boundary_arns): every role this module creates carries it, and the environment's deploy role may create a role or change its policies only with it. Null (a local or moto apply without infra/bootstrap) creates the roles without a boundary."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN (infra/bootstrap's permissions_boundary_arns output) or null."
  }
}
