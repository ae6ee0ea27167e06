# prod: answers real deployments. Keep a year of logs and send alarms to a person.
#   the Octopus API key: TF_VAR_octopus_api_key (ephemeral, write-only), or `make secrets ENV=prod`;
#   the webhook secret is generated when the parameter is created (webhook_secret_version rotates it).
environment        = "prod"
aws_region         = "eu-west-1"
octopus_server_url = "https://octopus.example.com"

log_level                        = "INFO"
log_retention_days               = 365
event_source_maximum_concurrency = 2
oldest_message_age_alarm_seconds = 600

alarm_email = "oncall@example.com" # replace: the address must confirm the SNS subscription

# Every role this environment creates carries its permissions boundary, which the deploy role
# requires (infra/bootstrap's output permissions_boundary_arns; README, Delivery):
# permissions_boundary_arn = "arn:aws:iam::<account>:policy/octo-responder-prod-boundary"
