# bash completion for hoptop(1). Options are checked against
# `hoptop --help` by tests/e2e/test_docs.sh.
_hoptop()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-o | --export-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--demo)
		COMPREPLY=($(compgen -f -X '!*.json' -- "$cur"))
		return
		;;
	--log | -F | --file | --record | --replay)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-m | --max-hops | -q | --probes | -i | --interval | -w | --timeout | \
	-c | --count | -P | --port | -f | --first-ttl | --flows | --as-zone | \
	--ping-hop | --metrics)
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-4 -6 -I --icmp -u --udp -T --tcp
			-P --port -f --first-ttl -m --max-hops -q --probes
			-i --interval -w --timeout -c --count --flows
			--unprivileged --ping-hop -F --file -r --report -j --json -C --csv --markdown
			--once -n --no-dns -z --aslookup --as-zone -e --mpls
			-o --export-dir --demo --metrics --log --record --replay -h --help -V --version' -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -A hostname -- "$cur"))
}
complete -F _hoptop hoptop
