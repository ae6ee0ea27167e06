# dev: a quick-feedback environment. Secrets come from the environment, never from this file:
#   export TF_VAR_octopus_api_key=API-...   TF_VAR_webhook_token=$(openssl rand -hex 32)
environment        = "dev"
aws_region         = "eu-west-1"
octopus_server_url = "https://octopus-dev.example.com"

dry_run                      = true # decide and log, submit nothing, until the rules look right
log_level                    = "DEBUG"
log_retention_days           = 14
ride_out_outage_minutes      = 0 # dead-letter after the hand-back headroom only: 10 receives x 6 min = 1 h
kms_key_deletion_window_days = 7

# alarm_email = "you@example.com"
