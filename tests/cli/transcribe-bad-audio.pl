#!/usr/bin/perl
# amass-transcribe on bad audio, made here at test time from a LibriVox clip
# (no ffmpeg CLI needed): empty, truncated and header-only WAVs, random bytes
# named .wav, text named .mp3, 10 s of digital silence and of low noise,
# the clip at 8 kHz and in one channel of six, a non-UTF-8 file name, and an
# hour of low noise. Per DESIGN.md: a file that is not audio gets one line
# "amass-transcribe: FILE: reason" on stderr and no record, the batch goes
# on and exits 1; audio without speech gives a record with empty text; odd
# rates and channel counts are resampled and downmixed; memory does not
# grow with duration. A WAV whose data stops short of its header's length
# may be transcribed as far as it goes or refused, as long as the record or
# the error says which.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use lib dirname(__FILE__);
use TranscribeCli;

my @tool = tool_command();
my $work = tempdir(CLEANUP => 1);
my $clip = librivox_clip('0880');    # "he was not an ill disposed young man", 2.99 s
my ($rate, $channels, $data) = wav_read($clip);
die "$clip: expected 16 kHz mono\n" unless $rate == 16000 && $channels == 1;
my $clip_seconds = length($data) / 2 / 16000;
my @samples = unpack 's<*', $data;

# A fixed generator (xorshift32) so every run builds the same files.
my $seed = 2463534242;
sub next_random {
    $seed ^= ($seed << 13) & 0xffffffff;
    $seed ^= $seed >> 17;
    $seed ^= ($seed << 5) & 0xffffffff;
    return $seed;
}
# Low noise: uniform in [-amplitude, amplitude], about -60 dBFS at 32.
sub noise_block {
    my ($n, $amplitude) = @_;
    return pack 's<*', map { (next_random() % (2 * $amplitude + 1)) - $amplitude } 1 .. $n;
}

sub write_file {
    my ($name, $bytes) = @_;
    open my $out, '>:raw', "$work/$name" or die "$work/$name: $!";
    print $out $bytes;
    close $out or die "$work/$name: $!";
}

write_file('empty.wav', '');
write_file('header-only.wav', wav_header(16000, 1, length $data));
my $half = int(length($data) / 4) * 2;
write_file('truncated.wav', wav_header(16000, 1, length $data) . substr($data, 0, $half));
write_file('random.wav', join '', map { chr(next_random() & 0xff) } 1 .. 8192);
write_file('text.mp3', "This is a text file, not an MP3.\n" x 40);
wav_write("$work/silence.wav", 16000, 1, "\0\0" x (16000 * 10));
wav_write("$work/noise.wav", 16000, 1, noise_block(16000 * 10, 32));

# 8 kHz: a windowed-sinc low-pass at 3.6 kHz (63 taps, Hann) before
# keeping every second sample, so the result is what a telephone-band
# recording of the clip would be rather than aliased.
my @taps;
{
    my ($half_width, $cutoff) = (31, 3600 / 16000);
    for my $k (-$half_width .. $half_width) {
        my $sinc = $k == 0 ? 2 * $cutoff : sin(2 * 3.14159265358979 * $cutoff * $k) / (3.14159265358979 * $k);
        my $window = 0.5 + 0.5 * cos(3.14159265358979 * $k / ($half_width + 1));
        push @taps, $sinc * $window;
    }
}
my @narrow;
for (my $i = 0; $i < @samples; $i += 2) {
    my $sum = 0;
    for my $k (0 .. $#taps) {
        my $j = $i + $k - 31;
        $sum += $taps[$k] * $samples[$j] if $j >= 0 && $j < @samples;
    }
    $sum = $sum > 32767 ? 32767 : $sum < -32768 ? -32768 : $sum;
    push @narrow, int($sum + ($sum < 0 ? -0.5 : 0.5));
}
wav_write("$work/8khz.wav", 8000, 1, pack 's<*', @narrow);
# Six channels: the clip in the first (front left), the others silent.
wav_write("$work/6ch.wav", 16000, 6, pack 's<*', map { ($_, 0, 0, 0, 0, 0) } @samples);
# A name that is not UTF-8 (Latin-1 e-acute, then a byte no encoding uses).
my $latin1 = "caf\xe9-\xff.wav";
wav_write("$work/$latin1", 16000, 1, $data);
wav_write("$work/good.wav", 16000, 1, $data);

# ---- one batch: the bad inputs between good ones --------------------------
my @inputs = ('good.wav', 'empty.wav', 'header-only.wav', 'truncated.wav', 'random.wav', 'text.mp3', 'missing.wav',
              'silence.wav', 'noise.wav', '8khz.wav', '6ch.wav', $latin1);
my ($status, $stdout, $stderr) = run_tool([@tool, @inputs], directory => $work, timeout => 1200);
if ($status eq '2' && $stdout eq '' && $stderr =~ /model/i) {
    skip_all("no en-us model (run scripts/install-models): $stderr");
}
ok($status eq '1', 'a batch with bad files exits 1', "exit $status", "stderr: $stderr");
my @records = read_records($stdout, 'batch');
my %record_of;
for my $record (@records) {
    ok(0, "one record per input: '$record->{input}' has two") if exists $record_of{ $record->{input} // '' };
    $record_of{ $record->{input} // '' } = $record;
}
my @want_records = ('good.wav', 'truncated.wav', 'silence.wav', 'noise.wav', '8khz.wav', '6ch.wav');
my @got_order = map { $_->{input} } grep { ($_->{input} // '') =~ /^[ -~]+$/ } @records;
my @want_order = grep { my $n = $_; grep { $_ eq $n } @got_order }
    ('good.wav', 'header-only.wav', @want_records[1 .. $#want_records]);
ok("@got_order" eq "@want_order", 'records follow the input order', "got: @got_order");

for my $bad ('empty.wav', 'random.wav', 'text.mp3', 'missing.wav') {
    ok(!exists $record_of{$bad}, "$bad: no record");
    check_error_lines($stderr, $bad, $bad);
}
my @error_lines = grep { /\S/ } split /\n/, $stderr;
my @unexplained = grep { !/^amass-transcribe: / } @error_lines;
ok(!@unexplained, 'every stderr line starts with "amass-transcribe: "', @unexplained);

ok(exists $record_of{'good.wav'}, 'good.wav before the bad files still gets a record');
if (my $r = $record_of{'good.wav'}) {
    check_record_shape($r, 'good.wav', $clip_seconds, 0.05);
    ok($r->{text} =~ /\bman\b/, 'good.wav: the text is the clip\'s ("... young man")', "text: $r->{text}");
}

# Header only: no samples at all. A record with no words and no duration,
# or an error line; not both, and not a crash.
{
    my $r = $record_of{'header-only.wav'};
    my $error = grep { /^amass-transcribe: header-only\.wav: \S/ } @error_lines;
    ok(($r && !$error && $r->{text} eq '' && $r->{duration} < 0.05) || (!$r && $error),
       'header-only.wav: an empty record or an error line, not both',
       $r ? "record: text '$r->{text}' duration $r->{duration}" : 'no record', "error line: $error");
}

# Truncated: the data chunk says 2.99 s and half of it is there. Either the
# half is transcribed and the duration says how much that was, or the file
# is refused as truncated; not both.
{
    my $r = $record_of{'truncated.wav'};
    my $error = grep { /^amass-transcribe: truncated\.wav: \S/ } @error_lines;
    ok(($r && !$error) || (!$r && $error), 'truncated.wav: a record for the audio that is there or an error line',
       $r ? 'a record' : 'no record', "error lines: $error");
    check_record_shape($r, 'truncated.wav', $half / 2 / 16000, 0.05) if $r;
}

for my $quiet ('silence.wav', 'noise.wav') {
    my $r = $record_of{$quiet};
    next unless ok($r, "$quiet: a record");
    check_record_shape($r, $quiet, 10, 0.05);
    ok($r->{text} eq '' && !@{ $r->{words} // [] }, "$quiet: empty text and no words", "text: '$r->{text}'");
}

# 8 kHz and six channels are resampled and downmixed: records of the
# clip's length. At 8 kHz the 16 kHz model hears no band above 4 kHz, so
# only the shape is asserted; the six-channel file holds the whole clip.
if (ok(exists $record_of{'8khz.wav'}, '8khz.wav: a record (resampled to the model\'s rate)')) {
    check_record_shape($record_of{'8khz.wav'}, '8khz.wav', $clip_seconds, 0.05);
}
if (ok(exists $record_of{'6ch.wav'}, '6ch.wav: a record (downmixed)')) {
    check_record_shape($record_of{'6ch.wav'}, '6ch.wav', $clip_seconds, 0.05);
    ok($record_of{'6ch.wav'}{text} ne '', '6ch.wav: the speech in the first channel is heard');
}

# JSON strings are UTF-8: the name's bad bytes become U+FFFD (as
# amass_io_write_json_string does), the rest of the name stays.
my ($non_utf8) = grep { ($_->{input} // '') =~ /^caf.*\.wav$/ } @records;
if (ok($non_utf8, 'a non-UTF-8 file name gets a record with a valid UTF-8 "input"',
       'inputs: ' . join(', ', map { $_->{input} // '?' } @records))) {
    check_record_shape($non_utf8, 'non-UTF-8 name', $clip_seconds, 0.05);
}

# ---- each error alone exits 1 with nothing on stdout -----------------------
for my $bad ('empty.wav', 'random.wav') {
    my ($s, $out, $err) = run_tool([@tool, $bad], directory => $work, timeout => 600);
    ok($s eq '1' && $out eq '', "$bad alone: exit 1, no output", "exit $s", "stdout: $out");
    check_error_lines($err, $bad, "$bad alone");
}
{
    my ($s, $out, $err) = run_tool([@tool, '--no-such-option', 'good.wav'], directory => $work, timeout => 600);
    ok($s eq '2' && $out eq '', 'an unknown option: exit 2, no output', "exit $s", "stderr: $err");
}

# ---- an hour of low noise, streamed: memory stays flat ----------------------
# 3600 s at 16 kHz is 115 MB of samples. The file is written a block at a
# time; the tool's peak RSS (GNU time) on it is compared with its peak on
# 10 s of the same noise: decoding must not hold the audio.
my $hour_seconds = $ENV{AMASS_TEST_LONG_AUDIO_SECONDS} // 3600;
if ($hour_seconds == 0) {
    ok(1, 'long audio # SKIP AMASS_TEST_LONG_AUDIO_SECONDS=0');
    done();
}
{
    open my $out, '>:raw', "$work/hour.wav" or die "$work/hour.wav: $!";
    print $out wav_header(16000, 1, 16000 * 2 * $hour_seconds);
    my $block = noise_block(16000 * 10, 32);
    print $out $block for 1 .. int($hour_seconds / 10);
    print $out substr($block, 0, 16000 * 2 * ($hour_seconds % 10));
    close $out or die "$work/hour.wav: $!";
}
my $size = -s "$work/hour.wav";
my $time = -x '/usr/bin/time' ? '/usr/bin/time' : undef;
# A small ASan quarantine so a sanitizer build's RSS measures the tool, not
# freed blocks kept for use-after-free checks; no effect otherwise.
local $ENV{ASAN_OPTIONS} = join ':', grep { defined && length } $ENV{ASAN_OPTIONS}, 'quarantine_size_mb=8';
my $timeout = $ENV{AMASS_TEST_LONG_AUDIO_TIMEOUT} // 1800;
my @timed = $time ? ($time, '-f', 'peak-rss-kb=%M') : ();
my ($s10, undef, $err10) = run_tool([@timed, @tool, 'noise.wav'], directory => $work, timeout => 600);
my ($s, $out, $err) = run_tool([@timed, @tool, 'hour.wav'], directory => $work, timeout => $timeout);
ok($s eq '0', sprintf('%d s of audio (%.0f MB) finishes within %d s and exits 0', $hour_seconds, $size / 1e6, $timeout),
   "exit $s", "stderr: $err");
my ($hour_record) = read_records($out, 'hour.wav');
if (ok($hour_record, 'hour.wav: a record')) {
    check_record_shape($hour_record, 'hour.wav', $hour_seconds, 0.1);
}
if ($s ne '0' || $s10 ne '0') {
    ok(0, 'peak RSS: the runs on hour.wav and noise.wav did not succeed', "exit $s and $s10", $err10);
} elsif ($time && $err =~ /peak-rss-kb=(\d+)/) {
    my $peak = $1 * 1024;
    my ($peak10) = $err10 =~ /peak-rss-kb=(\d+)/;
    $peak10 = ($peak10 // 0) * 1024;
    ok($peak < 300e6, sprintf('hour.wav: peak RSS %.0f MB, below 300 MB (the file is %.0f MB)', $peak / 1e6,
                              $size / 1e6));
    ok($peak <= $peak10 + 64e6, sprintf('peak RSS on %d s is within 64 MB of the peak on 10 s (%.0f MB vs %.0f MB)',
                                        $hour_seconds, $peak / 1e6, $peak10 / 1e6));
} else {
    ok(1, 'peak RSS # SKIP no /usr/bin/time (Debian package time)');
}
done();
