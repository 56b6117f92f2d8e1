#!/bin/sh
# tests/tools/wer from the command line: matching hypotheses to reference
# utterances by id or by line, joining an id's lines, --max-wer, and the
# bad inputs and options it must refuse with exit 2 and a message.
wer="${top_builddir:-.}/tests/tools/wer"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
check() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
# expect STATUS NAME -- COMMAND...: the command's exit status is STATUS
expect() {
    want=$1 name=$2
    shift 3
    "$@" >"$work/out" 2>"$work/err"
    got=$?
    check $((got == want ? 0 : 1)) "$name (exit $want)"
    [ "$got" -eq "$want" ] || { echo "#   exit $got"; sed 's/^/#   /' "$work/err"; }
}
total() { grep '^total' "$work/out" | cut -f2-; }

cat >"$work/ref" <<'EOF'
<s> he was not an ill disposed young man </s> (a)
<s> he might even have been made amiable himself </s> (b)
EOF

printf '%s\n' '{"input":"clips/b.wav","text":"he might even have been made the amiable himself"}' \
    '{"input":"clips/a.wav","text":"he was not an illness those young man"}' >"$work/hyp.ndjson"
expect 0 "NDJSON records matched by id, in any order" -- "$wer" "$work/ref" "$work/hyp.ndjson"
[ "$(total)" = "$(printf '16\t14\t2\t0\t1\t0.1875')" ]
check $? "total: 16 words, 14 correct, 2 substitutions, 1 insertion, WER 0.1875"
[ "$(sed -n 2p "$work/out" | cut -f1)" = a ]
check $? "rows follow the reference's order"

printf '%s\n' 'he was not (a)' 'an ill disposed (a -100)' 'young man (a)' >"$work/hyp.split"
expect 0 "an id's several lines are joined" -- "$wer" "$work/ref" "$work/hyp.split"
grep -q "^a	8	8	0	0	0	0.0000$" "$work/out"
check $? "into one utterance with no errors"
grep -q "^b	8	0	0	8	0	1.0000$" "$work/out" && grep -q "no hypothesis for 'b'" "$work/err"
check $? "a missing utterance counts as all deletions, with a note on stderr"

expect 1 "a WER above --max-wer" -- "$wer" --max-wer 0.4 "$work/ref" "$work/hyp.split"
grep -q "total WER 0.5000 is above 0.4" "$work/err"
check $? "says the WER is above the bound"
expect 0 "a WER equal to --max-wer" -- "$wer" --max-wer 0.5 "$work/ref" "$work/hyp.split"

printf '%s\n' 'he was not an ill disposed young man' 'amiable' >"$work/ref.bare"
printf '%s\n' 'HE WAS not an ill-disposed young man.' >"$work/hyp.bare"
expect 0 "no ids: lines matched by position, from stdin" -- sh -c "\"$wer\" \"$work/ref.bare\" - <\"$work/hyp.bare\""
[ "$(total)" = "$(printf '9\t8\t0\t1\t0\t0.1111')" ]
check $? "case, punctuation and hyphens normalised; a missing last line is a deletion"

expect 2 "more hypothesis lines than reference lines" -- "$wer" "$work/ref.bare" "$work/hyp.split"
expect 2 "hypothesis lines without ids against a reference with ids" -- "$wer" "$work/ref" "$work/ref.bare"
grep -q "have none" "$work/err"
check $? "says the hypothesis lines have no ids"
echo 'words (zz)' >"$work/hyp.unknown"
expect 2 "an unknown utterance id" -- "$wer" "$work/ref" "$work/hyp.unknown"
grep -q "'zz' is not in the reference" "$work/err"
check $? "names the id"
printf '%s\n' 'with id (x)' 'without id' >"$work/ref.mixed"
expect 2 "a reference with and without ids" -- "$wer" "$work/ref.mixed" "$work/hyp.bare"
printf '%s\n' '{"input":"a.wav","text":"ok"}' '{"input":"b.wav",' >"$work/hyp.broken"
expect 2 "a broken JSON record" -- "$wer" "$work/ref" "$work/hyp.broken"
grep -q "hyp.broken:2: not a JSON record" "$work/err"
check $? "names the file and line"
expect 2 "a missing file" -- "$wer" "$work/ref" "$work/nonexistent"
grep -q "nonexistent: No such file" "$work/err"
check $? "names the file and the cause"
expect 2 "--max-wer with a bad rate" -- "$wer" --max-wer 0.4x "$work/ref" "$work/hyp.ndjson"
grep -q "'0.4x' is not a rate" "$work/err"
check $? "names the value"
expect 2 "--max-wer with a negative rate" -- "$wer" --max-wer -1 "$work/ref" "$work/hyp.ndjson"
expect 2 "an unknown option" -- "$wer" --frobnicate "$work/ref" "$work/hyp.ndjson"
expect 2 "one file only" -- "$wer" "$work/ref"
expect 0 "--help" -- "$wer" --help
grep -q "^usage: wer" "$work/out"
check $? "--help prints the usage on stdout"
echo "1..$n"
