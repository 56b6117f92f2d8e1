#!/usr/bin/perl
# amass-classify with the installed COCO detector (scripts/install-models:
# nanodet, the default) on the darknet package's photos:
# the objects a person sees are reported, each box inside its photo, no
# two boxes of one class on one object, the key boxes where TensorFlow.js
# puts them, and a bad file among the photos costs only itself.
# Skips when the models or the photos are not installed.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use File::Basename qw(dirname);
use JSON::PP;
use lib dirname(__FILE__);
use TapCli;

my $photos = '/usr/share/darknet/data';
my $models = $ENV{AMASS_TEST_MODELS} // abs_path($ENV{top_srcdir} // '.') . '/models';

# Width and height of each photo, and what a person sees in it. Each entry
# of "see" is a label, or labels joined by '|' of which one must be there.
my %photos = (
    'dog.jpg'     => {size => [768, 576], see => ['dog', 'bicycle', 'truck|car']},
    'horses.jpg'  => {size => [773, 512], see => ['horse']},
    'person.jpg'  => {size => [640, 424], see => ['person', 'dog', 'horse']},
    'giraffe.jpg' => {size => [500, 500], see => ['giraffe']},
    'kite.jpg'    => {size => [1352, 900], see => ['person', 'kite']},
    'eagle.jpg'   => {size => [773, 512], see => ['bird']},
);
# Where the objects are: the boxes the models' own outputs give under
# TensorFlow.js 4.22 (cpu backend, images stretched with PIL's bilinear
# filter) through the same decoding; a reported box of the label must
# overlap one by IoU 0.7 or more.
my %where = (
    nanodet => {
        'dog.jpg'     => [['dog', 131, 223, 357, 539], ['bicycle', 99, 126, 573, 418], ['truck', 466, 77, 678, 160]],
        'person.jpg'  => [['person', 188, 105, 280, 377], ['horse', 405, 139, 604, 350], ['dog', 70, 265, 203, 346]],
        'giraffe.jpg' => [['giraffe', 164, 33, 451, 413]],
        'eagle.jpg'   => [['bird', 145, 86, 602, 452]],
    },
    centernet => {
        'dog.jpg'     => [['dog', 124, 207, 313, 543], ['bicycle', 111, 127, 564, 445], ['car', 472, 81, 683, 165]],
        'person.jpg'  => [['person', 187, 111, 276, 375], ['dog', 67, 264, 201, 348]],
        'giraffe.jpg' => [['giraffe', 163, 26, 453, 443]],
        'eagle.jpg'   => [['bird', 131, 84, 615, 444]],
    },
);
# CenterNet scores the horse in person.jpg 0.29, under the default 0.3.
my %misses = (centernet => {'person.jpg' => {horse => 1}});

sub iou {
    my ($a, $b) = @_;
    my $w = ($a->[2] < $b->[2] ? $a->[2] : $b->[2]) - ($a->[0] > $b->[0] ? $a->[0] : $b->[0]);
    my $h = ($a->[3] < $b->[3] ? $a->[3] : $b->[3]) - ($a->[1] > $b->[1] ? $a->[1] : $b->[1]);
    return 0 if $w <= 0 || $h <= 0;
    my $union = ($a->[2] - $a->[0]) * ($a->[3] - $a->[1]) + ($b->[2] - $b->[0]) * ($b->[3] - $b->[1]) - $w * $h;
    return $union > 0 ? $w * $h / $union : 0;
}

skip_all("no darknet photos in $photos (apt-get install darknet, as scripts/install-deps does)")
    unless -f "$photos/dog.jpg";
# centernet runs from its raw heads (the manifest's "outputs": keypoints
# and wh), its in-graph decode left out of the import.
my @detectors = grep { -f "$models/$_/manifest.json" } qw(nanodet centernet);
skip_all("no nanodet in $models (run scripts/install-models)") unless @detectors;

my $work = tempdir(CLEANUP => 1);
my @names = sort keys %photos;
for my $detector (@detectors) {
    my ($status, $stdout, $stderr) =
        run_tool(['amass-classify', '-q', '-m', "$models/$detector", map { "$photos/$_" } @names]);
    ok($status == 0, "$detector: the six photos: exit 0", "exit $status", $stderr);
    my %records;
    for my $line (split /\n/, $stdout) {
        my $record = eval { decode_json($line) };
        next unless ok($record && ref $record->{labels} eq 'ARRAY', "$detector: a record is JSON with labels",
                       $line);
        (my $name = $record->{input}) =~ s{.*/}{};
        $records{$name} = $record;
    }
    for my $name (@names) {
        my $record = $records{$name};
        next unless ok($record, "$detector: $name has a record");
        my @objects = @{$record->{labels}};
        my %found = map { $_->{label} => 1 } @objects;
        my $summary = join(', ', map { sprintf('%s %.2f', $_->{label}, $_->{score}) } @objects);
        print "# $detector $name: $summary\n";
        for my $see (@{$photos{$name}{see}}) {
            next if grep { $misses{$detector}{$name}{$_} } split /\|/, $see;
            ok((grep { $found{$_} } split /\|/, $see), "$detector: $name: $see found", "found: $summary");
        }
        my ($w, $h) = @{$photos{$name}{size}};
        my @outside = grep {
            my $b = $_->{box};
            !(ref $b eq 'ARRAY' && @$b == 4 && $b->[0] >= 0 && $b->[1] >= 0 && $b->[0] < $b->[2] && $b->[1] < $b->[3] &&
              $b->[2] <= $w && $b->[3] <= $h)
        } @objects;
        ok(!@outside, "$detector: $name: every box inside the ${w}x$h photo",
           map { encode_json($_) } @outside);
        my @sorted = map { $_->{score} } @objects;
        ok(!grep({ $sorted[$_] > $sorted[$_ - 1] } 1 .. $#sorted), "$detector: $name: highest score first", $summary);
        my @twice;
        for my $i (0 .. $#objects) {
            for my $j ($i + 1 .. $#objects) {
                push @twice, "$objects[$i]{label} twice"
                    if $objects[$i]{label} eq $objects[$j]{label} && iou($objects[$i]{box}, $objects[$j]{box}) > 0.5;
            }
        }
        ok(!@twice, "$detector: $name: no object boxed twice", @twice);
        for my $want (@{$where{$detector}{$name} // []}) {
            my ($label, @box) = @$want;
            my ($best) = sort { $b <=> $a } map { iou($_->{box}, \@box) } grep { $_->{label} eq $label } @objects;
            ok(($best // 0) >= 0.7, sprintf("$detector: $name: the $label where TensorFlow.js puts it (IoU %.2f)", $best // 0),
               "want [@box]; found: " . join(' ', map { "$_->{label} [@{$_->{box}}]" } @objects));
        }
    }
}

# A bad file among the photos: the photos' records, one error, exit 1.
{
    open my $bad, '>', "$work/cut.jpg" or die;
    open my $good, '<', "$photos/dog.jpg" or die;
    binmode $good;
    read $good, my $bytes, 300;
    print $bad $bytes;
    close $bad;
    my ($status, $stdout, $stderr) =
        run_tool(['amass-classify', '-q', '-m', "$models/nanodet", '-f', 'tsv', "$photos/eagle.jpg", "$work/cut.jpg", "$photos/giraffe.jpg"]);
    ok($status == 1, 'a cut JPEG among the photos: exit 1', "exit $status", $stderr);
    ok($stderr =~ /cut\.jpg/ && ($stderr =~ tr/\n//) == 1, 'one error line naming it', $stderr);
    ok($stdout =~ /eagle\.jpg\tbird\t/ && $stdout =~ /giraffe\.jpg\tgiraffe\t/ && $stdout !~ /cut\.jpg/,
       'the photos around it are labelled', $stdout);
}
done();
