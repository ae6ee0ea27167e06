# staging: production settings against a staging Octopus server.
#   the Octopus API key: TF_VAR_octopus_api_key (ephemeral, write-only), or `make secrets ENV=staging`;
#   the webhook secret is generated when the parameter is created (webhook_secret_version rotates it).
environment        = "staging"
aws_region         = "eu-west-1"
octopus_server_url = "https://octopus-staging.example.com"

log_level          = "INFO"
log_retention_days = 30

# alarm_email = "team@example.com"

# Every role this environment creates carries its permissions boundary, which the deploy role
# requires (infra/bootstrap's output permissions_boundary_arns; README, Delivery):
# permissions_boundary_arn = "arn:aws:iam::<account>:policy/octo-responder-staging-boundary"
