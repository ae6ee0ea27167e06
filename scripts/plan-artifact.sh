#!/usr/bin/env bash
# Usage: plan-artifact.sh seal ENV FILE   encrypt ENV's saved plan (make plan) into FILE
#        plan-artifact.sh open ENV FILE   decrypt FILE into ENV's saved plan, for make deploy
#
# The deploy workflow plans in one job and applies in another, after a reviewer approved the plan
# (GitHub environment protection on the apply job). The plan travels between them as an artifact;
# a saved plan can hold sensitive values (with write-only secrets it should hold none), so it is
# encrypted: openssl enc -aes-256-cbc -pbkdf2 -iter 600000 with a random salt, keyed by
# PLAN_ENCRYPTION_KEY (a repository secret of at least 32 characters, given to openssl through
# its environment, never on a command line).
#   seal  prints plan_sha256=<hex> (the plan) and encrypted_sha256=<hex> (FILE), the lines the
#         workflow appends to $GITHUB_OUTPUT: the apply job gets them from GitHub, not from the
#         artifact;
#   open  needs PLAN_SHA256 and ENCRYPTED_PLAN_SHA256 from the plan job: FILE must have the
#         encrypted digest, and what it decrypts to the plan digest; otherwise nothing is left
#         behind to apply and the exit status is 1. make deploy then checks PLAN_SHA256 again.
# The plan's path is infra/.terraform/deploy-<env>/<env>.tfplan (DEPLOY_DATA_ROOT moves it).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

[[ $# -eq 3 ]] || die "usage: plan-artifact.sh seal|open ENV FILE"
mode=$1 file=$3
env_paths "$2"
key_length=${PLAN_ENCRYPTION_KEY:-}
key_length=${#key_length}
((key_length >= 32)) ||
  die "set PLAN_ENCRYPTION_KEY (at least 32 characters, e.g. openssl rand -hex 32) to encrypt and decrypt saved plans"
command -v openssl >/dev/null || die "needs openssl"
cipher=(-aes-256-cbc -pbkdf2 -iter 600000 -md sha256 -pass env:PLAN_ENCRYPTION_KEY)

case $mode in
  seal)
    [[ -f $plan_file ]] || die "no saved plan for $deploy_env: run make plan ENV=$deploy_env first"
    plan_sha=$(sha256_of "$plan_file")
    (umask 077 && openssl enc -e -salt "${cipher[@]}" -in "$plan_file" -out "$file") || die "openssl could not encrypt the plan"
    echo "plan_sha256=$plan_sha"
    echo "encrypted_sha256=$(sha256_of "$file")"
    ;;
  open)
    [[ ${PLAN_SHA256:-} =~ ^[0-9a-f]{64}$ && ${ENCRYPTED_PLAN_SHA256:-} =~ ^[0-9a-f]{64}$ ]] ||
      die "set PLAN_SHA256 and ENCRYPTED_PLAN_SHA256 (the plan job's outputs): a plan is only applied when its digest is known"
    [[ -f $file ]] || die "no encrypted plan at $file"
    actual=$(sha256_of "$file")
    [[ $actual == "$ENCRYPTED_PLAN_SHA256" ]] ||
      die "the encrypted plan has sha256 $actual, not the plan job's $ENCRYPTED_PLAN_SHA256: refusing it"
    mkdir -p "$tf_data_dir"
    rm -f "$plan_file"
    if ! (umask 077 && openssl enc -d "${cipher[@]}" -in "$file" -out "$plan_file.part"); then
      rm -f "$plan_file.part"
      die "openssl could not decrypt the plan (another PLAN_ENCRYPTION_KEY?)"
    fi
    actual=$(sha256_of "$plan_file.part")
    if [[ $actual != "$PLAN_SHA256" ]]; then
      rm -f "$plan_file.part"
      die "the decrypted plan has sha256 $actual, not the reviewed $PLAN_SHA256: refusing it"
    fi
    mv "$plan_file.part" "$plan_file"
    echo "plan-artifact: the reviewed plan (sha256 $actual) is ready for make deploy ENV=$deploy_env"
    ;;
  *) die "usage: plan-artifact.sh seal|open ENV FILE" ;;
esac
