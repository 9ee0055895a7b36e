#!/usr/bin/env bash
# finca serve serves the web console (docs/console.md, "Serving"): the
# files of web/ built into the binary under /ui/ on the HTTPS listener only,
# the security headers with the configured agent in the CSP, config.json,
# index.html for the console's own routes, ETags, no way out of web/ by any
# spelling of "..", FINCA_CONSOLE_DIR for development, a bad [console]
# agent refused at start, and the rights whoami gives the page.
. "$(dirname "$0")/../lib.sh"
unset FINCA_CONSOLE_DIR

WEB=$ROOT/web
serve_ports
ui=https://127.0.0.1:$tport/ui
agent=http://localhost:9876
out=$(finca -d ca init --algo p256 --url $base) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
printf '[console]\nagent = %s/\n' $agent >>ca/finca.conf   # the '/' is dropped
A() { "$FINCA" -d ca --as "$@"; }

# an information officer of a unit and an auditor (TLS client certificates)
U1=$(uscc 12350121MB0000001)
ok "node" A admin node add --code 350000 --name 福建省 --level province
ok "unit" A admin unit add --code $U1 --name 闽侯县第一中学 --type 事业单位 --node 350000
for n in io1 aud1; do mk_tls $n || echo "not ok - certificate $n"; done
ok "officer account" A admin account add io1 --role officer --scope $U1 --cert io1.crt
ok "auditor account" A admin account add aud1 --role auditor --scope "" --cert aud1.crt

C="curl -s --path-as-is --cacert ca/ca/service.crt"
code() { $C -o /dev/null -w '%{http_code}' "$@"; }
hdr() { $C -o /dev/null -D - "$@" | tr -d '\r'; }   # the response headers
start() { # start LOGFILE: the daemon (serve_start), its stderr in LOGFILE
	SERVE_LOG=$T/$1
	serve_start ca
	for _ in $(seq 50); do code $ui/config.json | grep -q 200 && break; sleep 0.2; done
}
stop() { # stop NAME: SIGTERM, and the sanitizer build's exit code is 0
	serve_stop
	same "$1: clean exit (no leak)" "$?" 0
}
# never the content of a file outside web/: finca.conf, the database,
# /etc/passwd; 400 or 404
outside() { # outside NAME URL
	local st body
	st=$($C -o got.bin -w '%{http_code}' "$2"); body=$(tr -d '\0' <got.bin)
	case $st in 400|404) ;; *) echo "not ok - $1 (status $st)"; return ;; esac
	if grep -qE '^\[ca\]|SQLite format|^root:' <<<"$body"; then
		echo "not ok - $1 (a file outside web/ was served)"
	else
		echo "ok - $1 ($st)"
	fi
}
traversal() { # traversal MODE: every spelling of a way out
	outside "$1: /ui/../finca.conf" "$ui/../finca.conf"
	outside "$1: /ui/%2e%2e/finca.conf" "$ui/%2e%2e/finca.conf"
	outside "$1: /ui/%2E%2E/finca.conf" "$ui/%2E%2E/finca.conf"
	outside "$1: /ui//etc/passwd" "$ui//etc/passwd"
	outside "$1: /ui/%2fetc%2fpasswd" "$ui/%2fetc%2fpasswd"
	outside "$1: /ui/..%2ffinca.db" "$ui/..%2ffinca.db"
	outside "$1: /ui/ui/../../finca.conf" "$ui/ui/../../finca.conf"
	outside "$1: /ui/..%5cfinca.conf (backslash)" "$ui/..%5cfinca.conf"
	outside "$1: /ui/%252e%252e/finca.conf (twice encoded)" "$ui/%252e%252e/finca.conf"
	outside "$1: /ui/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd" \
		"$ui/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd"
	outside "$1: /ui/..%00/finca.conf (NUL)" "$ui/..%00/finca.conf"
	outside "$1: /ui/.hidden (dotfile)" "$ui/.hidden"
}

start serve.log
js=$(cd "$WEB" && find . -name '*.js' ! -path '*/.*' | sed 's|^\./||' | LC_ALL=C sort | head -1)

# --- the built-in copy ---
redir() { $C -o /dev/null -w '%{http_code} %{redirect_url}' "$@"; }
same "/ redirects to /ui/" "$(redir https://127.0.0.1:$tport/)" "302 https://127.0.0.1:$tport/ui/"
same "/ui redirects to /ui/" "$(redir $ui)" "302 https://127.0.0.1:$tport/ui/"
$C $ui/ -o index.got
ok "/ui/ is web/index.html, byte for byte (else rebuild: make)" cmp index.got "$WEB/index.html"
ok "/ui/index.html too" sh -c "$C $ui/index.html | cmp - '$WEB/index.html'"
h=$(hdr $ui/)
has "html: Content-Type text/html" '^Content-Type: text/html' "$h"
has "Cache-Control: no-cache" '^Cache-Control: no-cache$' "$h"
has "X-Content-Type-Options: nosniff" '^X-Content-Type-Options: nosniff$' "$h"
has "Referrer-Policy: no-referrer" '^Referrer-Policy: no-referrer$' "$h"
csp="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' $agent; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
same "the CSP, with the configured agent in connect-src" \
	"$(sed -n 's/^Content-Security-Policy: //p' <<<"$h")" "$csp"
if [ -n "$js" ]; then
	has "$js: Content-Type text/javascript" '^Content-Type: text/javascript' "$(hdr $ui/$js)"
	ok "$js: the file's bytes" sh -c "$C $ui/$js | cmp - '$WEB/$js'"
	has "$js: the same CSP" "^Content-Security-Policy: .*connect-src 'self' $agent;" "$(hdr $ui/$js)"
else
	echo "not ok - web/ has no .js file to check"
fi
cj=$($C $ui/config.json)
ok "config.json is JSON with the agent, the CA, the time zone" \
	jq -e --arg a $agent '.agent == $a and (.ca | length > 0) and .tz == "Asia/Shanghai" and
		(.version | length > 0)' <<<"$cj"
has "config.json: application/json" '^Content-Type: application/json' "$(hdr $ui/config.json)"
ok "a console route (no dot) is index.html" sh -c "$C $ui/certs/list | cmp - '$WEB/index.html'"
ok "a directory path is index.html" sh -c "$C $ui/ui/ | cmp - '$WEB/index.html'"
same "an unknown file: 404" "$(code $ui/nope.js)" 404
same "HEAD /ui/: 200" "$(code -I $ui/)" 200
same "HEAD /ui/: no body, its length" \
	"$($C -I $ui/ | tr -d '\r' | sed -n 's/^Content-Length: //p')" "$(wc -c <"$WEB/index.html")"
same "POST /ui/: 405" "$(code -X POST -d x $ui/)" 405
etag=$(hdr $ui/ | sed -n 's/^ETag: //p')
has "an ETag (SHA-256)" '^"[0-9A-F]{64}"$' "$etag"
same "If-None-Match with it: 304" "$(code -H "If-None-Match: $etag" $ui/)" 304
same "If-None-Match weak or in a list: 304" \
	"$(code -H "If-None-Match: \"x\", W/$etag" $ui/index.html)" 304
same "If-None-Match with another: 200" "$(code -H 'If-None-Match: "0123"' $ui/)" 200
has "the 304 keeps the headers" '^Content-Security-Policy: ' "$(hdr -H "If-None-Match: $etag" $ui/)"
traversal built-in
same "plain HTTP: /ui/ is 404" "$(curl -s -o /dev/null -w '%{http_code}' $base/ui/)" 404
same "plain HTTP: / is 404" "$(curl -s -o /dev/null -w '%{http_code}' $base/)" 404
same "plain HTTP: /ui/config.json is 404" \
	"$(curl -s -o /dev/null -w '%{http_code}' $base/ui/config.json)" 404
has "metrics: the console route" 'finca_http_requests_total\{route="console",status="2xx"\}' \
	"$(curl -s $base/metrics)"

# --- whoami gives the page the rights of the role ---
w=$($C --cert io1.crt --key io1.key https://127.0.0.1:$tport/api/v1/whoami)
ok "whoami (officer): the registration authority's rights" jq -e \
	'.role == "officer" and (.rights | index("request.create") and index("freeze.emergency"))' <<<"$w"
ok "whoami (officer): none of the operator's" jq -e \
	'(.rights | index("cert.write") or index("request.approve") or index("token.write")) | not' <<<"$w"
ok "whoami (officer): the unit's name" jq -e '.name == "闽侯县第一中学"' <<<"$w"
w=$($C --cert aud1.crt --key aud1.key https://127.0.0.1:$tport/api/v1/whoami)
ok "whoami (auditor): the API's rights and the RA's, once each" jq -e \
	'.rights | (index("audit.read") and index("token.read") and index("request.read")) and
		(map(select(. == "cert.read")) | length == 1)' <<<"$w"
stop "built-in"

# --- FINCA_CONSOLE_DIR: an edited copy, read at each request; a copy
# inside the data directory, so that ../finca.conf really is there ---
cp -r "$WEB" ca/webdev
echo '<!-- edited copy -->' >>ca/webdev/index.html
export FINCA_CONSOLE_DIR=$T/ca/webdev
start dev.log
has "the log names the directory" "console files read from $T/ca/webdev" "$(cat dev.log)"
ok "/ui/ is the edited index.html" sh -c "$C $ui/ | cmp - ca/webdev/index.html"
has "the same CSP" "^Content-Security-Policy: $csp\$" "$(hdr $ui/)"
d_etag=$(hdr $ui/ | sed -n 's/^ETag: //p')
has "its own ETag" '^"[0-9A-F]{64}"$' "$d_etag"
[ "$d_etag" != "$etag" ] && echo "ok - the ETag follows the content" ||
	echo "not ok - the edited copy has the built-in ETag"
same "If-None-Match: 304 from disk too" "$(code -H "If-None-Match: $d_etag" $ui/)" 304
echo 'export const x = 1;' >ca/webdev/new.js
has "a new file is served at once, text/javascript" '^Content-Type: text/javascript' \
	"$(hdr $ui/new.js)"
echo secret >ca/webdev/.hidden
same "a route is index.html" "$($C $ui/accounts | cmp - ca/webdev/index.html && echo same)" same
same "an unknown file: 404" "$(code $ui/nope.css)" 404
traversal disk
stop "from disk"
unset FINCA_CONSOLE_DIR
fails "FINCA_CONSOLE_DIR not a directory: refused" "FINCA_CONSOLE_DIR.*not a directory" \
	env FINCA_CONSOLE_DIR=$T/none timeout 20 "$FINCA" -d ca serve \
	--listen 127.0.0.1:$port --tls-listen 127.0.0.1:$tport

# --- a bad [console] agent stops finca serve, naming the key ---
cp ca/finca.conf conf.good
for bad in http://ca.example.org:8765 ftp://127.0.0.1:8765 http://127.0.0.1 \
	"http://127.0.0.1:8765/v1" "http://127.0.0.1:99999" "http://127.0.0.1:8765; script-src *" \
	"http://127.0.0.1.evil:8765"; do
	cp conf.good ca/finca.conf
	printf '[console]\nagent = %s\n' "$bad" >>ca/finca.conf
	fails "agent '$bad' refused" '\[console\] agent: .*loopback' \
		timeout 20 "$FINCA" -d ca serve --listen 127.0.0.1:$port --tls-listen 127.0.0.1:$tport
done
for good in https://127.0.0.1:8765 "http://[::1]:1"; do
	cp conf.good ca/finca.conf
	printf '[console]\nagent = %s\n' "$good" >>ca/finca.conf
	ok "agent '$good' taken" finca -d ca cert list
done
cp conf.good ca/finca.conf
