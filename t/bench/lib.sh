# Shared by the benchmark scripts (sourced).

# a QUIT that arrives while nginx under valgrind still starts can be lost:
# send it again until the process is gone
stop() {
    for _ in $(seq 60); do
        kill -QUIT "$1" 2>/dev/null || return 0
        for _ in $(seq 50); do
            kill -0 "$1" 2>/dev/null || return 0
            sleep 0.1
        done
    done
}

# the instructions callgrind counts in one run of a program
count_instructions() {    # OUT-FILE PROGRAM [ARG...]
    out=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" \
        >/dev/null 2>&1
    sed -n 's/^summary: *//p' "$out"
}
