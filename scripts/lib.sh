# shellcheck shell=bash
# Shared by the scripts in scripts/ (sourced, not run): the environment check, a Terraform working
# directory per environment, and small helpers (digests, the optional Octopus API key variable).
#
# Each environment gets its own data directory, infra/.terraform/deploy-<env> (ignored by git),
# initialised with the S3 backend of infra/envs/<env>.s3.tfbackend, so that dev, staging and prod
# never share a backend configuration and the offline checks (make infra-check, which use
# infra/.terraform without a backend) are left alone.
#
# Environment: TF (terraform executable, default terraform); TF_CLI_CONFIG_FILE when providers
# come from a local mirror (the Makefile sets it); DEPLOY_DATA_ROOT, where the data directories go
# (default infra/.terraform; the script tests point it at a temporary directory). tf_outputs
# needs jq (preinstalled on GitHub's Ubuntu runners).

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
infra_dir=$repo_root/infra
tf_bin=${TF:-terraform}

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# check_env ENV: dev, staging or prod, with its tfvars and backend files present.
check_env() {
  case ${1:-} in
    dev | staging | prod) ;;
    *) die "ENV must be dev, staging or prod (got '${1:-}')" ;;
  esac
  [[ -f $infra_dir/envs/$1.tfvars ]] || die "missing infra/envs/$1.tfvars"
  [[ -f $infra_dir/envs/$1.s3.tfbackend ]] || die "missing infra/envs/$1.s3.tfbackend"
}

# tf ARGS...: terraform in infra/ with this environment's data directory (set by use_env).
tf() {
  TF_DATA_DIR=$tf_data_dir TF_IN_AUTOMATION=1 TF_INPUT=0 "$tf_bin" -chdir="$infra_dir" "$@"
}

# env_paths ENV: sets deploy_env, tf_data_dir and plan_file (where make plan saves the plan)
# without touching Terraform.
env_paths() {
  check_env "$1"
  deploy_env=$1
  tf_data_dir=${DEPLOY_DATA_ROOT:-$infra_dir/.terraform}/deploy-$deploy_env
  # shellcheck disable=SC2034 # used by the scripts that source this file
  plan_file=$tf_data_dir/$deploy_env.tfplan
}

# use_env ENV: selects the environment and initialises its data directory (idempotent).
use_env() {
  env_paths "$1"
  mkdir -p "$tf_data_dir"
  tf init -input=false -no-color -reconfigure -backend-config="envs/$deploy_env.s3.tfbackend" >"$tf_data_dir/init.log" 2>&1 ||
    { cat "$tf_data_dir/init.log" >&2; die "terraform init for $deploy_env failed"; }
}

# tf_output NAME: a string output of the environment's state; nothing when the state has no such
# output yet or it is null (or the state could not be read: see tf_outputs).
tf_output() {
  tf output -no-color -raw "$1" 2>/dev/null || true
}

# tf_outputs: every output of the environment's state as one JSON object ({} before the first
# apply), without the sensitive ones. Unlike tf_output it fails when the state cannot be read.
# Terraform stores no null output, so an output absent here is null or not applied yet (the
# sweep's, with sweep_enabled = false), never one that could not be read.
tf_outputs() {
  local json
  command -v jq >/dev/null || die "needs jq"
  json=$(tf output -no-color -json) || return 1
  jq -ce 'if type == "object" then with_entries(select(.value.sensitive | not)) else error("not an object") end' <<<"$json"
}

# output_string OUTPUTS NAME: the string output NAME from tf_outputs' JSON; nothing when absent.
output_string() {
  jq -r --arg name "$2" '.[$name].value // empty | strings' <<<"$1"
}

# sha256_of FILE: the file's SHA-256, lower-case hex.
sha256_of() {
  local sum
  sum=$(sha256sum -- "$1") || return 1
  printf '%s\n' "${sum%% *}"
}

# optional_api_key: the Octopus API key reaches Terraform only as the ephemeral (write-only)
# variable TF_VAR_octopus_api_key, at plan and again at apply time, or is set out of band
# (make secrets). The workflow passes an empty value when the GitHub environment has no
# OCTOPUS_API_KEY secret: unset it then, so that Terraform does not take "" for a key. Prints
# where the key comes from.
optional_api_key() {
  if [[ -n ${TF_VAR_octopus_api_key:-} ]]; then
    echo "$(basename "$0"): the Octopus API key is given to Terraform (TF_VAR_octopus_api_key, write-only: never in the plan or the state)"
  else
    unset TF_VAR_octopus_api_key
    echo "$(basename "$0"): no TF_VAR_octopus_api_key: the Octopus API key parameter keeps the value make secrets put there"
  fi
}
