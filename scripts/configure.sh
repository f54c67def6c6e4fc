#!/bin/bash
# Configures the nginx tree in the current directory with the module in $1.
#
# Debian's nginx-dev tree comes with conf_flags (the flags its nginx was
# built with), so that the module loads into Debian's nginx.  Any other tree
# (a release, or a snapshot of nginx's repository, which has its configure
# script in auto/) is configured with --with-compat, --with-debug and the
# modules the test suite uses, so that its own nginx binary can run the
# suite.
# RUM_STATIC=1 adds the module with --add-module instead; RUM_CC_OPT and
# RUM_LD_OPT add compiler and linker flags; RUM_NO_DEBUG=1 leaves out
# --with-debug.
set -e

addon=$1
configure=./configure
[ -x "$configure" ] || configure=auto/configure

if [ -f conf_flags ]; then
    # shellcheck disable=SC1091
    . ./conf_flags
    flags=("${NGX_CONF_FLAGS[@]}")

    # and the compiler flags Debian builds its nginx and module packages
    # with (conf_flags leaves them out): -O2 rather than nginx's -O
    if command -v dpkg-buildflags >/dev/null; then
        flags+=(--with-cc-opt="$(dpkg-buildflags --get CFLAGS) -fPIC"
                --with-ld-opt="$(dpkg-buildflags --get LDFLAGS)")
    else
        flags+=(--with-cc-opt="-g -O2 -fstack-protector-strong -fPIC")
    fi
else
    flags=(--with-compat --with-threads --with-pcre
           --with-http_ssl_module --with-http_v2_module
           --with-http_sub_module --with-http_addition_module
           --with-http_gunzip_module --with-http_gzip_static_module
           --with-http_slice_module --with-http_stub_status_module
           --with-http_realip_module)

    # HTTP/3 where nginx has it (1.25+; OpenSSL 3.0 through nginx's
    # compatibility layer)
    if [ -d src/event/quic ]; then
        flags+=(--with-http_v3_module)
    fi
fi

# the debug log (t/000-runner.t reads it), but for the sanitizer build:
# nginx's debug lines print empty strings from NULL (undefined behaviour)
if [ -z "${RUM_NO_DEBUG:-}" ] && [ ! -f conf_flags ]; then
    flags+=(--with-debug)
fi

# extra compiler and linker flags (make test-sanitize)
if [ -n "${RUM_CC_OPT:-}" ]; then
    flags+=(--with-cc-opt="$RUM_CC_OPT" --with-ld-opt="${RUM_LD_OPT:-}")
fi

if [ -n "${RUM_STATIC:-}" ]; then
    exec "$configure" "${flags[@]}" --add-module="$addon"
fi

exec "$configure" "${flags[@]}" --add-dynamic-module="$addon"
