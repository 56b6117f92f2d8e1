#!/bin/sh
# Every option a tool accepts (its --list-options, read from the parser's
# own table) must appear in its --help and in its man page.
man_dir="${top_srcdir:-.}/man"
n=0
failed=0
for tool in amass-cluster amass-classify amass-transcribe amass-embed; do
    # amass-transcribe is built once the speech search is in the library.
    if [ "$tool" = amass-transcribe ] && ! command -v "$tool" >/dev/null 2>&1; then
        n=$((n + 1))
        echo "ok $n - $tool # SKIP not built"
        continue
    fi
    help=$("$tool" --help) || { echo "not ok $((n += 1)) - $tool --help exits 0"; failed=1; continue; }
    page="$man_dir/$tool.1"
    for option in $("$tool" --list-options); do
        n=$((n + 1))
        # groff escapes hyphens as \- in the page source
        escaped=$(printf '%s' "$option" | sed 's/-/\\\\-/g')
        if printf '%s\n' "$help" | grep -q -- "$option\\b" &&
            grep -q -- "$escaped\\b" "$page"; then
            echo "ok $n - $tool $option in --help and $tool.1"
        else
            echo "not ok $n - $tool $option in --help and $tool.1"
        fi
    done
done
echo "1..$n"
