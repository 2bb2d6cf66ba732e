#!/usr/bin/env bash
# Proves that `make check-generated` catches drift: it must fail when a .proto changes
# without regenerating gen/, and pass once the regenerated code is committed with it.
# Works on a throwaway copy of the working tree, so the checkout is never touched.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
make --no-print-directory -C "$root" tools >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
work=$tmp/repo log=$tmp/check.log
mkdir "$work"

# Tracked and untracked files as they are now; ignored ones (.bin, .crossdock) stay out.
(cd "$root" && git ls-files -z --cached --others --exclude-standard) |
	(cd "$root" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
	(cd "$root" && tar --null -T - -cf -) | tar -xf - -C "$work"
ln -s "$root/.bin" "$work/.bin"

git_() { git -C "$work" -c user.name=check -c user.email=check@localhost -c commit.gpgsign=false "$@"; }
git_ init -q
git_ add -A
git_ commit -q -m snapshot

fail() { echo "test-check-generated: $*" >&2; exit 1; }
check() { make --no-print-directory -C "$work" check-generated >"$log" 2>&1; }

# A field of an answer's message: a request's (Money, say) would also need the
# hand-written request examples in proto/openapi-v3.yaml to carry it.
proto="$work/proto/crossdock/common/v1/paging.proto"
sed -i '/^message PageResponse {/a\  string drift_probe = 99;' "$proto"
grep -q drift_probe "$proto" || fail "could not edit $proto"
git_ commit -q -am "proto changed, gen not regenerated"

if check; then
	cat "$log" >&2
	fail "check-generated passed although gen/ was not regenerated"
fi
grep -q "out of date" "$log" || {
	cat "$log" >&2
	fail "check-generated failed, but not because of drift"
}

# check-generated has just regenerated gen/; committing it is what a developer does.
git_ add -A
git_ commit -q -m "regenerated"
if ! check; then
	cat "$log" >&2
	fail "check-generated failed although gen/ is in sync"
fi

echo "test-check-generated: drift is caught and in-sync code passes"
