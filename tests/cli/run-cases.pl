#!/usr/bin/perl
# Runs the CLI cases kept as data in tests/cli/*.cases and prints TAP.
#
# A case file holds cases separated by "### name" lines. Sections:
#   setup:            shell run first in the case's fresh directory
#   command:          one shell line; the tools are on PATH, $TESTDATA is
#                     the testdata directory
#   stdin:            lines fed to the command (none: /dev/null)
#   stdout:           expected standard output, exactly
#   stdout-contains:  lines that must each appear in standard output
#   stderr:           expected standard error, exactly
#   stderr-contains:  lines that must each appear in standard error
#   check:            shell run afterwards in the same directory; must exit 0
#   exit:             expected exit status (default 0)
#   skip-unless:      shell run first; when it fails the case is skipped
#                     (TAP "# SKIP"), e.g. when installed test data is absent
# Section bodies run to the next section, less trailing blank lines;
# "\t" in bodies stands for a tab so that cases stay readable.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);

my $srcdir = abs_path($ENV{top_srcdir} // '.');
my $testdata = "$srcdir/testdata";
my @files = @ARGV ? @ARGV : glob("$srcdir/tests/cli/*.cases");
my @sections = qw(skip-unless setup command stdin stdout stdout-contains stderr stderr-contains check exit);
my $section_re = join '|', map { quotemeta } @sections;

my @cases;
for my $file (@files) {
    open my $in, '<', $file or die "$file: $!";
    my ($case, $section);
    while (my $line = <$in>) {
        if ($line =~ /^### (.*)/) {
            $case = { name => $1, file => $file, line => $. };
            push @cases, $case;
            undef $section;
        } elsif ($case && $line =~ /^($section_re):\s?(.*)$/) {
            $section = $1;
            $case->{$section} = length $2 ? "$2\n" : '';
        } elsif ($case && defined $section) {
            $case->{$section} .= $line;
        } elsif ($line !~ /^\s*(#.*)?$/) {
            die "$file:$.: text outside a case section\n";
        }
    }
}

# Blank lines between cases belong to no section.
for my $case (@cases) {
    for my $section (@sections) {
        next unless defined $case->{$section};
        $case->{$section} =~ s/\n+\z/\n/;
        $case->{$section} = '' if $case->{$section} eq "\n";
    }
}

sub unescape { my $text = shift // ''; $text =~ s/\\t/\t/g; return $text }

sub slurp { my $path = shift; local $/; open my $f, '<', $path or return ''; my $s = <$f>; return $s // '' }

sub spew { my ($path, $text) = @_; open my $f, '>', $path or die "$path: $!"; print $f $text; close $f }

print "1..", scalar(@cases), "\n";
my $number = 0;
for my $case (@cases) {
    $number++;
    my $dir = tempdir(CLEANUP => 1);
    my @problems;
    local $ENV{TESTDATA} = $testdata;
    if (defined $case->{'skip-unless'}) {
        spew("$dir/.skip", $case->{'skip-unless'});
        if (system('sh', '-c', "cd '$dir' && . ./.skip >/dev/null 2>&1") != 0) {
            my $reason = $case->{'skip-unless'} =~ s/\s+/ /gr =~ s/ $//r;
            print "ok $number - $case->{name} # SKIP needs: $reason\n";
            next;
        }
    }
    if (defined $case->{setup}) {
        spew("$dir/.setup", $case->{setup});
        system('sh', '-c', "cd '$dir' && . ./.setup") == 0 or push @problems, "setup failed";
    }
    spew("$dir/.stdin", unescape($case->{stdin}));
    my $command = $case->{command} // die "$case->{file}:$case->{line}: case has no command\n";
    chomp $command;
    system('sh', '-c', "cd '$dir' && ($command) <.stdin >.stdout 2>.stderr");
    my $status = $? == -1 ? -1 : ($? & 127) ? 128 + ($? & 127) : $? >> 8;
    my $stdout = slurp("$dir/.stdout");
    my $stderr = slurp("$dir/.stderr");
    my $want_exit = defined $case->{exit} ? ($case->{exit} =~ /(\d+)/)[0] : 0;
    push @problems, "exit status $status, want $want_exit" if $status != $want_exit;
    if (defined $case->{stdout} && $stdout ne unescape($case->{stdout})) {
        push @problems, "stdout differs:\n--- got\n$stdout--- want\n" . unescape($case->{stdout});
    }
    if (defined $case->{stderr} && $stderr ne unescape($case->{stderr})) {
        push @problems, "stderr differs:\n--- got\n$stderr--- want\n" . unescape($case->{stderr});
    }
    for my $want (split /\n/, unescape($case->{'stdout-contains'})) {
        push @problems, "stdout lacks: $want\n--- got\n$stdout" if index($stdout, $want) < 0;
    }
    for my $want (split /\n/, unescape($case->{'stderr-contains'})) {
        push @problems, "stderr lacks: $want\n--- got\n$stderr" if index($stderr, $want) < 0;
    }
    if (defined $case->{check}) {
        spew("$dir/.check", $case->{check});
        my $output = `cd '$dir' && sh ./.check 2>&1`;
        push @problems, "check failed:\n$output" if $? != 0;
    }
    # A sanitizer report fails the case even when the output matched.
    push @problems, "sanitizer report:\n$stderr" if $stderr =~ /(AddressSanitizer|runtime error:|LeakSanitizer)/;
    my $name = "$case->{name} ($case->{file}:$case->{line})";
    $name =~ s{^\Q$srcdir/\E}{}; $name =~ s{\(\Q$srcdir/\E}{(};
    if (@problems) {
        print "not ok $number - $name\n";
        print map { s/^/#   /mgr . "\n" } @problems;
    } else {
        print "ok $number - $name\n";
    }
}
