#!/usr/bin/env bash
# Applies infra/bootstrap, then the whole module (envs/dev.tfvars, from a saved plan, with dev's
# boundary) to a moto server on loopback, checks what it created (and that neither secret is in
# the plan or the state), plans the other environments' tfvars, then destroys everything. moto
# cannot run the functions, so this proves the configuration applies and tears down, not that
# traffic flows.
#
# Needs: MOTO_SERVER (path of moto_server; its venv's python and boto3 are used too), terraform
# on PATH (or TF), and TF_CLI_CONFIG_FILE when providers come from a local mirror.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
infra=$(cd "$here/../.." && pwd)
: "${MOTO_SERVER:?set MOTO_SERVER to the moto_server executable}"
python=$(dirname "$MOTO_SERVER")/python
tf=${TF:-terraform}

work=$(mktemp -d "${TMPDIR:-/tmp}/octo-responder-tf-moto.XXXXXX")
moto_pid=
cleanup() {
  if [[ -n $moto_pid ]]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  rm -rf "$work" # the state and the module copy
}
trap cleanup EXIT

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint=http://127.0.0.1:$port
"$MOTO_SERVER" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
"$python" - "$endpoint" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 30
while True:
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
        break
    except Exception:
        if time.monotonic() > deadline:
            sys.exit("moto server did not start within 30 s")
        time.sleep(0.2)
PY

mkdir "$work/module" "$work/bootstrap"
cp "$infra"/*.tf "$infra/.terraform.lock.hcl" "$here"/moto.tf "$here"/moto_override.tf "$work/module/"
cp -r "$infra/envs" "$infra/modules" "$work/module/"
cp "$infra"/bootstrap/*.tf "$infra/bootstrap/.terraform.lock.hcl" "$here"/moto.tf "$here"/moto_override.tf "$work/bootstrap/"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export TF_IN_AUTOMATION=1 TF_INPUT=0
# The API key is given (ephemeral, write-only); the webhook secret is left to Terraform to generate.
export TF_VAR_octopus_api_key=API-MOTOMOTOMOTOMOTOMOTO
export TF_VAR_moto_endpoint=$endpoint TF_VAR_aws_region=us-east-1
export TF_VAR_accept_message_zip=$infra/tests/fixtures/bootstrap.zip
export TF_VAR_process_message_zip=$infra/tests/fixtures/bootstrap.zip
export TF_VAR_sweep_interruptions_zip=$infra/tests/fixtures/bootstrap.zip
export TF_VAR_canary_check_zip=$infra/tests/fixtures/bootstrap.zip
tfm() { "$tf" -chdir="$work/module" "$@"; }
tfb() { "$tf" -chdir="$work/bootstrap" "$@"; }

fail() {
  echo "tf-moto: $*" >&2
  echo "--- last lines of the moto server log:" >&2
  tail -n 20 "$work/moto.log" >&2
  exit 1
}

# Both roots' init must accept their committed lock files as they are.
tfm init -no-color -lockfile=readonly >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; fail "terraform init failed"; }
tfb init -no-color -lockfile=readonly >"$work/bootstrap-init.log" 2>&1 || { cat "$work/bootstrap-init.log" >&2; fail "terraform init of infra/bootstrap failed"; }

# infra/bootstrap first, as an administrator would: the state bucket, the OIDC provider, each
# environment's deploy role and permissions boundary. dev's roles are then created with dev's
# boundary (moto does not enforce IAM, so this proves the wiring, not the denies).
bootstrap_args=(-var github_repository=example-org/octo-responder -var state_bucket_name=octo-responder-moto-state)
tfb apply -no-color -auto-approve "${bootstrap_args[@]}" >"$work/bootstrap-apply.log" 2>&1 ||
  { cat "$work/bootstrap-apply.log" >&2; fail "terraform apply of infra/bootstrap failed"; }
boundary_arn=$(tfb output -json permissions_boundary_arns | "$python" -c 'import json, sys; print(json.load(sys.stdin)["dev"])')
echo "tf-moto: infra/bootstrap applied ($(tfb state list | wc -l) resources); dev's boundary is $boundary_arn"

# The other environments' example tfvars must plan too (against the empty state).
for env in staging prod; do
  tfm plan -no-color -var-file="envs/$env.tfvars" >"$work/plan-$env.log" 2>&1 ||
    { cat "$work/plan-$env.log" >&2; fail "envs/$env.tfvars does not plan"; }
done

# dev is applied from a saved plan, as make deploy does: the plan must not hold the API key.
start=$SECONDS
tfm plan -no-color -out="$work/dev.tfplan" -var-file=envs/dev.tfvars -var alarm_email=oncall@example.com -var needs_a_person_enabled=true -var needs_a_person_email=needs-a-person@example.com \
  -var permissions_boundary_arn="$boundary_arn" >"$work/plan-dev.log" 2>&1 || { cat "$work/plan-dev.log" >&2; fail "terraform plan of envs/dev.tfvars failed"; }
tfm show -json "$work/dev.tfplan" >"$work/dev.tfplan.json"
"$python" - "$work/dev.tfplan" "$work/dev.tfplan.json" "$TF_VAR_octopus_api_key" <<'PY' || fail "the saved plan holds the Octopus API key"
import sys, zipfile
plan, shown, key = sys.argv[1:]
with zipfile.ZipFile(plan) as archive:  # the plan file is a zip: search every member, uncompressed
    texts = [archive.read(name) for name in archive.namelist()]
sys.exit(1 if any(key.encode() in text for text in texts + [open(shown, "rb").read()]) else 0)
PY
tfm apply -no-color "$work/dev.tfplan" >"$work/apply.log" 2>&1 || { cat "$work/apply.log" >&2; fail "terraform apply failed"; }
echo "tf-moto: apply of $(tfm state list | wc -l) resources took $((SECONDS - start)) s"

tfm output -json >"$work/outputs.json"
"$python" "$here/check.py" "$endpoint" "$work/outputs.json" || fail "the applied resources are not as configured"

# Neither secret is in the state (ssm.tf writes both through value_wo): the API key as given, the
# webhook secret as Terraform generated it (64 hex digits, read back from SSM). And the roles of
# this root carry dev's boundary.
tfm state pull >"$work/state.json"
"$python" - "$endpoint" "$work/outputs.json" "$work/state.json" "$boundary_arn" <<'PY' || fail "a secret is in the state, or a role lacks the boundary"
import json, re, sys
import boto3

endpoint, outputs, state, boundary = sys.argv[1:]
out = {k: v["value"] for k, v in json.load(open(outputs)).items()}
text = open(state).read()
kw = dict(endpoint_url=endpoint, region_name=out["kms_key_arn"].split(":")[3])  # envs/dev.tfvars' region
ssm = boto3.client("ssm", **kw)
key = ssm.get_parameter(Name=out["octopus_api_key_parameter"], WithDecryption=True)["Parameter"]["Value"]
secret = ssm.get_parameter(Name=out["webhook_token_parameter"], WithDecryption=True)["Parameter"]["Value"]
problems = []
if key != "API-MOTOMOTOMOTOMOTOMOTO":
    problems.append("the API key parameter does not hold TF_VAR_octopus_api_key")
if not re.fullmatch(r"[0-9a-f]{64}", secret):
    problems.append("the generated webhook secret is not 64 hex digits")
for name, value in (("the Octopus API key", key), ("the webhook secret", secret)):
    if value in text:
        problems.append(f"the state holds {name}")
iam = boto3.client("iam", **kw)
for role in ("octo-responder-dev-sweep-scheduler", "octo-responder-dev-codedeploy",
             "octo-responder-dev-accept-message-role", "octo-responder-dev-process-message-role",
             "octo-responder-dev-sweep-interruptions-role", "octo-responder-dev-canary-check-role"):
    if iam.get_role(RoleName=role)["Role"].get("PermissionsBoundary", {}).get("PermissionsBoundaryArn") != boundary:
        problems.append(f"{role} lacks dev's permissions boundary")
for problem in problems:
    print(f"FAIL {problem}")
sys.exit(1 if problems else 0)
PY
echo "tf-moto: no secret in the saved plan or the state; every role carries dev's boundary"

# moto 5.2.5 creates and reads CodeDeploy applications and deployment groups (the apply and
# check.py above exercise them) but implements neither DeleteDeploymentGroup nor DeleteApplication:
# it answers NotImplementedError, which the provider retries for 20 minutes. So the destroy forgets
# them instead (terraform state rm; moto's server is thrown away below anyway): their deletion is
# the one part of the module this run does not exercise.
tfm state rm aws_codedeploy_deployment_group.this aws_codedeploy_app.this >"$work/state-rm.log" 2>&1 ||
  { cat "$work/state-rm.log" >&2; fail "could not forget the CodeDeploy resources moto cannot delete"; }

start=$SECONDS
tfm destroy -no-color -auto-approve -var-file=envs/dev.tfvars -var alarm_email=oncall@example.com -var needs_a_person_enabled=true -var needs_a_person_email=needs-a-person@example.com \
  >"$work/destroy.log" 2>&1 || { cat "$work/destroy.log" >&2; fail "terraform destroy failed"; }
left=$(tfm state list | wc -l)
[[ $left -eq 0 ]] || fail "$left resources left in state after destroy"
echo "tf-moto: destroy took $((SECONDS - start)) s; nothing left"

tfb destroy -no-color -auto-approve "${bootstrap_args[@]}" >"$work/bootstrap-destroy.log" 2>&1 ||
  { cat "$work/bootstrap-destroy.log" >&2; fail "terraform destroy of infra/bootstrap failed"; }
left=$(tfb state list | wc -l)
[[ $left -eq 0 ]] || fail "$left resources of infra/bootstrap left in state after destroy"
echo "tf-moto: infra/bootstrap destroyed; nothing left"
