#!/bin/bash
# What the injection's cost is made of, against its floor.  Two copies of
# the module are built, cut down:
#
#   bare    the finder looks only for "</head" (the fast path stops only
#           at "</"), as sub_filter does: no skipping of script, style or
#           comment text, no search for the loader already there;
#   floor   no search and no decision: the header filter's checks
#           (status, type, encoding, no-transform, CSP) and the ETag are
#           skipped, and the snippet goes in at byte 528, where the
#           benchmark pages have "</head>".
#
# Everything else (the context, the split without copy, the exact
# Content-Length, nginx's writer sending three buffers) is the module's.
# inject.sh measures the module and both copies against plain proxying:
# the floor is what no search nor decision can save.
#
#     t/bench/floor.sh [N]          (from the repository root)
#
# Env: as inject.sh; BUILD (default build) holds the real module.

set -eu

cd "$(dirname "$0")/../.."

N=${1:-200}
BUILD=${BUILD:-build}
MODULE=${MODULE:-$PWD/$BUILD/nginx/objs/ngx_http_rum_module.so}
DIR=$(mktemp -d /tmp/rum-bench-floor.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

[ -f "$MODULE" ] || { echo "floor.sh: no module at $MODULE (make)" >&2; exit 1; }

# a copy of the sources, changed by the perl code $2, built into $1/build
variant() {
    mkdir -p "$1"
    git ls-files -z | xargs -0 cp --parents -t "$1"
    perl -0pi -e "$2" "$1"/src/ngx_http_rum_filter.c \
        "$1"/src/ngx_http_rum_head_fast.h
    make -C "$1" BUILD="$1/build" modules >"$1/build.log" 2>&1 || {
        tail -20 "$1/build.log" >&2
        exit 1
    }
}

variant "$DIR/bare" '
    s{ngx_http_rum_vec_t   lt, uc, cc;}{ngx_http_rum_vec_t   lt, uc, cc, sl;};
    s{(    uc = ngx_http_rum_vec_set1\(.C.\);\n)}
     {$1    sl = ngx_http_rum_vec_set1(0x2f);\n};
    s{(m = ngx_http_rum_vec_bits\(ngx_http_rum_vec_eq\(\s+ngx_http_rum_vec_load\(p\), lt\)\));}
     {$1\n            & ngx_http_rum_vec_bits(ngx_http_rum_vec_eq(
                                      ngx_http_rum_vec_load(p + 1), sl));}
        or $ARGV !~ /fast/ or die "floor.sh: the text loop was not found\n";
'

variant "$DIR/floor" '
    $ARGV =~ /filter/ or next;
    s{(ngx_http_rum_skip_e   reason;\n\n)}{$1    *csp = 0;\n    return NGX_OK;\n\n}
        or die "floor.sh: the decision was not found\n";
    s{\n    ngx_http_rum_weak_etag\(r, ctx->etag, sizeof\(ctx->etag\)\);\n}{\n}
        or die "floor.sh: the ETag was not found\n";
    s{rc = ngx_http_rum_head_find\(h, p, b->last\);}
     {h->flags = 0; h->at = 528; h->next = 528;
        rc = NGX_HTTP_RUM_HEAD_FOUND;}
        or die "floor.sh: the finder was not found\n";
'

echo "instructions per request, callgrind, N=$N:"
echo "size   |        plain   sub_filter  vs_plain |      variant  vs_plain |"
for v in module bare floor; do
    case $v in
    module) echo "== the module" ; m=$MODULE ;;
    bare)   echo "== the module with a bare search for </head" ;;
    floor)  echo "== its floor: the insertion alone, no search, no decision" ;;
    esac
    [ "$v" = module ] || m=$DIR/$v/build/nginx/objs/ngx_http_rum_module.so
    QUICK=1 SIZES="2 30" MODULE="$m" t/bench/inject.sh "$N" \
        | grep KB | sed 's/|[^|]*$//'
done
