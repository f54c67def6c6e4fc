#!/bin/bash
# nginx's own test suite (nginx-tests) against one nginx binary, built with
# the modules the suite exercises and ngx_http_rum_module as a dynamic
# module, run twice: without the module, and with "rum on;" in every http{}
# block.  Fails when a test fails only with rum on, or when an [alert],
# [crit] or a worker killed by a signal appears only with it.
#
#   scripts/nginx-suite.sh VERSION REVISION
#
# VERSION and REVISION name the tarballs in $SHARED/nginx/nginx-VERSION.tar.gz
# and $SHARED/nginx-tests/nginx-tests-REVISION.tar.gz (SHARED defaults to
# ../shared); nothing of them is copied into the project.  The suite refuses
# to run its nginx as root, so prove runs as nobody.  NGINX_SUITE_JOBS test
# files run at once (default: three times the cores; most of them wait
# on timers).  A file that fails only with rum on runs again alone, twice.  RUM_SUITE_KEEP=1 keeps
# the work directory.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?nginx version, e.g. 1.22.1}
revision=${2:?nginx-tests revision, e.g. 3356f91a}
shared=$(cd "${SHARED:-$here/../shared}" && pwd)
jobs=${NGINX_SUITE_JOBS:-$(( 3 * $(nproc) ))}

src=$shared/nginx/nginx-$version.tar.gz
tests=$shared/nginx-tests/nginx-tests-$revision.tar.gz

for f in "$src" "$tests"; do
    [ -f "$f" ] || { echo "nginx-suite: $f not found" >&2; exit 1; }
done

work=$(mktemp -d /tmp/rum-nginx-suite-XXXXXX)
chmod 755 "$work"
[ -n "${RUM_SUITE_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

echo "nginx-suite: nginx $version, nginx-tests $revision, in $work"

# nginx with what the suite exercises, and the module

mkdir "$work/nginx" "$work/tests" "$work/module"
tar -xzf "$src" -C "$work/nginx" --strip-components=1
tar -xzf "$tests" -C "$work/tests" --strip-components=1
cp -r "$here/config" "$here/ngx_http_rum_module.c" "$here/src" "$work/module/"

configure=./configure
[ -x "$work/nginx/configure" ] || configure=auto/configure

(
    cd "$work/nginx"
    $configure --with-threads --with-file-aio --with-pcre \
        --with-http_ssl_module --with-http_v2_module \
        --with-http_realip_module --with-http_addition_module \
        --with-http_sub_module --with-http_dav_module \
        --with-http_flv_module --with-http_mp4_module \
        --with-http_gunzip_module --with-http_gzip_static_module \
        --with-http_auth_request_module --with-http_random_index_module \
        --with-http_secure_link_module --with-http_slice_module \
        --with-http_stub_status_module --with-http_perl_module \
        --with-http_image_filter_module --with-http_xslt_module \
        --with-http_geoip_module \
        --with-mail --with-mail_ssl_module \
        --with-stream --with-stream_ssl_module --with-stream_realip_module \
        --with-stream_ssl_preread_module --with-stream_geoip_module \
        --add-dynamic-module="$work/module"
    make -j"$(nproc)"
) >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }

chmod -R a+rX "$work"

# one pass: every test file on its own, its TAP and its temporary
# directories (TEST_NGINX_LEAVE) kept apart

run_pass() {
    local pass=$1; shift
    mkdir -p "$work/$pass/tap" "$work/$pass/tmp"
    chown -R nobody:nogroup "$work/$pass"

    if [ -n "${FILES:-}" ]; then
        echo "$FILES" | tr ' ' '\n'
    else
        (cd "$work/tests" && ls ./*.t) | sed 's|^\./||'
    fi \
    | xargs -P "$jobs" -I{} \
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
        env -i PATH="$PATH" HOME=/nonexistent LANG=C \
            TMPDIR="$work/$pass/tmp" TEST_NGINX_LEAVE=1 \
            TEST_NGINX_BINARY="$work/nginx/objs/nginx" "$@" \
        sh -c 'mkdir -p "$TMPDIR/$1" && cd "'"$work/tests"'" \
               && TMPDIR="$TMPDIR/$1" timeout 300 perl -Ilib "$1" \
                  >"'"$work/$pass/tap"'/$1" 2>&1; exit 0' sh {}
}

# "file: test" for each test that did not pass; "file: died" when the file
# did not run its plan; "file: alert|crit|signal ..." per error.log line

failures() {
    local pass=$1
    perl -e '
        my ($dir) = @ARGV;
        for my $tap (sort glob "$dir/tap/*.t") {
            (my $t = $tap) =~ s{.*/}{};
            open my $in, "<", $tap or die "$tap: $!";
            my ($plan, $run, $skip) = (undef, 0, 0);
            while (<$in>) {
                $skip = 1 if /^1\.\.0 # SKIP/;
                $plan = $1 if /^1\.\.(\d+)/;
                if (/^(not )?ok (\d+)(.*)$/) {
                    $run++;
                    my ($bad, $n, $rest) = ($1, $2, $3);
                    next if $rest =~ /# (TODO|SKIP)/i;
                    (my $what = $rest) =~ s/^\s*-\s*//;
                    print "$t: $n $what\n" if $bad;
                }
            }
            print "$t: died\n" if !$skip && (!defined $plan || $run != $plan);
            for my $log (glob "$dir/tmp/$t/*/error.log") {
                open my $l, "<", $log or next;
                while (<$l>) {
                    my $k = /\[alert\]/ ? "alert" : /\[crit\]/ ? "crit"
                          : /exited on signal/ ? "signal" : next;
                    s/^\S+ \S+ \[\w+\] \d+#\d+: (\*\d+ )?//;
                    s{/\S*/nginx-test-\w+}{TESTDIR}g;
                    s/, client: .*//;
                    s/\d+/N/g;
                    chomp;
                    print "$t: $k $_\n";
                }
            }
        }' "$work/$pass" | sort | uniq -c | sed 's/^ *//'
}

plain_env=()
rum_env=(TEST_NGINX_GLOBALS="load_module $work/nginx/objs/ngx_http_rum_module.so;"
         TEST_NGINX_GLOBALS_HTTP="rum on;")

# a line counted more often in $2 than in $1

compare() {
    perl -e '
        my %plain;
        open my $p, "<", $ARGV[0] or die;
        while (<$p>) { my ($n, $l) = /^(\d+) (.*)$/; $plain{$l} = $n }
        open my $r, "<", $ARGV[1] or die;
        while (<$r>) {
            my ($n, $l) = /^(\d+) (.*)$/;
            print "$l\n" if $n > ($plain{$l} // 0);
        }' "$1" "$2"
}

start=$(date +%s)
run_pass plain "${plain_env[@]}"
failures plain >"$work/plain.txt"
echo "nginx-suite: without the module: $(ls "$work/plain/tap" | wc -l) files," \
     "$(wc -l <"$work/plain.txt") failing lines, $(( $(date +%s) - start )) s"

start=$(date +%s)
run_pass rum "${rum_env[@]}"
failures rum >"$work/rum.txt"
echo "nginx-suite: with rum on: $(wc -l <"$work/rum.txt") failing lines," \
     "$(( $(date +%s) - start )) s"

extra=$(compare "$work/plain.txt" "$work/rum.txt")

# a file that failed only with rum on runs again, both ways, alone: what
# fails by timing on a busy machine is not the module's

for try in 1 2; do
    [ -n "$extra" ] || break
    FILES=$(echo "$extra" | sed 's/:.*//' | sort -u | tr '\n' ' ')
    echo "nginx-suite: again, one at a time: $FILES"
    export FILES
    rm -rf "$work/plain-$try" "$work/rum-$try"
    jobs=1 run_pass "plain-$try" "${plain_env[@]}"
    jobs=1 run_pass "rum-$try" "${rum_env[@]}"
    failures "plain-$try" >"$work/plain-$try.txt"
    failures "rum-$try" >"$work/rum-$try.txt"
    extra=$(compare "$work/plain-$try.txt" "$work/rum-$try.txt")
    unset FILES
done

tests=$(cat "$work"/rum/tap/*.t | grep -c '^ok ' || true)

if [ -n "$extra" ]; then
    echo "nginx-suite: only with rum on:"
    echo "$extra" | sed 's/^/    /'
    echo "nginx-suite: nginx $version: FAILED ($tests tests passed with rum on)"
    exit 1
fi

echo "nginx-suite: nginx $version: $tests tests passed with rum on," \
     "nothing fails or alerts only with it"
