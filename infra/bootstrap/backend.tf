# No backend block: this root keeps its state locally (infra/bootstrap/terraform.tfstate, ignored by
# git), because it creates the bucket every other state lives in. It holds no secret (a bucket, a
# key, an OIDC provider, roles and policies), but it is the only record of what the administrator
# applied: keep it, or move it into the bucket it created once that exists:
#
#   printf 'terraform {\n  backend "s3" {}\n}\n' > backend_override.tf     # ignored by git
#   terraform init -migrate-state -backend-config=bucket=<state_bucket> \
#     -backend-config=key=octo-responder/bootstrap/terraform.tfstate -backend-config=region=<region> \
#     -backend-config=encrypt=true -backend-config=kms_key_id=alias/octo-responder-terraform-state \
#     -backend-config=use_lockfile=true
#
# No deploy role may read or write octo-responder/bootstrap/ (each reaches <project>/<env>/ only).
