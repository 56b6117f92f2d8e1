# What the Perl CLI tests share: TAP output (ok, skip_all, done) and
# running a command with its output captured (run_tool, slurp).
package TapCli;
use strict;
use warnings;
use Exporter qw(import);
use File::Temp qw(tempdir);
use POSIX qw(_exit);

our @EXPORT = qw(ok skip_all done slurp run_tool);

my $count = 0;

sub ok {
    my ($passed, $name, @diagnostics) = @_;
    $count++;
    print(($passed ? '' : 'not '), "ok $count - $name\n");
    unless ($passed) {
        print "#   $_\n" for map { split /\n/ } @diagnostics;
    }
    return $passed;
}

sub skip_all {
    print "1..0 # SKIP $_[0]\n";
    exit 0;
}

sub done {
    print "1..$count\n";
    exit 0;
}

sub slurp {
    my ($path) = @_;
    open my $in, '<:raw', $path or die "$path: $!";
    local $/;
    my $text = <$in>;
    return $text // '';
}

# Runs a command (a list: no shell, so any bytes pass in names) with stdin
# from /dev/null; returns (exit status, stdout, stderr). A command killed
# by a signal reports 128 + the signal. With timeout (seconds), a command
# still running then is killed and reported as exit status 'timeout'.
sub run_tool {
    my ($command, %options) = @_;
    my $work = tempdir(CLEANUP => 1);
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$work/out";
        open STDERR, '>', "$work/err";
        chdir $options{directory} if $options{directory};
        exec { $command->[0] } @$command or _exit(127);
    }
    my $timed_out = 0;
    if ($options{timeout}) {
        local $SIG{ALRM} = sub { $timed_out = 1; kill 'KILL', $pid };
        alarm $options{timeout};
        waitpid $pid, 0;
        alarm 0;
    } else {
        waitpid $pid, 0;
    }
    my $status = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    $status = 'timeout' if $timed_out;
    return ($status, slurp("$work/out"), slurp("$work/err"));
}

1;
