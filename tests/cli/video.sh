#!/bin/sh
# Videos, from clips testdata/make-video writes here: the frames the reader
# samples (--fps, --every, variable frame rate) and their times, files cut
# short, empty, audio only or declaring huge frames, memory that stays flat
# on a long video; amass-classify's records with "t", --resume and --shard
# per file, and --annotate's files.
# absolute: the cases run in a scratch directory
absolute() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$(pwd)/$1" ;; esac; }
make_video=$(absolute "${top_builddir:-.}/testdata/make-video")
frames=$(absolute "${top_builddir:-.}/tests/tools/video-frames")
testdata=$(absolute "${top_srcdir:-.}/testdata")
model="$testdata/models/tiny-resnet"
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
frame_times() { cut -d' ' -f1 "$work/out" | tr '\n' ' '; }
stderr_has() {
    if grep -qF -- "$1" "$work/err"; then check 0 "$2"; else
        check 1 "$2"
        sed 's/^/#   stderr: /' "$work/err"
    fi
}

cd "$work" || exit 1
"$make_video" clip.mkv 3 10 64 48 && "$make_video" vfr.mkv 3 10 64 48 vfr && "$make_video" clip.mp4 2 10 64 48 &&
    "$make_video" odd.avi 2 10 33 17 mjpeg && "$make_video" long.mkv 120 10 64 48 || {
    echo "Bail out! testdata/make-video cannot write the test clips"
    exit 1
}

# 3 s at 10 frames/s: frame i at i/10 s, painted gray level 20 + 6i (video
# range), so the bottom half's mean tells which frame came out.
# right_frames: each line's gray level is that of the frame shown at its time
right_frames() {
    awk '{ want = (20 + 6 * int($1 * 10 + 0.5) - 16) * 255 / 219; if ($3 < want - 3 || $3 > want + 3) bad = 1 } END { exit bad }' "$work/out"
}
expect 0 "--fps 1" -- "$frames" --fps 1 clip.mkv
[ "$(cut -d' ' -f1,2 out | tr '\n' ' ')" = "0.000 64x48 1.000 64x48 2.000 64x48 " ]
check $? "frames at 0, 1, 2 s (none for the step at the very end), 64 x 48"
right_frames
check $? "frames 0, 10 and 20 (their gray levels)"
expect 0 "--fps 2.5" -- "$frames" --fps 2.5 clip.mkv
[ "$(frame_times)" = "0.000 0.400 0.800 1.200 1.600 2.000 2.400 2.800 " ]
check $? "8 frames, 0.4 s apart"
right_frames
check $? "each the frame shown at its time (gray level of frame t * 10)"
expect 0 "--every 7" -- "$frames" --every 7 clip.mkv
[ "$(frame_times)" = "0.000 0.700 1.400 2.100 2.800 " ] && right_frames
check $? "frames 0, 7, 14, 21, 28"
stderr_has "30 frames decoded" "all 30 frames decoded"
expect 0 "no option" -- "$frames" clip.mkv
[ "$(frame_times)" = "0.000 1.000 2.000 " ]
check $? "one frame a second by default"

# Variable frame rate: frames at 0, 0.04, 0.17, 0.3, 0.34, 0.47, ... s
expect 0 "variable frame rate, --fps 1" -- "$frames" --fps 1 vfr.mkv
[ "$(frame_times)" = "0.000 0.940 1.970 " ]
check $? "the frame nearest each second by its own timestamp (0.94 over 1.07, 1.97 over 2.1)"
expect 0 "variable frame rate, --fps 2" -- "$frames" --fps 2 vfr.mkv
[ "$(frame_times)" = "0.000 0.470 0.940 1.500 1.970 2.440 " ]
check $? "the nearest frame for each half second, each frame at most once"

expect 0 "MP4" -- "$frames" clip.mp4
[ "$(frame_times)" = "0.000 1.000 " ]
check $? "MP4: 2 frames for 2 s"
expect 0 "MJPEG in AVI, odd size" -- "$frames" --every 5 odd.avi
[ "$(cut -d' ' -f1,2 out | tr '\n' ' ')" = "0.000 33x17 0.500 33x17 1.000 33x17 1.500 33x17 " ]
check $? "4 frames of 33 x 17"
awk '{ want = 20 + 6 * int($1 * 10 + 0.5); if ($3 < want - 3 || $3 > want + 3) bad = 1 } END { exit bad }' "$work/out"
check $? "full-range JPEG levels kept"

# Broken files. A damaged frame in the middle (MJPEG: frames stand
# alone) is skipped with one warning; the frames after it are not lost.
"$make_video" stills.avi 3 10 64 48 mjpeg
perl -e 'local $/; open my $in, "<:raw", $ARGV[0] or die; my $d = <$in>; my @soi;
    push @soi, pos($d) - 2 while $d =~ /\xff\xd8/g; substr($d, $soi[15], 600) = "\0" x 600;
    open my $out, ">:raw", $ARGV[1] or die; print $out $d' stills.avi damaged.avi
expect 0 "a damaged frame" -- amass-classify -m "$model" -k 1 --every 1 damaged.avi
[ "$(wc -l <out)" -eq 29 ] && [ "$(grep -c 'warning: damaged.avi: damaged frame after 1.400 s skipped' err)" -eq 1 ]
check $? "is skipped with one warning, the 29 others classified"
size=$(wc -c <clip.mkv)
head -c $((size / 2)) clip.mkv >cut.mkv
expect 1 "a file cut in half" -- "$frames" cut.mkv
[ "$(frame_times)" = "0.000 1.000 " ]
check $? "the frames before the cut"
stderr_has "cut.mkv: truncated or corrupt at " "then an error naming the file"
: >empty.mp4
expect 1 "an empty file" -- "$frames" empty.mp4
stderr_has "empty.mp4: not a video: the file is empty" "says it is empty"
cp "$testdata/images/tone.wav" tone.wav
expect 1 "audio only" -- "$frames" tone.wav
stderr_has "tone.wav: no video stream (it is a WAV" "says there is no video stream"
printf 'YUV4MPEG2 W40000 H40000 F10:1 Ip A1:1 C420jpeg\nFRAME\nshort' >huge.y4m
expect 1 "a header declaring 40000 x 40000 frames" -- "$frames" huge.y4m
stderr_has "40000x40000" "is refused before any frame is allocated"
printf 'YUV4MPEG2 W30000 H2 F10:1 Ip A1:1 C420jpeg\nFRAME\nshort' >wide.y4m
expect 1 "a header declaring 30000 x 2 frames" -- "$frames" wide.y4m
stderr_has "wide.y4m: no frame could be decoded" "decodes nothing from a short frame, and says so"
cp "$testdata/images/scene.png" scene.png
expect 1 "a still image" -- "$frames" scene.png
stderr_has "scene.png: not a video: it is a still image" "is not a video"

# Memory stays flat: 120 s reads in no more than 3 s does (loosely; peak
# RSS in kB from GNU time). Under AddressSanitizer freed memory sits in
# quarantine, so the bound is wider there.
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o short.rss "$frames" --every 1 clip.mkv >/dev/null 2>&1
    /usr/bin/time -f %M -o long.rss "$frames" --every 1 long.mkv >/dev/null 2>&1
    short=$(tail -1 short.rss) long=$(tail -1 long.rss)
    slack=8000
    case "${ASAN_OPTIONS:-}" in *detect_leaks*) grep -q __asan_init "$frames" 2>/dev/null && slack=300000 ;; esac
    [ "$long" -le $((short + slack)) ]
    check $? "40 times the frames, the same memory (peak RSS ${short} kB for 3 s, ${long} kB for 120 s)"
else
    echo "ok $((n = n + 1)) - # SKIP /usr/bin/time is not installed"
fi

# amass-classify: one record per sampled frame, "t" after "input"
cp "$testdata/images/quadrants.jpg" quadrants.jpg
expect 0 "amass-classify on images and videos" -- amass-classify -q -m "$model" -k 1 --fps 2.5 scene.png clip.mkv quadrants.jpg
[ "$(grep -c '"input":"clip.mkv","t":' out)" -eq 8 ]
check $? "8 records for the video at --fps 2.5"
[ "$(grep -o '"t":[0-9.]*' out | tr '\n' ' ')" = '"t":0 "t":0.4 "t":0.8 "t":1.2 "t":1.6 "t":2 "t":2.4 "t":2.8 ' ]
check $? "their times"
[ "$(cut -d, -f1 out | sed -n '1p;10p')" = '{"input":"scene.png"
{"input":"quadrants.jpg"' ] && ! sed -n '1p;10p' out | grep -q '"t":'

check $? "in input order; still images have no t"
expect 0 "--every, TSV" -- amass-classify -q -m "$model" -k 1 --every 10 -f tsv clip.mkv
[ "$(cut -f1,2 out | tr '\t\n' ', ')" = "clip.mkv,0 clip.mkv,1 clip.mkv,2 " ]
check $? "TSV: t after input"
expect 1 "amass-classify on a cut file" -- amass-classify -q -m "$model" -k 1 cut.mkv scene.png
[ "$(grep -c '"input":"cut.mkv"' out)" -eq 2 ] && grep -q '"input":"scene.png"' out
check $? "records for the frames before the cut, and the inputs after it"
stderr_has "amass-classify: cut.mkv: truncated or corrupt at " "one error line for the file"
expect 1 "amass-classify on empty and audio-only files" -- amass-classify -q -m "$model" empty.mp4 tone.wav scene.png
[ "$(wc -l <out)" -eq 1 ]
check $? "only the image's record"
stderr_has "amass-classify: tone.wav: no video stream" "audio only: no video stream"
stderr_has "amass-classify: empty.mp4: not an image: the file is empty" "empty: says so"
printf '%s\n' '{"input":"clip.mkv","t":0,"model":"tiny-resnet","labels":[]}' >earlier.ndjson
expect 0 "--resume skips a video already in the output" -- amass-classify -q -m "$model" --resume earlier.ndjson clip.mkv vfr.mkv
[ "$(grep -c clip.mkv out)" -eq 0 ] && [ "$(grep -c vfr.mkv out)" -eq 3 ]
check $? "as a whole file"
amass-classify -q -m "$model" --shard 0/2 clip.mkv vfr.mkv clip.mp4 >shard1 &&
    amass-classify -q -m "$model" --shard 1/2 clip.mkv vfr.mkv clip.mp4 >shard2
cut -d, -f1 shard1 | sort -u >inputs1
cut -d, -f1 shard2 | sort -u >inputs2
[ "$(cat shard1 shard2 | wc -l)" -eq 8 ] && [ -z "$(comm -12 inputs1 inputs2)" ]
check $? "--shard splits by file: no video's frames in both shards, none lost"
expect 2 "--fps and --every together" -- amass-classify -q -m "$model" --fps 1 --every 2 clip.mkv
stderr_has "give --fps or --every, not both" "are refused"
expect 2 "--fps 0" -- amass-classify -q -m "$model" --fps 0 clip.mkv
expect 2 "--fps abc" -- amass-classify -q -m "$model" --fps abc clip.mkv
expect 2 "--every 0" -- amass-classify -q -m "$model" --every 0 clip.mkv

# --annotate: a JPEG per image and per sampled frame, named after the input
mkdir ann a b
cp scene.png a/scene.png
cp quadrants.jpg b/scene.png
expect 0 "--annotate" -- amass-classify -q -m "$model" --annotate ann a/scene.png b/scene.png clip.mkv
[ "$(ls ann | tr '\n' ' ')" = "clip-t0.000.jpg clip-t1.000.jpg clip-t2.000.jpg scene-2.jpg scene.jpg " ]
check $? "scene.jpg, scene-2.jpg for the second scene.png, clip-tT.jpg for the frames"
[ "$("$frames" --image ann/scene.jpg)" = "$("$frames" --image scene.png)" ] &&
    [ "$("$frames" --image ann/scene-2.jpg)" = "$("$frames" --image quadrants.jpg)" ] &&
    [ "$("$frames" --image ann/clip-t1.000.jpg)" = 64x48 ]
check $? "JPEG files of the inputs' sizes"
[ "$(wc -l <out)" -eq 5 ]
check $? "and the records as without --annotate"
mkdir blocked blocked/scene.jpg
expect 1 "--annotate: one file cannot be written" -- amass-classify -q -m "$model" --annotate blocked scene.png quadrants.jpg
stderr_has "amass-classify: blocked/scene.jpg: " "an error for that input"
[ "$(wc -l <out)" -eq 1 ] && grep -q quadrants.jpg out && [ -f blocked/quadrants.jpg ]
check $? "the others go on; its record is left out (so --resume retries it)"
expect 2 "--annotate into a missing directory" -- amass-classify -q -m "$model" --annotate nowhere scene.png
stderr_has "--annotate: nowhere: No such file or directory" "is refused before any input is read"
expect 2 "--annotate onto a file" -- amass-classify -q -m "$model" --annotate scene.png scene.png
stderr_has "--annotate: scene.png: not a directory" "is refused"

# A detector's boxes: tiny-centernet finds the green square of
# squares-64.png in the box (0, 32)-(32, 64) (tests/cli/classify-detect.cases);
# class 1's outline is drawn in (60, 180, 75), 2 pixels wide, inside the box.
cp "$testdata/images/squares-64.png" squares.png
mkdir boxes
expect 0 "--annotate with a detector" -- amass-classify -q -m "$testdata/detect/tiny-centernet" --annotate boxes squares.png clip.mkv
# near R G B X Y: the annotated pixel at X, Y is within 30 of R, G, B on each channel
near() {
    "$frames" --image boxes/squares.jpg "$4" "$5" |
        awk -v r="$1" -v g="$2" -v b="$3" '{ d = 0; if ($2 - r > 30 || r - $2 > 30) d = 1; if ($3 - g > 30 || g - $3 > 30) d = 1;
            if ($4 - b > 30 || b - $4 > 30) d = 1; exit d }'
}
near 60 180 75 0 50 && near 60 180 75 31 50 && near 60 180 75 16 63
check $? "the box's left, right and bottom edges have its class's colour"
near 0 0 0 5 50 && near 0 0 0 16 60
check $? "inside the outline the picture is unchanged"
[ "$(grep -c '"input":"clip.mkv","t":[0-9.]*,"model":"tiny-centernet","labels":\[' out)" -eq 3 ] &&
    [ -f boxes/clip-t2.000.jpg ]
check $? "a detector on a video: a record with t and a picture per sampled frame"

echo "1..$n"
