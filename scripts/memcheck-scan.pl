#!/usr/bin/perl
# Reads valgrind memcheck logs (one per process) written by memcheck.sh and
# sorts their errors into those in the extension and those outside it.
#
#   memcheck-scan.pl LOG...
#
# An error is the extension's when a frame of its main stack (the one
# right under the error line, not the stacks of where a block was
# allocated or freed) is in pgmq.so: "(in .../pgmq.so)" without debug
# info, ".../src/<file>.c:N" of one of the extension's sources with it.
# A process killed by a signal counts as an error of the extension too:
# the regression suite must not crash the server.
#
# Prints each distinct extension error in full, with valgrind's suggested
# suppression, and a short list of the errors outside the extension.
# Exits 1 if the extension has errors, 0 otherwise.
use strict;
use warnings;
use File::Basename qw(dirname);

my $src_dir = dirname(__FILE__) . '/../extension/src';
my @sources = map { s{.*/}{}r } glob("$src_dir/*.c");
my $src_re = @sources ? join('|', map { quotemeta } @sources) : 'pgmq\.c';
my $ext_frame = qr{pgmq\.so\)|/src/(?:$src_re):\d+\)};

my (%ext, %out);       # signature -> { count, pids, text, supp }
my ($nfiles, $nerrors_ext, $nerrors_out) = (0, 0, 0);

for my $file (@ARGV) {
	open(my $fh, '<', $file) or die "$file: $!";
	$nfiles++;
	my @block;          # message lines of the current block
	my $last;           # the last error recorded, for its suppression
	my $in_supp = 0;
	my @supp;
	my $flush = sub {
		return unless @block;
		my @b = @block;
		@block = ();
		my $crash = $b[0] =~ /^Process terminating with default action of signal/;
		return unless $crash || (@b > 1 && $b[1] =~ /^\s+at 0x/);
		# Main stack: the frame lines right after the message.
		my @main;
		for my $i (1 .. $#b) {
			last unless $b[$i] =~ /^\s+(?:at|by) 0x/ || ($crash && $b[$i] =~ /^\s/ && !@main);
			push @main, $b[$i] if $b[$i] =~ /^\s+(?:at|by) 0x/;
		}
		my $is_ext = $crash || grep { /$ext_frame/ } @main;
		my @funcs = map { /0x[0-9A-F]+: (.*)/ ? $1 : $_ } @main[0 .. ($#main < 7 ? $#main : 7)];
		s/ \(in [^)]*\)$// for @funcs;
		(my $msg = $b[0]) =~ s/0x[0-9A-Fa-f]+/0x./g;
		my $sig = join("\n", $msg, @funcs);
		my $h = $is_ext ? \%ext : \%out;
		$is_ext ? $nerrors_ext++ : $nerrors_out++;
		my $pid = $file =~ m{(\d+)\.log$} ? $1 : $file;
		$h->{$sig} //= { count => 0, pids => {}, text => join("\n", @b), supp => '' };
		$h->{$sig}{count}++;
		$h->{$sig}{pids}{$pid} = 1;
		$last = $h->{$sig};
	};
	while (my $line = <$fh>) {
		chomp $line;
		if ($line =~ /^==\d+== ?(.*)$/) {
			my $text = $1;
			if ($text eq '') { $flush->(); next; }
			push @block, $text;
		} elsif ($line eq '{') {
			$flush->();
			$in_supp = 1;
			@supp = ($line);
		} elsif ($in_supp) {
			push @supp, $line;
			if ($line eq '}') {
				$in_supp = 0;
				$last->{supp} ||= join("\n", @supp) if $last;
			}
		}
	}
	$flush->();
	close $fh;
}

sub report {
	my ($h, $full) = @_;
	for my $sig (sort { $h->{$b}{count} <=> $h->{$a}{count} || $a cmp $b } keys %$h) {
		my $e = $h->{$sig};
		my @pids = sort keys %{ $e->{pids} };
		printf "-- %d time(s) in %d process(es) (e.g. %s.log)\n", $e->{count}, scalar @pids, $pids[0];
		if ($full) {
			print "$e->{text}\n";
			print "suggested suppression:\n$e->{supp}\n" if $e->{supp};
		} else {
			my @lines = split /\n/, $e->{text};
			print join("\n", @lines[0 .. ($#lines < 4 ? $#lines : 4)]), "\n";
		}
	}
}

if (%out) {
	printf "== %d error(s) outside the extension, %d distinct (PostgreSQL itself; not counted):\n",
		$nerrors_out, scalar keys %out;
	report(\%out, 0);
}
if (%ext) {
	printf "== %d error(s) IN THE EXTENSION, %d distinct:\n", $nerrors_ext, scalar keys %ext;
	report(\%ext, 1);
}
printf "memcheck: %d process log(s): %d error(s) in the extension, %d outside it\n",
	$nfiles, $nerrors_ext, $nerrors_out;
exit(%ext ? 1 : 0);
