#!/usr/bin/env bash
# Tests the build-once, promote-the-same-bytes path (make script-test), offline:
#   scripts/artifacts.sh      SHA256SUMS of the four zips, and its verification (a tampered zip, a
#                             rewritten manifest, a missing or extra entry are refused);
#   scripts/plan-artifact.sh  the saved plan encrypted between the plan and apply jobs, opened
#                             only with its key and both digests;
#   scripts/release-check.sh  a release is a commit on main that dev deployed: a real git
#                             repository in a temporary directory and a stub `gh` answering the
#                             GitHub API from files.
# Nothing leaves the machine; nothing is written outside a temporary directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
scripts=$(cd "$here/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/octo-responder-promotion-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
command -v jq >/dev/null || { echo "promotion.sh: needs jq" >&2; exit 1; }

failures=0
# check DESCRIPTION COMMAND...: one assertion, COMMAND's exit status.
check() {
  local what=$1
  shift
  if "$@"; then
    echo "  ok   $case_name: $what"
  else
    echo "  FAIL $case_name: $what"
    sed 's/^/       | /' "$case_dir/out" "$case_dir/err" 2>/dev/null || true
    failures=$((failures + 1))
  fi
}
new_case() {
  case_name=$1
  case_dir=$work/cases/$1
  mkdir -p "$case_dir"
  : >"$case_dir/out"
  : >"$case_dir/err"
}
said() { grep -q -- "$1" "$case_dir/err" "$case_dir/out"; }
# lacks PATTERN FILE...: no line of FILE matches PATTERN (a basic regular expression).
lacks() { ! grep -q -- "$@"; }
# sums_agree DIR: sha256sum -c accepts DIR/SHA256SUMS.
sums_agree() { (cd "$1" && sha256sum --quiet -c SHA256SUMS); }
# run_script SCRIPT ARGS... [with VAR=VALUE... before]: standard output in out, standard error in err.
run_script() {
  rc=0
  env "${script_env[@]}" bash "$scripts/$1" "${@:2}" >"$case_dir/out" 2>"$case_dir/err" || rc=$?
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

echo "artifacts.sh: the four zips and their SHA256SUMS:"

functions=(accept-message process-message sweep-interruptions canary-check)
# zips DIR: four distinct zips, as make package leaves them.
zips() {
  local fn
  for fn in "${functions[@]}"; do
    mkdir -p "$1/$fn"
    printf 'PK zip of %s\n' "$fn" >"$1/$fn/bootstrap.zip"
  done
}

new_case manifest_and_verify
dir=$case_dir/lambda
zips "$dir"
script_env=()
run_script artifacts.sh manifest "$dir"
check "manifest exits 0" test "$rc" -eq 0
check "lists the four zips in order, in sha256sum's format" \
  test "$(cut -d' ' -f3 "$dir/SHA256SUMS" | paste -sd' ' -)" = "accept-message/bootstrap.zip process-message/bootstrap.zip sweep-interruptions/bootstrap.zip canary-check/bootstrap.zip"
check "sha256sum -c agrees with it" sums_agree "$dir"
check "prints the manifest's own digest alone" test "$(cat "$case_dir/out")" = "$(sha "$dir/SHA256SUMS")"
recorded=$(sha "$dir/SHA256SUMS")
run_script artifacts.sh verify "$dir"
check "verify exits 0 on the untouched zips" test "$rc" -eq 0
check "verify prints the same digest" test "$(cat "$case_dir/out")" = "$recorded"
script_env=(MANIFEST_SHA256="$recorded")
run_script artifacts.sh verify "$dir"
check "verify exits 0 with the digest recorded at build time" test "$rc" -eq 0

new_case tampered_zip
dir=$case_dir/lambda
zips "$dir"
script_env=()
run_script artifacts.sh manifest "$dir"
recorded=$(cat "$case_dir/out")
printf 'one more byte' >>"$dir/process-message/bootstrap.zip"
run_script artifacts.sh verify "$dir"
check "refuses a zip whose digest differs" test "$rc" -ne 0
check "names it" said "process-message/bootstrap.zip has sha256 .* not the .* SHA256SUMS names"
check "prints no digest to deploy with" test ! -s "$case_dir/out"
# The same zip with a manifest rewritten to match it: only the recorded digest catches it.
(cd "$dir" && sha256sum accept-message/bootstrap.zip process-message/bootstrap.zip sweep-interruptions/bootstrap.zip \
  canary-check/bootstrap.zip >SHA256SUMS)
script_env=(MANIFEST_SHA256="$recorded")
run_script artifacts.sh verify "$dir"
check "refuses a manifest rewritten along with the zip" test "$rc" -ne 0
check "says the manifest is not the recorded one" said "not the $recorded recorded when it was built"

new_case manifest_entries
dir=$case_dir/lambda
zips "$dir"
script_env=()
run_script artifacts.sh manifest "$dir"
cp "$dir/SHA256SUMS" "$case_dir/good"
grep -v canary-check "$case_dir/good" >"$dir/SHA256SUMS"
run_script artifacts.sh verify "$dir"
check "refuses a manifest without the canary-check zip" test "$rc" -ne 0
check "names the zip it lacks" said "does not name canary-check/bootstrap.zip"
{ cat "$case_dir/good"; printf '%s  ../../etc/bootstrap.zip\n' "$(sha "$dir/canary-check/bootstrap.zip")"; } >"$dir/SHA256SUMS"
run_script artifacts.sh verify "$dir"
check "refuses a line that is not a function's zip" test "$rc" -ne 0
{ cat "$case_dir/good"; grep accept-message "$case_dir/good"; } >"$dir/SHA256SUMS"
run_script artifacts.sh verify "$dir"
check "refuses a zip named twice" test "$rc" -ne 0
check "says so" said "names accept-message/bootstrap.zip twice"
{ cat "$case_dir/good"; printf '%s  other/bootstrap.zip\n' "$(sha "$dir/canary-check/bootstrap.zip")"; } >"$dir/SHA256SUMS"
run_script artifacts.sh verify "$dir"
check "refuses a zip of no known function" test "$rc" -ne 0
rm "$dir/SHA256SUMS"
run_script artifacts.sh verify "$dir"
check "refuses a directory without SHA256SUMS" test "$rc" -ne 0

new_case manifest_of_three
dir=$case_dir/lambda
zips "$dir"
rm "$dir/canary-check/bootstrap.zip"
script_env=()
run_script artifacts.sh manifest "$dir"
check "refuses to write a manifest without the four zips" test "$rc" -ne 0
check "writes none" test ! -e "$dir/SHA256SUMS"
check "names the missing zip" said "canary-check/bootstrap.zip"

echo "plan-artifact.sh: the reviewed plan, encrypted between the jobs:"

key=0123456789abcdef0123456789abcdef0123456789abcdef
new_case seal_and_open
mkdir -p "$case_dir/plan-job/deploy-dev" "$case_dir/apply-job"
printf 'saved plan bytes \001\002\n' >"$case_dir/plan-job/deploy-dev/dev.tfplan"
script_env=(DEPLOY_DATA_ROOT="$case_dir/plan-job" PLAN_ENCRYPTION_KEY="$key")
run_script plan-artifact.sh seal dev "$case_dir/dev.tfplan.enc"
check "seal exits 0" test "$rc" -eq 0
check "prints the plan's digest for GITHUB_OUTPUT" grep -qx "plan_sha256=$(sha "$case_dir/plan-job/deploy-dev/dev.tfplan")" "$case_dir/out"
check "prints the encrypted file's digest" grep -qx "encrypted_sha256=$(sha "$case_dir/dev.tfplan.enc")" "$case_dir/out"
check "the artifact is not the plan in clear" lacks "saved plan bytes" "$case_dir/dev.tfplan.enc"
check "never prints the key" lacks "$key" "$case_dir/out" "$case_dir/err"
plan_sha=$(sed -n 's/^plan_sha256=//p' "$case_dir/out")
enc_sha=$(sed -n 's/^encrypted_sha256=//p' "$case_dir/out")
script_env=(DEPLOY_DATA_ROOT="$case_dir/apply-job" PLAN_ENCRYPTION_KEY="$key" PLAN_SHA256="$plan_sha" ENCRYPTED_PLAN_SHA256="$enc_sha")
run_script plan-artifact.sh open dev "$case_dir/dev.tfplan.enc"
check "open exits 0 with the key and both digests" test "$rc" -eq 0
check "restores the very plan" cmp -s "$case_dir/plan-job/deploy-dev/dev.tfplan" "$case_dir/apply-job/deploy-dev/dev.tfplan"
check "readable by its owner only" test "$(stat -c %a "$case_dir/apply-job/deploy-dev/dev.tfplan")" = 600

new_case open_refuses
mkdir -p "$case_dir/plan-job/deploy-dev"
printf 'saved plan\n' >"$case_dir/plan-job/deploy-dev/dev.tfplan"
script_env=(DEPLOY_DATA_ROOT="$case_dir/plan-job" PLAN_ENCRYPTION_KEY="$key")
run_script plan-artifact.sh seal dev "$case_dir/dev.tfplan.enc"
plan_sha=$(sed -n 's/^plan_sha256=//p' "$case_dir/out")
enc_sha=$(sed -n 's/^encrypted_sha256=//p' "$case_dir/out")
apply=$case_dir/apply-job/deploy-dev/dev.tfplan
script_env=(DEPLOY_DATA_ROOT="$case_dir/apply-job" PLAN_ENCRYPTION_KEY="another-key-of-enough-length-0123456789" PLAN_SHA256="$plan_sha" ENCRYPTED_PLAN_SHA256="$enc_sha")
run_script plan-artifact.sh open dev "$case_dir/dev.tfplan.enc"
check "refuses with another key" test "$rc" -ne 0
check "leaves no plan to apply" test ! -e "$apply" -a ! -e "$apply.part"
script_env=(DEPLOY_DATA_ROOT="$case_dir/apply-job" PLAN_ENCRYPTION_KEY="$key" PLAN_SHA256="$(printf '%064d' 1)" ENCRYPTED_PLAN_SHA256="$enc_sha")
run_script plan-artifact.sh open dev "$case_dir/dev.tfplan.enc"
check "refuses a plan whose digest is not the reviewed one" test "$rc" -ne 0
check "says so" said "not the reviewed"
check "leaves no plan to apply" test ! -e "$apply" -a ! -e "$apply.part"
cp "$case_dir/dev.tfplan.enc" "$case_dir/swapped.enc"
printf 'x' >>"$case_dir/swapped.enc"
script_env=(DEPLOY_DATA_ROOT="$case_dir/apply-job" PLAN_ENCRYPTION_KEY="$key" PLAN_SHA256="$plan_sha" ENCRYPTED_PLAN_SHA256="$enc_sha")
run_script plan-artifact.sh open dev "$case_dir/swapped.enc"
check "refuses an artifact that is not the plan job's" test "$rc" -ne 0
check "before decrypting it" said "the encrypted plan has sha256"
script_env=(DEPLOY_DATA_ROOT="$case_dir/apply-job" PLAN_ENCRYPTION_KEY="$key")
run_script plan-artifact.sh open dev "$case_dir/dev.tfplan.enc"
check "refuses without the digests" test "$rc" -ne 0
script_env=(DEPLOY_DATA_ROOT="$case_dir/plan-job" PLAN_ENCRYPTION_KEY=short)
run_script plan-artifact.sh seal dev "$case_dir/other.enc"
check "refuses a short key" test "$rc" -ne 0
check "writes nothing" test ! -e "$case_dir/other.enc"

echo "release-check.sh: a release is a commit on main that dev deployed (real git, stub gh):"

repo=$work/repo
git init -q -b main "$repo"
commit() { git -C "$repo" -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m "$1" && git -C "$repo" rev-parse HEAD; }
first=$(commit first)
released=$(commit second)
git -C "$repo" checkout -q -b side
side=$(commit "not on main")
git -C "$repo" checkout -q main

mkdir "$work/bin"
# gh api PATH: records PATH in $STUB/gh-calls; answers .../workflows/<file>/runs?... with
# $STUB/runs.json, .../runs/<id>/jobs?... with $STUB/jobs-<id>.json, .../runs/<id>/artifacts?...
# with $STUB/artifacts-<id>.json; a missing file is an HTTP 404.
cat >"$work/bin/gh" <<'SH'
#!/usr/bin/env bash
[[ $1 == api ]] || { echo "stub gh: unexpected call: $*" >&2; exit 2; }
echo "$2" >>"$STUB/gh-calls"
path=${2%%\?*}
case $path in
  */actions/workflows/*/runs) file=$STUB/runs.json ;;
  */actions/runs/*/jobs) id=${path%/jobs}; file=$STUB/jobs-${id##*/}.json ;;
  */actions/runs/*/artifacts) id=${path%/artifacts}; file=$STUB/artifacts-${id##*/}.json ;;
  *) file=/nonexistent ;;
esac
[[ -f $file ]] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }
cat "$file"
SH
chmod +x "$work/bin/gh"
# run_json ID SHA BRANCH EVENT CONCLUSION: one workflow run as the API lists it.
run_json() { jq -cn --argjson id "$1" --arg sha "$2" --arg branch "$3" --arg event "$4" --arg c "$5" \
  '{id: $id, head_sha: $sha, head_branch: $branch, event: $event, status: "completed", conclusion: $c}'; }
runs() { jq -s '{total_count: length, workflow_runs: .}' >"$case_dir/runs.json"; }
# jobs ID NAME=CONCLUSION...: a run's jobs.
jobs() {
  local id=$1
  shift
  jq -n '{jobs: ($ARGS.positional | map(index("=") as $i | {name: .[:$i], conclusion: .[$i + 1:]}))}' --args "$@" >"$case_dir/jobs-$id.json"
}
artifact() { jq -n --argjson expired "$2" '{total_count: 1, artifacts: [{name: "lambda-zips", expired: $expired}]}' >"$case_dir/artifacts-$1.json"; }
release_env() { script_env=(PATH="$work/bin:$PATH" STUB="$case_dir" GITHUB_REPOSITORY=octo/responder MAIN_REF=main GIT_DIR="$repo/.git"); }

new_case released_commit
release_env
{ run_json 120 "$released" v1.0.0 push success; run_json 110 "$released" main push success; run_json 100 "$released" main push success; } | runs
jobs 110 "ci / make test=success" "dev / plan dev=success" "dev / apply dev=success"
artifact 110 false
run_script release-check.sh "$released"
check "exits 0" test "$rc" -eq 0
check "prints the run of main whose dev apply succeeded (the newest), alone" test "$(cat "$case_dir/out")" = 110
check "asks for the Deploy runs of exactly that commit on main, pushed, successful" \
  grep -qx "repos/octo/responder/actions/workflows/deploy.yml/runs?head_sha=$released&branch=main&event=push&status=success&per_page=100" "$case_dir/gh-calls"
check "ignores the tag's own run" lacks "runs/120/" "$case_dir/gh-calls"
check "checks that run's artifact" grep -qx "repos/octo/responder/actions/runs/110/artifacts?name=lambda-zips" "$case_dir/gh-calls"

new_case older_run_deployed_dev
release_env
{ run_json 110 "$released" main push success; run_json 100 "$released" main push success; } | runs
jobs 110 "dev / plan dev=success" "dev / apply dev=skipped"
jobs 100 "dev / plan dev=success" "dev / apply dev=success"
artifact 100 false
run_script release-check.sh "$released"
check "exits 0" test "$rc" -eq 0
check "takes the run whose dev apply succeeded" test "$(cat "$case_dir/out")" = 100
check "says why the newer one is not it" said "run 110 has no successful 'apply dev' job"

new_case commit_not_on_main
release_env
run_json 130 "$side" main push success | runs
run_script release-check.sh "$side"
check "exits non-zero" test "$rc" -ne 0
check "says it is not on main" said "is not on main"
check "asks GitHub nothing" test ! -s "$case_dir/gh-calls"

new_case dev_never_ran
release_env
run_json 120 "$released" v1.0.0 push success | runs
run_script release-check.sh "$released"
check "exits non-zero" test "$rc" -ne 0
check "says dev has not run it" said "dev has not run this commit"
check "prints no run id" test ! -s "$case_dir/out"

new_case dev_apply_failed
release_env
run_json 110 "$released" main push success | runs
jobs 110 "dev / plan dev=success" "dev / apply dev=failure"
run_script release-check.sh "$released"
check "exits non-zero" test "$rc" -ne 0
check "says no run deployed dev" said "deployed dev successfully"

new_case artifact_expired
release_env
run_json 110 "$released" main push success | runs
jobs 110 "dev / apply dev=success"
artifact 110 true
run_script release-check.sh "$released"
check "exits non-zero: never a rebuild" test "$rc" -ne 0
check "says how to get an artifact again" said "has expired or is gone: re-run"

new_case not_a_sha
release_env
run_script release-check.sh v1.0.0
check "refuses a tag name for a commit" test "$rc" -ne 0
check "asks GitHub nothing" test ! -e "$case_dir/gh-calls"

new_case first_commit_is_on_main
release_env
run_json 90 "$first" main push success | runs
jobs 90 "dev / apply dev=success"
artifact 90 false
run_script release-check.sh "$first"
check "an older commit of main may be released too" test "$(cat "$case_dir/out")" = 90

if ((failures > 0)); then
  echo "promotion.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "promotion.sh: all checks passed"
