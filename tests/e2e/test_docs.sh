#!/usr/bin/env bash
# e2e: what `cmake --install` and `cpack -G DEB` ship. Installs into a
# temporary prefix; the man page renders without warnings and names every
# option and key that `hoptop --help` names; the bash and zsh completions
# offer every option; the .deb carries the binary, the page, both
# completions and a postinst that sets cap_net_raw. No root, no network.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init notmux
cd "$E2E_TMP" || exit 1
for tool in man cpack dpkg-deb; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ e2e_log "SKIP: $tool is missing"; exit 77; }
done

pfx=$E2E_TMP/prefix
if ! cmake --install "$HOPTOP_BUILD" --prefix "$pfx" >install.log 2>&1; then
	e2e_fail "cmake --install: $(tail -1 install.log)"
	e2e_finish
fi
page=$pfx/share/man/man1/hoptop.1
bashc=$pfx/share/bash-completion/completions/hoptop
zshc=$pfx/share/zsh/vendor-completions/_hoptop
for f in "$pfx/bin/hoptop" "$page" "$bashc" "$zshc"; do
	e2e_check "installed ${f#"$pfx"/}" test -s "$f"
done

# The page renders, with no groff or man warnings.
MANWIDTH=80 man --warnings -l "$page" >page.txt 2>page.err
e2e_check "man -l renders the page" grep -q "^NAME" page.txt
e2e_check "man -l prints no warnings" test ! -s page.err
e2e_check "the page names the version" \
	grep -q "hoptop $("$HOPTOP" --version | awk '{print $2}')" page.txt

# Every option --help names is in the page and in both completions.
"$HOPTOP" --help >help.txt
mapfile -t longs < <(grep -o -- '--[a-z][a-z0-9-]*' help.txt | sort -u)
mapfile -t shorts < <(grep -oE '^  -[A-Za-z0-9]' help.txt | tr -d ' ' | sort -u)
e2e_check "--help lists options" test "${#longs[@]}" -gt 20
for o in "${longs[@]}" "${shorts[@]}"; do
	grep -qF -- "${o//-/\\-}" "$page" || e2e_fail "man page lacks $o"
	grep -qwF -- "$o" "$bashc" || e2e_fail "bash completion lacks $o"
	grep -qF -- "$o" "$zshc" || e2e_fail "zsh completion lacks $o"
done
e2e_pass "page and completions carry ${#longs[@]} long and ${#shorts[@]} short options"

# Every key of the key table (printed by --help) is in the page's KEYS
# section and in the README's key list: one source, checked.
mapfile -t keys < <(sed -n '/^Keys in the monitor:/,$p' help.txt | tail -n +2 |
	cut -c3-10 | tr ' ' '\n' | grep -v '^$')
e2e_check "--help lists the keys (${#keys[@]})" test "${#keys[@]}" -gt 15
awk '/^KEYS/,/^PRIVILEGES/' page.txt >keys.txt
sed -n '/^### Keys in the monitor/,/^##[^#]/p' "$HOPTOP_SRC/README.md" >readme-keys.txt
e2e_check "the README has a key list" test -s readme-keys.txt
for k in "${keys[@]}"; do
	grep -qE "(^|[ ,(])$(sed 's/[][\.*^$?+(){}|/]/\\&/g' <<<"$k")([ ,)]|$)" keys.txt ||
		e2e_fail "man page KEYS lacks '$k'"
	grep -qF -- "\`$k\`" readme-keys.txt ||
		e2e_fail "README key list lacks \`$k\`"
done

# The bash completion completes an option.
# shellcheck disable=SC1090
. "$bashc"
COMP_WORDS=(hoptop --mark) COMP_CWORD=1
_hoptop
e2e_check "bash completes --mark to --markdown" \
	test "${COMPREPLY[*]}" = "--markdown"
if command -v zsh >/dev/null 2>&1; then
	e2e_check "zsh parses its completion" zsh -n "$zshc"
fi

# The Debian package.
if cpack -G DEB -B "$E2E_TMP/deb" --config "$HOPTOP_BUILD/CPackConfig.cmake" \
	>cpack.log 2>&1; then
	deb=$(ls "$E2E_TMP"/deb/hoptop_*.deb 2>/dev/null | head -1)
	e2e_check "cpack made a .deb" test -n "$deb"
	dpkg-deb -c "$deb" >deb.txt
	for f in usr/bin/hoptop usr/share/man/man1/hoptop.1 \
		usr/share/bash-completion/completions/hoptop \
		usr/share/zsh/vendor-completions/_hoptop; do
		e2e_check "the .deb has /$f" grep -q " \./$f\$" deb.txt
	done
	mkdir ctl && dpkg-deb -e "$deb" ctl
	e2e_check "postinst sets cap_net_raw" \
		grep -q 'setcap cap_net_raw+ep /usr/bin/hoptop' ctl/postinst
	e2e_check "postinst never makes the binary setuid" \
		bash -c "! grep -q 'chmod u+s' ctl/postinst"
	e2e_check "postinst is executable" test -x ctl/postinst
else
	e2e_fail "cpack -G DEB: $(tail -1 cpack.log)"
fi
e2e_finish
