#!/usr/bin/env bash
# Usage: release-check.sh SHA   (the deploy workflow's release-check job, before staging or prod)
#
# Staging and prod deploy only what dev ran: the commit SHA (a release tag's, or the one chosen
# to Run workflow on)
#   1. is on main: git merge-base --is-ancestor SHA origin/main (MAIN_REF; the checkout must have
#      main's history: actions/checkout with fetch-depth: 0);
#   2. was deployed to dev: a run of the Deploy workflow (DEPLOY_WORKFLOW, default deploy.yml) for
#      a push to main at exactly SHA that concluded success, with its dev apply job (DEV_APPLY_JOB,
#      default "apply dev", the end of the job's name: "dev / apply dev") successful;
#   3. and that run's artifact lambda-zips (the zips CI built once for SHA, with SHA256SUMS) is
#      still there (not expired; CI keeps it 90 days).
# Prints that run's id alone on standard output: the workflow downloads the artifact from it
# (actions/download-artifact with run-id and github-token) and verifies it (scripts/artifacts.sh).
# The newest such run wins. Needs git, jq and the GitHub CLI with GH_TOKEN (actions: read) and
# GITHUB_REPOSITORY (owner/name).
set -euo pipefail

die() {
  echo "release-check: $*" >&2
  exit 1
}

[[ $# -eq 1 ]] || die "usage: release-check.sh SHA"
sha=${1,,}
[[ $sha =~ ^[0-9a-f]{40}$ ]] || die "not a full commit SHA: '$1'"
repo=${GITHUB_REPOSITORY:-}
[[ $repo =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || die "set GITHUB_REPOSITORY to owner/name (got '$repo')"
workflow=${DEPLOY_WORKFLOW:-deploy.yml}
main_ref=${MAIN_REF:-origin/main}
apply_job=${DEV_APPLY_JOB:-apply dev}
command -v jq >/dev/null || die "needs jq"
command -v gh >/dev/null || die "needs the GitHub CLI (gh)"

git rev-parse --verify --quiet "$main_ref^{commit}" >/dev/null ||
  die "cannot resolve $main_ref: fetch main's history (actions/checkout with fetch-depth: 0)"
git cat-file -e "$sha^{commit}" 2>/dev/null || die "commit $sha is not in this clone"
git merge-base --is-ancestor "$sha" "$main_ref" ||
  die "commit $sha is not on main ($main_ref): only a commit merged to main, and deployed to dev, may be released"
echo "release-check: $sha is on main" >&2

runs=$(gh api "repos/$repo/actions/workflows/$workflow/runs?head_sha=$sha&branch=main&event=push&status=success&per_page=100") ||
  die "cannot list the runs of $workflow for $sha"
candidates=$(jq -r --arg sha "$sha" '[.workflow_runs[]? | select(.head_sha == $sha and .head_branch == "main"
  and .event == "push" and .conclusion == "success")] | sort_by(.id) | reverse | .[].id' <<<"$runs") ||
  die "the runs of $workflow are not what GitHub's API returns"
[[ -n $candidates ]] ||
  die "no successful $workflow run for the push of $sha to main: dev has not run this commit (wait for it, or merge and let dev deploy first)"

for run in $candidates; do
  [[ $run =~ ^[0-9]+$ ]] || die "not a run id: '$run'"
  jobs=$(gh api "repos/$repo/actions/runs/$run/jobs?per_page=100") || die "cannot list the jobs of run $run"
  if ! jq -e --arg job "$apply_job" 'any(.jobs[]?; (.name | endswith($job)) and .conclusion == "success")' <<<"$jobs" >/dev/null; then
    echo "release-check: run $run has no successful '$apply_job' job: not a dev deployment" >&2
    continue
  fi
  artifacts=$(gh api "repos/$repo/actions/runs/$run/artifacts?name=lambda-zips") || die "cannot list the artifacts of run $run"
  if ! jq -e 'any(.artifacts[]?; .name == "lambda-zips" and .expired == false)' <<<"$artifacts" >/dev/null; then
    die "run $run deployed $sha to dev, but its artifact lambda-zips has expired or is gone: re-run that run's jobs (Re-run all jobs) to build and deploy it to dev again, then release"
  fi
  echo "release-check: run $run built $sha and deployed it to dev; promoting its lambda-zips" >&2
  echo "$run"
  exit 0
done
die "no run of $workflow for $sha deployed dev successfully"
