#!/usr/bin/env bash
# Regenerates the report fixtures under reports/testdata/ from real runs of the real upstream builds on this
# machine (never hand-edited): `npm run fixtures:reports`, about 6 minutes on 2 cores. Go settings (GOPROXY,
# GONOSUMDB) are the caller's, as for any run.
#   cosi-86.results.json              run scenarios/cosi-86.yaml, every pinned release
#   cosi-86.logs/<group>/sidecar-*.log  the sidecars' own logs of that run (the issue report quotes them)
#   matrix.results.json               matrix: upstream-v1alpha1 and correct-fix, InvalidArgument and Unavailable
#                                     on create and delete, both patterns
#   cosi-86-correct-fix.results.json  run scenarios/cosi-86.yaml with the correct-fix sidecar the matrix built
#   cosi-86-early.results.json        run scenarios/cosi-86.yaml without --full: each pair decided as soon as
#                                     certain (the issue report of a run decided early)
# Absolute paths under the repository and $HOME are shortened to '.' and '~' so the files do not name this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
dest=reports/testdata
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cli=(node bin/cosi-chaos.js)

# run and matrix exit 1 when an expectation or a declared policy does not hold: still a measurement to keep.
measured() { "$@" || [ $? -eq 1 ]; }

# --full: the reports show the whole window (fitted backoff, projection), as a bug report needs.
measured "${cli[@]}" run scenarios/cosi-86.yaml --full --out "$work/cosi-86"
measured "${cli[@]}" matrix --only upstream-v1alpha1,correct-fix --codes InvalidArgument,Unavailable \
  --rpcs create,delete --window 60s --full --out "$work/matrix"
patched=$(jq -r '.components[] | select(.name == "sidecar correct-fix") | .path' "$work/matrix/results.json")
[ -x "$patched" ] || { echo "the matrix run recorded no correct-fix sidecar binary ($patched)" >&2; exit 3; }
measured "${cli[@]}" run scenarios/cosi-86.yaml --sidecar "$patched" --era v1alpha1 --full --out "$work/cosi-86-correct-fix"
measured "${cli[@]}" run scenarios/cosi-86.yaml --out "$work/cosi-86-early"

shorten() { sed -e "s#$repo/#./#g" -e "s#$HOME/#~/#g" "$1" >"$2"; }
shorten "$work/cosi-86/results.json" "$dest/cosi-86.results.json"
shorten "$work/matrix/results.json" "$dest/matrix.results.json"
shorten "$work/cosi-86-correct-fix/results.json" "$dest/cosi-86-correct-fix.results.json"
shorten "$work/cosi-86-early/results.json" "$dest/cosi-86-early.results.json"
rm -rf "$dest/cosi-86.logs"
for log in "$work"/cosi-86/logs/*/sidecar-*.log; do
  group=$(basename "$(dirname "$log")")
  mkdir -p "$dest/cosi-86.logs/$group"
  shorten "$log" "$dest/cosi-86.logs/$group/$(basename "$log")"
done
# *.log is ignored in this repository: the sidecar logs are test data, so they are added by force.
echo "fixtures written to $dest; commit with: git add -f $dest/cosi-86.logs"
