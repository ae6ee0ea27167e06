# staging: production settings against a staging Octopus server.
#   export TF_VAR_octopus_api_key=API-...   TF_VAR_webhook_token=$(openssl rand -hex 32)
environment        = "staging"
aws_region         = "eu-west-1"
octopus_server_url = "https://octopus-staging.example.com"

log_level          = "INFO"
log_retention_days = 30

# alarm_email = "team@example.com"
