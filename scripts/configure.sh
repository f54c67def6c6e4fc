#!/bin/bash
# Configures the nginx tree in the current directory with the module in $1.
# Debian's nginx-dev tree comes with conf_flags (the flags its nginx was
# built with); any other tree is configured with --with-compat alone.
set -e

addon=$1
flags=(--with-compat)

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
fi

exec ./configure "${flags[@]}" --add-dynamic-module="$addon"
