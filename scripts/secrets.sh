#!/usr/bin/env bash
# Usage: secrets.sh ENV [--api-key] [--rotate-webhook-secret]
#   make secrets ENV=<env>                 the Octopus API key (the default)
#   make rotate-webhook-secret ENV=<env>   a new webhook secret, generated inside AWS
#
# Puts the environment's secrets into their SSM SecureString parameters, so that neither is ever
# in a Terraform plan, state, variable file or command line:
#   --api-key                the responder's Octopus API key, read from OCTOPUS_API_KEY, else from
#                            standard input (a terminal is asked, without echo), into
#                            /octo-responder/<env>/octopus-api-key;
#   --rotate-webhook-secret  a new webhook secret from aws secretsmanager get-random-password (64
#                            letters and digits, made in AWS), into /octo-responder/<env>/webhook-token;
#                            every subscription's token must then be rewritten (printed below).
# Each value goes to aws ssm put-parameter --overwrite --type SecureString through a file read
# with --cli-input-json file://..., created mode 600 in a private temporary directory and removed
# on exit, under the KMS key the parameter already has (else the responder's key, output
# kms_key_arn): never on a command line, never printed.
#
# The parameter names come from the environment's Terraform outputs (octopus_api_key_parameter,
# webhook_token_parameter), or OCTOPUS_API_KEY_PARAMETER / WEBHOOK_TOKEN_PARAMETER (then
# SECRETS_KMS_KEY_ID names the key for a parameter that does not exist yet). The functions read
# the secrets at cold start: instances already running keep the old value until Lambda replaces
# them, or until the next deploy of a new version.
# Needs jq, the AWS CLI and credentials: ssm:PutParameter and ssm:DescribeParameters on the
# parameters, kms:Encrypt/GenerateDataKey on their key, secretsmanager:GetRandomPassword.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

env=${1:-}
check_env "$env"
shift
api_key=false rotate=false
for option in "$@"; do
  case $option in
    --api-key) api_key=true ;;
    --rotate-webhook-secret) rotate=true ;;
    *) die "unknown option '$option' (usage: secrets.sh ENV [--api-key] [--rotate-webhook-secret])" ;;
  esac
done
[[ $api_key == true || $rotate == true ]] || api_key=true
command -v jq >/dev/null || die "needs jq"

key_parameter=${OCTOPUS_API_KEY_PARAMETER:-}
token_parameter=${WEBHOOK_TOKEN_PARAMETER:-}
kms_key=${SECRETS_KMS_KEY_ID:-}
if { [[ $api_key == true && -z $key_parameter ]] || [[ $rotate == true && -z $token_parameter ]]; }; then
  use_env "$env"
  outputs=$(tf_outputs) || die "cannot read the outputs of the $env state (or set OCTOPUS_API_KEY_PARAMETER / WEBHOOK_TOKEN_PARAMETER)"
  key_parameter=${key_parameter:-$(output_string "$outputs" octopus_api_key_parameter)}
  token_parameter=${token_parameter:-$(output_string "$outputs" webhook_token_parameter)}
  kms_key=${kms_key:-$(output_string "$outputs" kms_key_arn)}
fi
parameter_name='^/[A-Za-z0-9_./-]+$'
for name in ${key_parameter:+"$key_parameter"} ${token_parameter:+"$token_parameter"}; do
  [[ $name =~ $parameter_name && $name == */"$env"/* ]] || die "not a parameter of $env: '$name'"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"

# put_secret NAME: puts standard input (the value, without a trailing newline) into the
# SecureString NAME, overwriting it, under the key it has (or $kms_key when it does not exist).
# The value travels stdin -> jq -> a mode 600 file -> aws --cli-input-json, never on a command line.
put_secret() {
  local name=$1 key version
  key=$(aws ssm describe-parameters --parameter-filters "Key=Name,Values=$name" \
    --query 'Parameters[0].KeyId' --output text) || die "cannot describe the SSM parameter $name"
  if [[ -z $key || $key == None ]]; then
    key=$kms_key
    [[ -n $key ]] || die "the SSM parameter $name does not exist and no KMS key is known for it (apply Terraform first, or set SECRETS_KMS_KEY_ID)"
  fi
  (umask 077 && jq -n --rawfile value /dev/stdin --arg name "$name" --arg key "$key" \
    '{Name: $name, Value: $value, Type: "SecureString", KeyId: $key, Overwrite: true}' >"$work/put.json") ||
    die "cannot prepare the value of $name"
  version=$(aws ssm put-parameter --cli-input-json "file://$work/put.json" --query Version --output text) ||
    { rm -f "$work/put.json"; die "SSM refused to put $name"; }
  rm -f "$work/put.json"
  echo "secrets: $name is at version $version (SecureString, key $key)"
}

if [[ $api_key == true ]]; then
  [[ -n $key_parameter ]] || die "the $env state has no octopus_api_key_parameter output: apply Terraform first (or set OCTOPUS_API_KEY_PARAMETER)"
  if [[ -n ${OCTOPUS_API_KEY:-} ]]; then
    value=$OCTOPUS_API_KEY
  elif [[ -t 0 ]]; then
    read -r -s -p "Octopus API key of the responder's user for $env (API-...): " value
    echo
  else
    IFS= read -r value || [[ -n $value ]] || die "no Octopus API key on standard input (or set OCTOPUS_API_KEY)"
  fi
  value=${value%$'\r'}
  [[ $value =~ ^API-[A-Za-z0-9]{16,}$ ]] || die "that is not an Octopus API key (API- and letters or digits); nothing changed"
  printf '%s' "$value" | put_secret "$key_parameter"
  unset value
  echo "secrets: process-message and the sweep read the new key at their next cold start; make doctor ENV=$env checks it"
fi

if [[ $rotate == true ]]; then
  [[ -n $token_parameter ]] || die "the $env state has no webhook_token_parameter output: apply Terraform first (or set WEBHOOK_TOKEN_PARAMETER)"
  secret=$(aws secretsmanager get-random-password --password-length 64 --exclude-punctuation \
    --require-each-included-type --query RandomPassword --output text) || die "cannot get a random password from Secrets Manager"
  [[ $secret =~ ^[A-Za-z0-9]{64}$ ]] || die "Secrets Manager's random password is not 64 letters and digits; nothing changed"
  printf '%s' "$secret" | put_secret "$token_parameter"
  unset secret
  cat <<EOF
secrets: the webhook secret of $env is rotated. Every subscription still presents a token derived
from the old one, which accept-message refuses (401) as soon as its instances read the new one
(at their cold start): webhooks are lost until the subscriptions follow, and the sweep queues the
interruptions they were about. Next, at once:
  1. re-sign every subscription with the new secret (Octopus never shows a header value, so all
     are rewritten):  make subscriptions ENV=$env REWRITE_TOKENS=true
     (the CLI's --rewrite-tokens; make subscriptions alone does not rewrite tokens it cannot see)
  2. make doctor ENV=$env     (each subscription's token, and one signed test webhook)
  3. make smoke ENV=$env      (reads the new secret from $token_parameter)
Instances already running keep the old secret until Lambda replaces them; a deploy of a new
version replaces them all.
EOF
fi
