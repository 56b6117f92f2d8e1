# What the amass-transcribe CLI tests share: finding the tool, the model and
# the LibriVox clips (skipping when one is absent), reading its records,
# and writing WAV files; with TapCli's TAP output and command runner.
package TranscribeCli;
use strict;
use warnings;
use Exporter qw(import);
use File::Temp qw(tempdir);
use JSON::PP ();

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use TapCli;

our @EXPORT = (@TapCli::EXPORT, qw(tool_command librivox_clip librivox_dir read_records
                 wav_read wav_write wav_header check_record_shape check_error_lines check_wer));

sub librivox_dir { '/usr/share/pocketsphinx/test/data/librivox' }

sub librivox_clip {
    return librivox_dir() . "/sense_and_sensibility_01_austen_64kb-$_[0].wav";
}

# The command to test: $AMASS_TRANSCRIBE (another build, or a stand-in while
# developing) or the build's tools/amass-transcribe, with -m MODEL where
# MODEL is $AMASS_TRANSCRIBE_MODEL, else the en-us model scripts/install-models
# put in the source tree, else one made in a temporary directory over
# Debian's pocketsphinx-en-us files by tests/cli/transcribe-model.sh (the
# recipe the transcribe CLI cases use), else none: the tool's default.
# Skips the whole test when the tool is not built or the Debian test clips
# are absent.
sub tool_command {
    my $builddir = $ENV{top_builddir} // '.';
    my $srcdir = $ENV{top_srcdir} // '.';
    my $tool = $ENV{AMASS_TRANSCRIBE} // "$builddir/tools/amass-transcribe";
    skip_all("$tool is not built") unless -x $tool;
    # Absolute, as the tests run the tool in their own directories.
    require Cwd;
    $tool = Cwd::abs_path($tool) if $tool =~ m{/} && $tool !~ m{^/};
    skip_all('no ' . librivox_dir() . ' (Debian pocketsphinx-testdata)') unless -f librivox_dir() . '/transcription';
    my @command = ($tool);
    my $model = $ENV{AMASS_TRANSCRIBE_MODEL};
    $model //= Cwd::abs_path("$srcdir/models/en-us") if -f "$srcdir/models/en-us/manifest.json";
    my $recipe = "$srcdir/tests/cli/transcribe-model.sh";
    if (!defined $model && -f $recipe && -d '/usr/share/pocketsphinx/model/en-us/en-us') {
        my $directory = tempdir(CLEANUP => 1);
        system('sh', '-c', 'cd "$1" && . "$2"', 'sh', $directory, Cwd::abs_path($recipe)) == 0
            or die "$recipe failed\n";
        $model = "$directory/en-us" if -f "$directory/en-us/manifest.json";
    }
    push @command, '-m', $model if defined $model;
    return @command;
}

# The tool's stdout as records (decoded JSON); a line that is not a JSON
# object fails a test and is left out.
sub read_records {
    my ($stdout, $what) = @_;
    my @records;
    my $json = JSON::PP->new->utf8;
    for my $line (split /\n/, $stdout) {
        my $record = eval { $json->decode($line) };
        if (ref $record eq 'HASH') {
            push @records, $record;
        } else {
            ok(0, "$what: every line of stdout is a JSON record", "line: $line", $@ // '');
        }
    }
    return @records;
}

# A record the contract promises: input, duration (seconds, within
# tolerance of want_duration when given), text, and words whose start/end
# are inside the audio, in order, with conf in [0, 1]; the words spell the text.
sub check_record_shape {
    my ($record, $what, $want_duration, $tolerance) = @_;
    my @problems;
    push @problems, 'no "input"' unless defined $record->{input} && !ref $record->{input};
    my $duration = $record->{duration};
    if (!defined $duration || ref $duration || $duration !~ /^[0-9.eE+-]+$/) {
        push @problems, 'no numeric "duration"';
        $duration = 0;
    } elsif (defined $want_duration && abs($duration - $want_duration) > $tolerance) {
        push @problems, sprintf('duration %.3f, want %.3f +- %.3f', $duration, $want_duration, $tolerance);
    }
    push @problems, 'no string "text"' unless defined $record->{text} && !ref $record->{text};
    if (ref $record->{words} ne 'ARRAY') {
        push @problems, 'no "words" array';
    } else {
        my $previous_end = 0;
        for my $word (@{ $record->{words} }) {
            my ($w, $start, $end, $conf) = @{$word}{qw(word start end conf)};
            if (!defined $w || !defined $start || !defined $end || !defined $conf) {
                push @problems, 'a word without word/start/end/conf';
                last;
            }
            push @problems, "'$w': start $start end $end outside 0..$duration or reversed"
                unless $start >= 0 && $start <= $end && $end <= $duration + 0.05;
            push @problems, "'$w' starts at $start, before the previous word's end $previous_end"
                if $start < $previous_end - 1e-6;
            push @problems, "'$w': conf $conf outside [0, 1]" unless $conf >= 0 && $conf <= 1;
            $previous_end = $end;
        }
        my $spelled = join ' ', map { $_->{word} // '' } @{ $record->{words} };
        push @problems, "text '$record->{text}' is not the words '$spelled'"
            if defined $record->{text} && $spelled ne $record->{text};
    }
    return ok(!@problems, "$what: record shape", @problems);
}

# Every stderr line naming one of the files is "amass-transcribe: FILE: reason".
sub check_error_lines {
    my ($stderr, $file, $what) = @_;
    my @lines = grep { index($_, $file) >= 0 } split /\n/, $stderr;
    ok(@lines && (grep { /^amass-transcribe: \Q$file\E: \S/ } @lines),
       "$what: an error line 'amass-transcribe: $file: reason'", "stderr: $stderr");
}

# The total word error rate of the NDJSON records in $stdout against the
# reference transcription (tests/tools/wer, built in $builddir) is at most
# $max_wer; the alignment goes into the TAP log.
sub check_wer {
    my ($builddir, $reference, $stdout, $max_wer) = @_;
    my $wer = "$builddir/tests/tools/wer";
    die "$wer is not built\n" unless -x $wer;
    my $work = tempdir(CLEANUP => 1);
    open my $hypothesis, '>', "$work/hypothesis.ndjson" or die "$work/hypothesis.ndjson: $!";
    print $hypothesis $stdout;
    close $hypothesis or die "$work/hypothesis.ndjson: $!";
    my ($wer_status, $table, $wer_stderr) =
        run_tool([$wer, '--alignment', '--max-wer', $max_wer, $reference, "$work/hypothesis.ndjson"]);
    my ($total) = $table =~ /^total\t(.*)$/m;
    my ($words, $correct, $substitutions, $deletions, $insertions, $rate) = split /\t/, $total // '';
    print "# $_\n" for split /\n/, $table;
    return ok(defined $rate && $wer_status eq '0',
              sprintf('total WER %s (S %s, D %s, I %s of %s words) <= %.2f', $rate // '?', $substitutions // '?',
                      $deletions // '?', $insertions // '?', $words // '?', $max_wer),
              "wer exit $wer_status: $wer_stderr");
}

# (sample rate, channels, data bytes of 16-bit PCM) of a canonical WAV.
sub wav_read {
    my ($path) = @_;
    my $bytes = slurp($path);
    die "$path: not RIFF WAVE\n" unless substr($bytes, 0, 4) eq 'RIFF' && substr($bytes, 8, 4) eq 'WAVE';
    my ($offset, $rate, $channels, $data) = (12);
    while ($offset + 8 <= length $bytes) {
        my ($id, $size) = unpack 'a4 V', substr($bytes, $offset, 8);
        if ($id eq 'fmt ') {
            (undef, $channels, $rate) = unpack 'v v V', substr($bytes, $offset + 8, 8);
        } elsif ($id eq 'data') {
            $data = substr($bytes, $offset + 8, $size);
        }
        $offset += 8 + $size + ($size & 1);
    }
    die "$path: no fmt or data chunk\n" unless $rate && defined $data;
    return ($rate, $channels, $data);
}

# A 16-bit PCM WAV header for data_bytes of audio; data_bytes may claim
# more than follows (a truncated file).
sub wav_header {
    my ($rate, $channels, $data_bytes) = @_;
    return pack('a4 V a4 a4 V v v V V v v a4 V', 'RIFF', 36 + $data_bytes, 'WAVE', 'fmt ', 16, 1, $channels, $rate,
                $rate * $channels * 2, $channels * 2, 16, 'data', $data_bytes);
}

sub wav_write {
    my ($path, $rate, $channels, $data) = @_;
    open my $out, '>:raw', $path or die "$path: $!";
    print $out wav_header($rate, $channels, length $data), $data;
    close $out or die "$path: $!";
}

1;
