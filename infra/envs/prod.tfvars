# prod: answers real deployments. Keep a year of logs and send alarms to a person.
#   export TF_VAR_octopus_api_key=API-...   TF_VAR_webhook_token=$(openssl rand -hex 32)
environment        = "prod"
aws_region         = "eu-west-1"
octopus_server_url = "https://octopus.example.com"

log_level                        = "INFO"
log_retention_days               = 365
event_source_maximum_concurrency = 2
oldest_message_age_alarm_seconds = 600

alarm_email = "oncall@example.com" # replace: the address must confirm the SNS subscription
