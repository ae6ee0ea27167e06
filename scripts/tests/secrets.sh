#!/usr/bin/env bash
# Tests scripts/secrets.sh (make secrets, make rotate-webhook-secret) and scripts/operator.sh's
# webhook secret (make subscriptions, make doctor) without AWS, Terraform or cargo: stubs on PATH
# record their arguments and answer from files in each case's directory. Above all: a secret is
# never on a command line or in the output, goes to SSM as a SecureString under the parameter's
# own key, and the rotation says what to do next. Nothing leaves the machine; nothing is written
# outside a temporary directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
scripts=$(cd "$here/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/octo-responder-secrets-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
command -v jq >/dev/null || { echo "secrets.sh: needs jq" >&2; exit 1; }

api_key=API-ABCDEFGHIJKLMNOPQRSTUVWXYZ0
random=Zq8RmT3vKp1xLw6nYb0cJd5hGf2sAe7uQi4oNt9yHk1mXr3zVb6CdE8gFj0lPa2W
key_id=arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555

mkdir "$work/bin"
# aws: records its arguments in $STUB/calls (one per line between [ ], then a blank line) and
# answers:
#   ssm describe-parameters         $STUB/key-id (the parameter's KeyId), else None (no parameter)
#   ssm put-parameter               copies the --cli-input-json file to $STUB/put-<n>.json and its
#                                   mode to $STUB/put-<n>.mode; prints version 7 ($STUB/put-refused:
#                                   an error)
#   secretsmanager get-random-password  $STUB/random
#   ssm get-parameter               $STUB/secret; no file: ParameterNotFound
cat >"$work/bin/aws" <<'SH'
#!/usr/bin/env bash
{ printf '[%s]\n' "$@"; echo; } >>"$STUB/calls"
arg() {
  local want=$1
  shift
  while (($# > 1)); do
    [[ $1 == "$want" ]] && { echo "$2"; return; }
    shift
  done
}
case "$1 $2" in
  "ssm describe-parameters") cat "$STUB/key-id" 2>/dev/null || echo None ;;
  "ssm put-parameter")
    [[ ! -f $STUB/put-refused ]] || { echo "An error occurred (AccessDeniedException) when calling the PutParameter operation" >&2; exit 254; }
    file=$(arg --cli-input-json "$@")
    file=${file#file://}
    n=$(($(ls "$STUB" | grep -c '^put-[0-9]*\.json$') + 1))
    cp "$file" "$STUB/put-$n.json"
    stat -c %a "$file" >"$STUB/put-$n.mode"
    echo "$file" >"$STUB/put-$n.path"
    echo 7
    ;;
  "secretsmanager get-random-password") cat "$STUB/random" ;;
  "ssm get-parameter")
    [[ -f $STUB/secret ]] || { echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254; }
    cat "$STUB/secret"
    ;;
  *) echo "stub aws: unexpected call: $*" >&2; exit 2 ;;
esac
SH
# terraform: init succeeds; output -json prints $STUB/outputs.json (no file: the state cannot be read).
cat >"$work/bin/terraform" <<'SH'
#!/usr/bin/env bash
case " $* " in
  *" init "*) exit 0 ;;
  *" output "*" -json "*)
    [[ -f $STUB/outputs.json ]] || { echo "Error: Failed to load state: AccessDenied" >&2; exit 1; }
    cat "$STUB/outputs.json"
    ;;
  *) echo "stub terraform: unexpected call: $*" >&2; exit 2 ;;
esac
SH
# cargo: the operator CLI. Records its arguments in $STUB/cargo-calls, whether WEBHOOK_SECRET is
# the one in $STUB/secret ([secret:match], [secret:other] or [secret:unset]), and copies the
# --terraform-outputs file to $STUB/cli-outputs.json.
cat >"$work/bin/cargo" <<'SH'
#!/usr/bin/env bash
{ printf '[%s]\n' "$@"
  if [[ -z ${WEBHOOK_SECRET:-} ]]; then echo '[secret:unset]'
  elif [[ $WEBHOOK_SECRET == "$(cat "$STUB/expected-secret")" ]]; then echo '[secret:match]'
  else echo '[secret:other]'; fi; } >>"$STUB/cargo-calls"
while (($#)); do
  [[ $1 != --terraform-outputs ]] || cat "$2" >"$STUB/cli-outputs.json"
  shift
done
SH
chmod +x "$work/bin/"*

failures=0
new_case() {
  case_name=$1
  case_dir=$work/cases/$1
  mkdir -p "$case_dir"
  : >"$case_dir/calls"
  echo "$random" >"$case_dir/random"
  echo "$key_id" >"$case_dir/key-id"
}
# outputs NAME=VALUE...: the state's outputs (strings), plus a sensitive one.
outputs() {
  jq -n '$ARGS.positional
    | map(index("=") as $i | {key: .[:$i], value: {sensitive: false, type: "string", value: .[$i + 1:]}})
    | from_entries + {old_secret: {sensitive: true, type: "string", value: "stale-state-secret"}}' \
    --args "$@" >"$case_dir/outputs.json"
}
default_outputs() {
  outputs octopus_api_key_parameter=/octo-responder/dev/octopus-api-key webhook_token_parameter=/octo-responder/dev/webhook-token \
    kms_key_arn=arn:aws:kms:eu-west-1:123456789012:key/responder webhook_url=https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook
}
# run SCRIPT STDIN ARGS... [with run_env=(VAR=VALUE...)]: runs scripts/SCRIPT with the stubs,
# STDIN on its standard input; sets rc, leaves the output in $case_dir/out.
run_env=()
run() {
  local script=$1 input=$2
  shift 2
  rc=0
  printf '%s' "$input" | env PATH="$work/bin:$PATH" STUB="$case_dir" TF="$work/bin/terraform" \
    DEPLOY_DATA_ROOT="$case_dir/tf-data" "${run_env[@]}" bash "$scripts/$script" "$@" >"$case_dir/out" 2>&1 || rc=$?
}
check() {
  local what=$1
  shift
  if "$@"; then
    echo "  ok   $case_name: $what"
  else
    echo "  FAIL $case_name: $what"
    sed 's/^/       | /' "$case_dir/out"
    failures=$((failures + 1))
  fi
}
said() { grep -q -- "$1" "$case_dir/out"; }
# nowhere VALUE: VALUE is in no command line the stubs saw and not in the output.
nowhere() { ! grep -qF -- "$1" "$case_dir/calls" "$case_dir/out" "$case_dir/cargo-calls" 2>/dev/null; }
in_a_call() {
  local want
  want=$(printf '[%s]\n' "$@")
  awk -v RS= -v want="$want" 'index("\n" $0 "\n", "\n" want "\n") { found = 1 } END { exit !found }' "$case_dir/calls"
}
puts() { find "$case_dir" -maxdepth 1 -name 'put-*.json' | wc -l; }
# put N JQ: the Nth put-parameter input, filtered by JQ.
put() { jq -r "$2" "$case_dir/put-$1.json"; }

echo "secrets.sh against a stub aws and terraform:"

new_case api_key_from_stdin
default_outputs
run secrets.sh "$api_key"$'\n' dev
check "exits 0" test "$rc" -eq 0
check "puts one parameter" test "$(puts)" -eq 1
check "into the API key's parameter" test "$(put 1 .Name)" = /octo-responder/dev/octopus-api-key
check "the key read from standard input, without its newline" test "$(put 1 .Value)" = "$api_key"
check "as a SecureString, overwriting" test "$(put 1 '"\(.Type) \(.Overwrite)"')" = "SecureString true"
check "under the key the parameter already has" test "$(put 1 .KeyId)" = "$key_id"
check "through --cli-input-json file://" in_a_call ssm put-parameter --cli-input-json "file://$(cat "$case_dir/put-1.path")"
check "a file only its owner can read" test "$(cat "$case_dir/put-1.mode")" = 600
check "removed afterwards" test ! -e "$(cat "$case_dir/put-1.path")"
check "the key is on no command line and never printed" nowhere "$api_key"
check "says the version" said "/octo-responder/dev/octopus-api-key is at version 7"

new_case api_key_from_the_environment
default_outputs
run_env=(OCTOPUS_API_KEY="$api_key")
run secrets.sh "" dev --api-key
run_env=()
check "exits 0" test "$rc" -eq 0
check "puts OCTOPUS_API_KEY" test "$(put 1 .Value)" = "$api_key"
check "the key is on no command line and never printed" nowhere "$api_key"

new_case not_an_api_key
default_outputs
run secrets.sh "hunter2"$'\n' dev
check "exits non-zero" test "$rc" -ne 0
check "puts nothing" test "$(puts)" -eq 0
check "says it is not a key" said "not an Octopus API key"
check "does not print what it was given" nowhere hunter2

new_case new_parameter_takes_the_responder_key
default_outputs
rm "$case_dir/key-id"
run secrets.sh "$api_key" dev
check "exits 0" test "$rc" -eq 0
check "encrypts with the responder's key (output kms_key_arn), not the account's default" \
  test "$(put 1 .KeyId)" = arn:aws:kms:eu-west-1:123456789012:key/responder

new_case rotate_the_webhook_secret
default_outputs
run secrets.sh "" dev --rotate-webhook-secret
check "exits 0" test "$rc" -eq 0
check "asks Secrets Manager for 64 random letters and digits" \
  in_a_call secretsmanager get-random-password --password-length 64 --exclude-punctuation
check "puts only the webhook secret" test "$(puts)" -eq 1
check "into its parameter" test "$(put 1 .Name)" = /octo-responder/dev/webhook-token
check "the random value" test "$(put 1 .Value)" = "$random"
check "as a SecureString under its key" test "$(put 1 '"\(.Type) \(.KeyId)"')" = "SecureString $key_id"
check "the new secret is on no command line and never printed" nowhere "$random"
check "says to re-sign the subscriptions" said "make subscriptions ENV=dev REWRITE_TOKENS=true"
check "and to check them" said "make doctor ENV=dev"

new_case rotate_with_a_bad_random
default_outputs
echo short >"$case_dir/random"
run secrets.sh "" dev --rotate-webhook-secret
check "exits non-zero" test "$rc" -ne 0
check "puts nothing" test "$(puts)" -eq 0

new_case put_refused
default_outputs
: >"$case_dir/put-refused"
run secrets.sh "$api_key" dev
check "exits non-zero" test "$rc" -ne 0
check "says SSM refused" said "SSM refused to put /octo-responder/dev/octopus-api-key"

new_case state_unreadable
run secrets.sh "$api_key" dev
check "exits non-zero" test "$rc" -ne 0
check "asks AWS nothing" test ! -s "$case_dir/calls"

new_case parameter_of_another_environment
outputs octopus_api_key_parameter=/octo-responder/prod/octopus-api-key
run secrets.sh "$api_key" dev
check "exits non-zero" test "$rc" -ne 0
check "asks AWS nothing" test ! -s "$case_dir/calls"
check "says it is not dev's" said "not a parameter of dev"

new_case unknown_option
run secrets.sh "" dev --value="$api_key"
check "exits non-zero" test "$rc" -ne 0
check "asks AWS nothing" test ! -s "$case_dir/calls"

echo "operator.sh's webhook secret against a stub aws, terraform and cargo:"

new_case operator_reads_the_secret_from_ssm
default_outputs
echo token-not-for-logs >"$case_dir/secret"
echo token-not-for-logs >"$case_dir/expected-secret"
run operator.sh "" dev subscriptions apply --rewrite-tokens
check "exits 0" test "$rc" -eq 0
check "reads the webhook secret parameter, decrypted" \
  in_a_call ssm get-parameter --name /octo-responder/dev/webhook-token --with-decryption
check "hands it to the CLI in its environment" grep -qx '\[secret:match\]' "$case_dir/cargo-calls"
check "runs the CLI with the arguments, then the environment" \
  test "$(head -n 12 "$case_dir/cargo-calls" | paste -sd' ' -)" = "[run] [--quiet] [--locked] [-p] [octo-responder-cli] [--] [subscriptions] [apply] [--rewrite-tokens] [--env] [dev] [--terraform-outputs]"
check "the secret is on no command line and never printed" nowhere token-not-for-logs
check "gives the CLI the outputs without the sensitive ones" \
  test "$(jq -r 'has("old_secret"), .webhook_token_parameter.value' "$case_dir/cli-outputs.json" | paste -sd' ' -)" = "false /octo-responder/dev/webhook-token"

new_case operator_with_webhook_secret_set
default_outputs
echo given-secret >"$case_dir/expected-secret"
run_env=(WEBHOOK_SECRET=given-secret)
run operator.sh "" dev doctor
run_env=()
check "exits 0" test "$rc" -eq 0
check "reads nothing from SSM" test ! -s "$case_dir/calls"
check "the CLI gets WEBHOOK_SECRET" grep -qx '\[secret:match\]' "$case_dir/cargo-calls"

new_case operator_secret_unreadable
default_outputs
run operator.sh "" dev doctor
check "exits non-zero" test "$rc" -ne 0
check "runs no CLI" test ! -e "$case_dir/cargo-calls"
check "names the parameter" said "cannot read the webhook secret from the SSM parameter /octo-responder/dev/webhook-token"

new_case operator_without_the_parameter_output
outputs webhook_url=https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook
run operator.sh "" dev doctor
check "exits non-zero" test "$rc" -ne 0
check "runs no CLI" test ! -e "$case_dir/cargo-calls"

if ((failures > 0)); then
  echo "secrets.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "secrets.sh: all checks passed"
