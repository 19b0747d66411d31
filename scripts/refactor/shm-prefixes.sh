#!/usr/bin/env bash
# shm-prefixes.sh — the renames that make every name shm/ exports say which
# file it comes from (docs/store.md, "Names"). The pairs are in
# shm-prefixes.txt beside this script ("old new" per line, '#' comments);
# each old name is replaced where it stands as a whole word (not inside a
# longer identifier) in every tracked *.c, *.h, *.md and CMakeLists.txt
# file. Running it again is harmless: no new name is an old one.
#
# Then `git clang-format` reformats the lines that differ from HEAD (longer
# names may break lines), and nothing else; --no-format skips that.
#
# Usage (from anywhere in the tree): bash scripts/refactor/shm-prefixes.sh [--no-format]
set -euo pipefail
format=1
[ "${1:-}" = "--no-format" ] && format=0
top=$(git rev-parse --show-toplevel)
cd "$top"
pairs=scripts/refactor/shm-prefixes.txt
mapfile -t files < <(git ls-files '*.c' '*.h' '*.md' 'CMakeLists.txt' '*/CMakeLists.txt')
PAIRS="$pairs" perl -i -pe '
    BEGIN {
        open my $p, "<", $ENV{PAIRS} or die "$ENV{PAIRS}: $!";
        while (<$p>) {
            next if /^\s*(#|$)/;
            my ($o, $n) = split " ";
            die "bad line: $_" unless defined $n;
            $map{$o} = $n;
        }
        my $alt = join "|", map { quotemeta } sort { length $b <=> length $a } keys %map;
        $re = qr/(?<![A-Za-z0-9_])($alt)(?![A-Za-z0-9_])/;
    }
    s/$re/$map{$1}/g;
' "${files[@]}"
if [ "$format" = 1 ]; then
    git clang-format --force --quiet HEAD -- '*.c' '*.h' >/dev/null || true
fi
git status --short
