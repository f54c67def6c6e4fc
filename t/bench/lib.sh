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

# until nginx listens on $port (ingest.sh, cluster.sh)
wait_port() {
    for _ in $(seq 300); do
        (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nginx did not start" >&2
    return 1
}

# the instructions callgrind counts in one run of a program
count_instructions() {    # OUT-FILE PROGRAM [ARG...]
    out=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" \
        >/dev/null 2>&1
    sed -n 's/^summary: *//p' "$out"
}

# the instructions per call of a benchmark program that runs as
# "PROGRAM FILE N [ARG...]": a run of N calls minus a run of none
per_call() {    # OUT-FILE N PROGRAM FILE [ARG...]
    out=$1 n=$2 prog=$3 file=$4
    shift 4
    base=$(count_instructions "$out" "$prog" "$file" 0 "$@")
    total=$(count_instructions "$out" "$prog" "$file" "$n" "$@")
    echo $(( (total - base) / n ))
}
