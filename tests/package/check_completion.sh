#!/bin/bash
# tools/completion/havipctl completes havipctl's real commands and options.
# bash-completion's _init_completion and _filedir are stubbed (the package is
# not needed for this): the stub splits COMP_WORDS as bash would.
# usage: check_completion.sh COMPLETION_FILE
set -u
_init_completion() {
	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
}
_filedir() { COMPREPLY=(FILES); }
compopt() { :; }
# shellcheck source=/dev/null
. "$1" || { echo "FAIL: cannot source $1"; exit 1; }
[ "$(complete -p havipctl 2>/dev/null)" = "complete -F _havipctl havipctl" ] ||
	{ echo "FAIL: $1 does not register _havipctl for havipctl"; exit 1; }

failed=0
expect() {
	# expect "EXPECTED REPLIES" WORD...: completing the last WORD.
	local want=$1
	shift
	COMP_WORDS=(havipctl "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_havipctl
	local got
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	want=$(printf '%s\n' $want | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then
		echo "ok: havipctl $* -> $got"
	else
		echo "FAIL: havipctl $*<TAB>: got '$got', want '$want'"
		failed=1
	fi
}
expect "status failover reload lint" ""
expect "failover" "fa"
expect "reload" --json "re"
expect "status" -s /run/x.sock "st"
expect "FILES" -s ""
expect "" --timeout ""
expect "--socket --json --timeout -s -h --help -V --version" "-"
expect "--clear --hold --help --json --socket --timeout --version" failover "--"
expect "--clear" failover "--c"
expect "--help" lint "--h"
expect "FILES" lint ""
expect "--json" status "--j"
exit $failed
