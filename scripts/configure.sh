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
fi

exec ./configure "${flags[@]}" --add-dynamic-module="$addon"
