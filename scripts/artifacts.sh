#!/usr/bin/env bash
# Usage: artifacts.sh manifest DIR   (make manifest)
#        artifacts.sh verify DIR     (make verify-artifacts [MANIFEST_SHA256=<hex>])
#
# The four Lambda zips are built once per commit (CI's package job) and promoted unchanged:
# dev, staging and prod deploy the same bytes. DIR is target/lambda, holding
# <function>/bootstrap.zip for accept-message, process-message, sweep-interruptions and
# canary-check.
#   manifest  writes DIR/SHA256SUMS (sha256sum's format, one line per zip, in that order) after
#             checking that every zip is there and not empty;
#   verify    checks DIR/SHA256SUMS names exactly those four zips, once each, and that each zip's
#             SHA-256 is the one it names; with MANIFEST_SHA256 set, SHA256SUMS's own SHA-256 must
#             be that (the digest the build, or the release check, recorded), so a manifest
#             rewritten along with a zip is refused too.
# Both print the manifest's SHA-256 alone on standard output (what the workflows pass on), and
# their report on standard error. Exit status 1 on any mismatch: nothing may deploy then.
set -euo pipefail

die() {
  echo "artifacts: $*" >&2
  exit 1
}

functions=(accept-message process-message sweep-interruptions canary-check)

[[ $# -eq 2 ]] || die "usage: artifacts.sh manifest|verify DIR"
mode=$1 dir=${2%/}
[[ -d $dir ]] || die "no directory $dir"
manifest=$dir/SHA256SUMS

digest() {
  local sum
  sum=$(sha256sum -- "$1") || return 1
  printf '%s\n' "${sum%% *}"
}

case $mode in
  manifest)
    : >"$manifest.tmp"
    for fn in "${functions[@]}"; do
      zip=$fn/bootstrap.zip
      [[ -s $dir/$zip ]] || { rm -f "$manifest.tmp"; die "missing or empty: $dir/$zip (make package builds all four)"; }
      printf '%s  %s\n' "$(digest "$dir/$zip")" "$zip" >>"$manifest.tmp"
    done
    mv "$manifest.tmp" "$manifest"
    sed 's/^/artifacts: /' "$manifest" >&2
    ;;
  verify)
    [[ -f $manifest ]] || die "no $manifest: the artifact is not what CI's package job uploads"
    if [[ -n ${MANIFEST_SHA256:-} ]]; then
      actual=$(digest "$manifest")
      [[ $actual == "${MANIFEST_SHA256,,}" ]] ||
        die "SHA256SUMS has sha256 $actual, not the $MANIFEST_SHA256 recorded when it was built: refusing these zips"
    fi
    declare -A listed=()
    line_no=0
    while IFS= read -r line || [[ -n $line ]]; do
      line_no=$((line_no + 1))
      [[ $line =~ ^([0-9a-f]{64})\ \ ([a-z-]+/bootstrap\.zip)$ ]] || die "SHA256SUMS line $line_no is not '<sha256>  <function>/bootstrap.zip': '$line'"
      sum=${BASH_REMATCH[1]} zip=${BASH_REMATCH[2]}
      [[ -z ${listed[$zip]:-} ]] || die "SHA256SUMS names $zip twice"
      listed[$zip]=$sum
    done <"$manifest"
    for zip in "${!listed[@]}"; do
      known=false
      for fn in "${functions[@]}"; do [[ $zip == "$fn/bootstrap.zip" ]] && known=true; done
      [[ $known == true ]] || die "SHA256SUMS names $zip, which is not one of the functions (${functions[*]})"
    done
    for fn in "${functions[@]}"; do
      zip=$fn/bootstrap.zip
      [[ -n ${listed[$zip]:-} ]] || die "SHA256SUMS does not name $zip"
      [[ -f $dir/$zip ]] || die "missing: $dir/$zip"
      actual=$(digest "$dir/$zip")
      [[ $actual == "${listed[$zip]}" ]] ||
        die "$zip has sha256 $actual, not the ${listed[$zip]} SHA256SUMS names: it is not the zip that was built; refusing"
      echo "artifacts: ok $zip $actual" >&2
    done
    ;;
  *) die "usage: artifacts.sh manifest|verify DIR" ;;
esac
digest "$manifest"
