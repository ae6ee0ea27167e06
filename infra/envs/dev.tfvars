# dev: a quick-feedback environment. Secrets come from the environment, never from this file:
#   the Octopus API key: TF_VAR_octopus_api_key (ephemeral, write-only), or `make secrets ENV=dev`;
#   the webhook secret is generated when the parameter is created (webhook_secret_version rotates it).
environment        = "dev"
aws_region         = "eu-west-1"
octopus_server_url = "https://octopus-dev.example.com"

dry_run                      = true # decide and log, submit nothing, until the rules look right
log_level                    = "DEBUG"
log_retention_days           = 14
ride_out_outage_minutes      = 0 # dead-letter after the hand-back headroom only: 10 receives x 6 min = 1 h
kms_key_deletion_window_days = 7

# CodeDeploy moves live all at once here (still with the canary-check hooks and rollback alarms);
# staging and prod keep the default canary, 10 % for 5 minutes.
codedeploy_deployment_config = "CodeDeployDefault.LambdaAllAtOnce"

# alarm_email = "you@example.com"

# Every role this environment creates carries its permissions boundary, which the deploy role
# requires (infra/bootstrap's output permissions_boundary_arns; README, Delivery):
# permissions_boundary_arn = "arn:aws:iam::<account>:policy/octo-responder-dev-boundary"
