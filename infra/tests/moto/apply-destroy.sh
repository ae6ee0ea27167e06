#!/usr/bin/env bash
# Applies the whole module (envs/dev.tfvars) to a moto server on loopback, checks what it created,
# plans the other environments' tfvars, then destroys everything. moto cannot run the functions,
# so this proves the configuration applies and tears down, not that traffic flows.
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

mkdir "$work/module"
cp "$infra"/*.tf "$here"/moto.tf "$here"/moto_override.tf "$work/module/"
cp -r "$infra/envs" "$infra/modules" "$work/module/"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export TF_IN_AUTOMATION=1 TF_INPUT=0
export TF_VAR_octopus_api_key=API-MOTOMOTOMOTOMOTOMOTO
export TF_VAR_webhook_token=moto-webhook-token-0123456789abcdef
export TF_VAR_moto_endpoint=$endpoint TF_VAR_aws_region=us-east-1
export TF_VAR_accept_message_zip=$infra/tests/fixtures/bootstrap.zip
export TF_VAR_process_message_zip=$infra/tests/fixtures/bootstrap.zip
export TF_VAR_sweep_interruptions_zip=$infra/tests/fixtures/bootstrap.zip
tfm() { "$tf" -chdir="$work/module" "$@"; }

fail() {
  echo "tf-moto: $*" >&2
  echo "--- last lines of the moto server log:" >&2
  tail -n 20 "$work/moto.log" >&2
  exit 1
}

tfm init -no-color >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; fail "terraform init failed"; }

# The other environments' example tfvars must plan too (against the empty state).
for env in staging prod; do
  tfm plan -no-color -var-file="envs/$env.tfvars" >"$work/plan-$env.log" 2>&1 ||
    { cat "$work/plan-$env.log" >&2; fail "envs/$env.tfvars does not plan"; }
done

start=$SECONDS
tfm apply -no-color -auto-approve -var-file=envs/dev.tfvars -var alarm_email=oncall@example.com -var needs_a_person_enabled=true -var needs_a_person_email=needs-a-person@example.com \
  >"$work/apply.log" 2>&1 || { cat "$work/apply.log" >&2; fail "terraform apply failed"; }
echo "tf-moto: apply of $(tfm state list | wc -l) resources took $((SECONDS - start)) s"

tfm output -json >"$work/outputs.json"
"$python" "$here/check.py" "$endpoint" "$work/outputs.json" || fail "the applied resources are not as configured"

start=$SECONDS
tfm destroy -no-color -auto-approve -var-file=envs/dev.tfvars -var alarm_email=oncall@example.com -var needs_a_person_enabled=true -var needs_a_person_email=needs-a-person@example.com \
  >"$work/destroy.log" 2>&1 || { cat "$work/destroy.log" >&2; fail "terraform destroy failed"; }
left=$(tfm state list | wc -l)
[[ $left -eq 0 ]] || fail "$left resources left in state after destroy"
echo "tf-moto: destroy took $((SECONDS - start)) s; nothing left"
