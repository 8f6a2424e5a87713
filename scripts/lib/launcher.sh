# shellcheck shell=bash
# What every script in scripts/ shares: the checkout it lives in, the JVM, a module's class path
# and the build command. Sourced, never run; each script starts with
#
#   # shellcheck source-path=SCRIPTDIR source=lib/launcher.sh
#   . "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib/launcher.sh"
#
# (readlink -f: a symlink to the script, from anywhere, still finds this checkout).
#
# Environment it reads: JAVA_HOME (the JVM is $JAVA_HOME/bin/java, else java from PATH),
# JAVA_OPTS (JVM options, split into words at white space) and WKR_CLASSPATH (when set, replaces a
# module's built jar and target/lib, to run a development build or a test's class path).

# WKR_HOME: the checkout holding this file (scripts/lib/ -> ../..).
WKR_HOME="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The command's name for messages: what the user typed (a symlink's own name included).
WKR_COMMAND="$(basename "$0")"
# The build that makes every module's jar and target/lib; no install into ~/.m2 needed.
WKR_BUILD=(mvn -q -B package -DskipTests)

# wkr_die MESSAGE...: prints "<command>: MESSAGE" on stderr, one line per argument, and exits 1.
wkr_die() {
    local line
    for line in "$@"; do echo "$WKR_COMMAND: $line" >&2; done
    exit 1
}

# wkr_build: runs WKR_BUILD in the checkout.
wkr_build() {
    (cd "$WKR_HOME" && "${WKR_BUILD[@]}")
}

# wkr_jar CHECKOUT MODULE [ARTIFACT]: prints the path of MODULE's built main jar in CHECKOUT
# (CHECKOUT/MODULE/target/ARTIFACT-<version>.jar, not -tests, -sources or -javadoc; ARTIFACT
# defaults to MODULE); returns 1 when there is none.
wkr_jar() {
    local f jar=""
    for f in "$1/$2/target/${3:-$2}"-*.jar; do
        case "$f" in *-tests.jar | *-sources.jar | *-javadoc.jar) continue ;; esac
        if [ -f "$f" ]; then jar="$f"; fi
    done
    [ -n "$jar" ] || return 1
    echo "$jar"
}

# wkr_is_built MODULE [ARTIFACT]: true when this checkout has MODULE's jar and target/lib.
wkr_is_built() {
    wkr_jar "$WKR_HOME" "$@" > /dev/null && [ -d "$WKR_HOME/$1/target/lib" ]
}

# wkr_classpath MODULE [ARTIFACT]: sets WKR_CP to WKR_CLASSPATH when that is set, else to MODULE's
# built jar and target/lib/*; when they are not built, says which build command makes them and
# exits 1.
wkr_classpath() {
    if [ -n "${WKR_CLASSPATH:-}" ]; then
        WKR_CP="$WKR_CLASSPATH"
        return 0
    fi
    local jar
    if ! jar="$(wkr_jar "$WKR_HOME" "$@")" || [ ! -d "$WKR_HOME/$1/target/lib" ]; then
        wkr_die "wkr is not built (no $1/target/${2:-$1}-*.jar and lib/);" \
            "run: ${WKR_BUILD[*]}   (in $WKR_HOME)"
    fi
    WKR_CP="$jar:$WKR_HOME/$1/target/lib/*"
}

# wkr_java: sets JAVA to $JAVA_HOME/bin/java when JAVA_HOME is set (and fails if it has none),
# else to java from PATH.
wkr_java() {
    if [ -n "${JAVA_HOME:-}" ]; then
        JAVA="$JAVA_HOME/bin/java"
        [ -x "$JAVA" ] || wkr_die "JAVA_HOME is $JAVA_HOME, which has no bin/java"
    else
        JAVA=java
    fi
}

# wkr_user_classpath ARGS...: sets WKR_USER_CP to the value of the command line's -cp
# (-classpath, --classpath, also as -cp=VALUE), empty when there is none.
# shellcheck disable=SC2034  # WKR_USER_CP is for the sourcing script (wkr-serving-start)
wkr_user_classpath() {
    local a prev=""
    WKR_USER_CP=""
    for a in "$@"; do
        case "$prev" in -cp | -classpath | --classpath) WKR_USER_CP="$a" ;; esac
        case "$a" in --classpath=* | -cp=* | -classpath=*) WKR_USER_CP="${a#*=}" ;; esac
        prev="$a"
    done
}

# wkr_exec MAIN_CLASS ARGS...: replaces this shell with the JVM (so the script's pid is the
# JVM's): JAVA, then the launcher's own options WKR_JVM_OPTS (an array, may be unset), then
# JAVA_OPTS (after them, so the user's win), -Dwkr.home, -cp WKR_CP, MAIN_CLASS and ARGS.
# Call wkr_java and wkr_classpath first.
wkr_exec() {
    local main="$1"
    shift
    local -a user_opts=()
    # JAVA_OPTS holds several options in one variable: split at white space, no globbing.
    read -r -a user_opts <<< "${JAVA_OPTS:-}"
    # ${a[@]+"${a[@]}"}: an empty array expands to nothing under set -u on every bash version.
    exec "$JAVA" ${WKR_JVM_OPTS[@]+"${WKR_JVM_OPTS[@]}"} ${user_opts[@]+"${user_opts[@]}"} \
        -Dwkr.home="$WKR_HOME" -cp "$WKR_CP" "$main" "$@"
}
