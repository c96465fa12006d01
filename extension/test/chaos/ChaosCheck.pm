# The checker of the crash-chaos run: reads the histories the clients wrote
# (client.pl describes the format) and the queues' final contents, and
# counts, per queue, every way the run could have broken a promise:
#
#   lost              an acknowledged send that ended nowhere: not in the
#                     queue or archive table at the end, never popped, and
#                     no delete or archive of it returned true (or was cut
#                     off). Clients run every call as BEGIN; call; COMMIT,
#                     so a pop's rows are seen before its COMMIT is sent: an
#                     interrupted pop whose rows were not seen took nothing.
#   phantom           a delivered or stored message that no send produced
#                     under that msg_id (also a rolled-back send's).
#   ids_reissued      one msg_id given to two different sends.
#   ids_backwards     a send that began after another was acknowledged got
#                     a smaller msg_id (ids must never go back, crash or not).
#   unjustified_dup   a second delivery inside a committed lease: it began
#                     (its vt minus the lease) before the earlier committed
#                     delivery's vt.
#   read_ct_repeat    two committed deliveries with the same read_ct.
#   redelivered_after_delete  a delivery that began after a delete, archive
#                     or pop of that message was acknowledged.
#   archive_dup       an archive acknowledged true twice, or one refused with
#                     a duplicate key; an acknowledged archive missing from
#                     the archive table counts too.
#   pop_dup           a message popped again after a committed pop.
#   completed_twice   a message deleted/archived/popped with success twice.
#
# All counts are numbers; check() also returns the evidence (acks,
# deliveries, redeliveries, ...). inject() makes each anomaly in a history,
# for the self-test.
package ChaosCheck;

use strict;
use warnings;

our @ANOMALIES = qw(lost phantom ids_reissued ids_backwards unjustified_dup read_ct_repeat
  redelivered_after_delete archive_dup pop_dup completed_twice);

sub _rows
{
	my ($text) = @_;
	return [] unless defined $text && $text ne '';
	return [
		map {
			my ($id, $rc, $vt, $p, $s) = split /:/;
			{ id => $id, rc => $rc, vt => $vt, p => $p, s => $s }
		} split /,/, $text
	];
}

# Reads history.* from dir: returns { queue => { sends, rolled_back, reads,
# pops, acks } }.
sub load_history
{
	my ($dir) = @_;
	my %h;
	for my $file (glob("$dir/history.*"))
	{
		open(my $f, '<', $file) or die "$file: $!";
		while (my $line = <$f>)
		{
			chomp $line;
			my ($op, $status, $client, $t_inv, $t_done, $queue, @f) = split /\t/, $line, -1;
			next unless defined $queue;
			my $q = ($h{$queue} //= { sends => [], rolled_back => [], reads => [], pops => [], acks => [] });
			my %e = (op => $op, status => $status, client => $client, t_inv => $t_inv, t_done => $t_done);
			if ($op eq 'send')
			{
				$e{delay} = $f[0];
				$e{t0} = $f[1];
				$e{items} = [ map { my ($s, $id) = split /=/, $_, -1; { s => $s, id => $id } } split /,/, $f[2] ];
				push @{ $q->{sends} }, \%e;
			}
			elsif ($op eq 'send_rb')
			{
				$e{items} = [ map { { s => $_ } } split /,/, $f[2] ];
				push @{ $q->{rolled_back} }, \%e;
			}
			elsif ($op eq 'read')
			{
				$e{rows} = _rows($f[0]);
				push @{ $q->{reads} }, \%e;
			}
			elsif ($op eq 'pop')
			{
				$e{t} = $f[0];
				$e{qty} = $f[1];
				$e{rows} = _rows($f[2]);
				push @{ $q->{pops} }, \%e;
			}
			elsif ($op eq 'delete' || $op eq 'archive')
			{
				$e{id} = $f[0];
				$e{result} = $f[1];
				$e{error} = $f[2] // '';
				push @{ $q->{acks} }, \%e;
			}
		}
		close($f);
	}
	return \%h;
}

# Reads a final-state file of "msg_id|p|s" lines.
sub load_final
{
	my ($file) = @_;
	my @rows;
	open(my $f, '<', $file) or die "$file: $!";
	while (my $line = <$f>)
	{
		chomp $line;
		next if $line eq '';
		my ($id, $p, $s) = split /\|/, $line, -1;
		push @rows, { id => $id, p => $p, s => $s };
	}
	close($f);
	return \@rows;
}

# Checks one queue. q: its history (load_history's entry); final: { q =>
# rows, a => rows }; vt_us: the lease the consumers take. Returns counts.
sub check
{
	my ($q, $final, $vt_us) = @_;
	my %c = map { $_ => 0 } @ANOMALIES;
	my (%holders, %unknown_ps, %terminal, %seen);

	# Sends: which (p, s) each id stands for, with the send's status.
	for my $e (@{ $q->{sends} })
	{
		next if $e->{status} eq 'fail';
		for my $it (@{ $e->{items} })
		{
			my $ps = "$e->{client}:$it->{s}";
			if ($it->{id} eq '')
			{
				$unknown_ps{$ps} = 1;
				next;
			}
			$holders{ $it->{id} }{$ps} = $e->{status};
			$c{acked}++ if $e->{status} eq 'ok';
			$c{sends_info}++ if $e->{status} eq 'info';
		}
	}
	$c{rolled_back} = scalar @{ $q->{rolled_back} };

	# Ids never go back: a send invoked after another's acknowledgement gets
	# greater ids.
	my @acked = sort { $a->{t_done} <=> $b->{t_done} }
	  grep { $_->{status} eq 'ok' && !grep { $_->{id} eq '' } @{ $_->{items} } } @{ $q->{sends} };
	my @by_inv = sort { $a->{t_inv} <=> $b->{t_inv} } @acked;
	my ($i, $max) = (0, 0);
	for my $e (@by_inv)
	{
		while ($i < @acked && $acked[$i]{t_done} < $e->{t_inv})
		{
			for my $it (@{ $acked[$i]{items} })
			{
				$max = $it->{id} if $it->{id} > $max;
			}
			$i++;
		}
		my ($min) = sort { $a <=> $b } map { $_->{id} } @{ $e->{items} };
		$c{ids_backwards}++ if $min <= $max;
	}

	# Phantoms: everything seen must come from a send under that id.
	my $is_phantom = sub {
		my ($r) = @_;
		my $ps = "$r->{p}:$r->{s}";
		$seen{ $r->{id} }{$ps} = 1;
		return !exists $holders{ $r->{id} }{$ps} if exists $holders{ $r->{id} };
		return !$unknown_ps{$ps};
	};

	# Deliveries by id: base is when the claim looked at the clock.
	my %deliv;
	for my $e (@{ $q->{reads} })
	{
		for my $r (@{ $e->{rows} })
		{
			$c{phantom}++ if $is_phantom->($r);
			push @{ $deliv{ $r->{id} } },
			  { base => $r->{vt} - $vt_us, vt => $r->{vt}, rc => $r->{rc}, ok => $e->{status} eq 'ok',
				t_inv => $e->{t_inv} };
			if ($e->{status} eq 'ok')
			{
				$c{deliveries}++;
				$c{redeliveries}++ if $r->{rc} > 1;
			}
		}
	}
	# A pop whose COMMIT was cut off may not have happened: only a message
	# popped again after a committed pop is a duplicate.
	my (%popped, %done_at);
	for my $e (sort { $a->{t_inv} <=> $b->{t_inv} } @{ $q->{pops} })
	{
		for my $r (@{ $e->{rows} })
		{
			$c{phantom}++ if $is_phantom->($r);
			$c{pop_dup}++ if $popped{ $r->{id} };
			$popped{ $r->{id} } = 1 if $e->{status} eq 'ok';
			$terminal{ $r->{id} } = 1;
			push @{ $deliv{ $r->{id} } }, { base => $e->{t}, pop => 1, t_inv => $e->{t_inv} };
			if ($e->{status} eq 'ok')
			{
				$c{pops}++;
				$c{completed_twice}++ if $done_at{ $r->{id} };
				$done_at{ $r->{id} } = $e->{t_done};
			}
		}
	}

	# Deletes and archives.
	my %archived;
	for my $e (@{ $q->{acks} })
	{
		$c{archive_dup}++ if $e->{op} eq 'archive' && $e->{error} =~ /duplicate key/;
		next if $e->{status} eq 'fail';
		$terminal{ $e->{id} } = 1 if $e->{status} eq 'info' || $e->{result} eq 't';
		next unless $e->{status} eq 'ok';
		if ($e->{result} eq 'f')
		{
			$c{acks_false}++;
			next;
		}
		$c{ $e->{op} eq 'archive' ? 'archives' : 'deletes' }++;
		$c{archive_dup}++ if $e->{op} eq 'archive' && $archived{ $e->{id} }++;
		$c{completed_twice}++ if $done_at{ $e->{id} };
		$done_at{ $e->{id} } = $e->{t_done}
		  if !$done_at{ $e->{id} } || $e->{t_done} < $done_at{ $e->{id} };
	}

	# Final contents.
	my %in_a = map { $_->{id} => 1 } @{ $final->{a} };
	for my $r (@{ $final->{q} }, @{ $final->{a} })
	{
		$c{phantom}++ if $is_phantom->($r);
		$terminal{ $r->{id} } = 1;
	}
	$c{final_queued} = scalar @{ $final->{q} };
	for my $id (keys %archived)
	{
		$c{archive_dup}++ unless $in_a{$id};
	}

	# Leases and deletes, message by message.
	for my $id (keys %deliv)
	{
		my @d = sort { $a->{base} <=> $b->{base} } @{ $deliv{$id} };
		my %rc;
		for my $k (0 .. $#d)
		{
			my $d1 = $d[$k];
			next if $d1->{pop};
			$c{read_ct_repeat}++ if $d1->{ok} && $rc{ $d1->{rc} }++;
			next unless $d1->{ok};
			for my $m ($k + 1 .. $#d)
			{
				last if $d[$m]{base} >= $d1->{vt};
				$c{unjustified_dup}++;
			}
		}
		if (my $t = $done_at{$id})
		{
			$c{redelivered_after_delete}++ for grep { $_->{t_inv} > $t } @d;
		}
	}

	# Lost: acknowledged sends that ended nowhere.
	for my $e (@{ $q->{sends} })
	{
		next unless $e->{status} eq 'ok';
		$c{lost} += grep { $_->{id} ne '' && !$terminal{ $_->{id} } } @{ $e->{items} };
	}
	$c{$_} //= 0 for qw(acked sends_info deliveries redeliveries pops deletes archives acks_false);
	# Reissued ids: one id given to two sends that both committed, as far
	# as the history knows (acknowledged, or its message was seen). A send
	# cut off before its COMMIT returned may not have committed; if it left
	# no trace, its id may be handed out again after the crash.
	for my $id (keys %holders)
	{
		my $h = $holders{$id};
		next if keys %$h < 2;
		my $committed = grep { $h->{$_} eq 'ok' || $seen{$id}{$_} } keys %$h;
		$c{ids_reissued} += $committed - 1 if $committed >= 2;
	}

	return \%c;
}

# Copy of a hash or array one level deep (inject copies what it changes).
sub _copy
{
	my ($x) = @_;
	return ref $x eq 'HASH' ? {%$x} : [@$x];
}

# Returns a copy of (history, final) with one anomaly of the given kind
# made in it, or () when the history has nothing to make it from.
sub inject
{
	my ($kind, $q0, $final0, $vt_us) = @_;
	my ($q, $final) = ({ map { $_ => _copy($q0->{$_}) } keys %$q0 }, $final0);
	my @ok_reads = grep { $_->{status} eq 'ok' && @{ $_->{rows} } } @{ $q->{reads} };
	my @ok_sends = grep { $_->{status} eq 'ok' && $_->{items}[0]{id} ne '' } @{ $q->{sends} };
	my @deletes = grep { $_->{status} eq 'ok' && $_->{result} eq 't' } @{ $q->{acks} };
	if ($kind eq 'lost')
	{
		# Forget how a delivered message ended: it now ends nowhere.
		my %popped = map { $_->{id} => 1 } map { @{ $_->{rows} } } @{ $q->{pops} };
		my %kept = map { $_->{id} => 1 } @{ $final->{q} }, @{ $final->{a} };
		my %acked = map { $_->{id} => 1 } map { @{ $_->{items} } } @ok_sends;
		my ($d) = grep { $acked{ $_->{id} } && !$popped{ $_->{id} } && !$kept{ $_->{id} } } @deletes
		  or return;
		@{ $q->{acks} } = grep { $_->{id} ne $d->{id} } @{ $q->{acks} };
	}
	elsif ($kind eq 'phantom')
	{
		@ok_reads or return;
		my $e = _copy($ok_reads[0]);
		$e->{rows} = [ { %{ $e->{rows}[0] }, s => $e->{rows}[0]{s} + 1_000_000 } ];
		@{ $q->{reads} } = map { $_ == $ok_reads[0] ? $e : $_ } @{ $q->{reads} };
	}
	elsif ($kind eq 'ids_reissued')
	{
		@ok_sends >= 2 or return;
		my $e = _copy($ok_sends[-1]);
		$e->{items} = [ { s => 9_999_999, id => $ok_sends[0]{items}[0]{id} } ];
		push @{ $q->{sends} }, $e;
	}
	elsif ($kind eq 'ids_backwards')
	{
		@ok_sends >= 2 or return;
		my ($first) = sort { $a->{t_done} <=> $b->{t_done} } @ok_sends;
		my $e = _copy($first);
		$e->{t_inv} = $first->{t_done} + 1;
		$e->{t_done} = $e->{t_inv} + 1;
		$e->{items} = [ { s => 9_999_998, id => 0 } ];
		push @{ $q->{sends} }, $e;
	}
	elsif ($kind eq 'unjustified_dup' || $kind eq 'read_ct_repeat')
	{
		@ok_reads or return;
		my $e = _copy($ok_reads[0]);
		$e->{rows} = [ _copy($e->{rows}[0]) ];
		$e->{rows}[0]{vt} += 1 if $kind eq 'unjustified_dup';
		$e->{rows}[0]{vt} += 10 * $vt_us if $kind eq 'read_ct_repeat';
		push @{ $q->{reads} }, $e;
	}
	elsif ($kind eq 'redelivered_after_delete')
	{
		@deletes or return;
		my $d = $deletes[0];
		my ($read) = grep { grep { $_->{id} eq $d->{id} } @{ $_->{rows} } } @{ $q->{reads} } or return;
		my $e = _copy($read);
		$e->{rows} = [ map { _copy($_) } grep { $_->{id} eq $d->{id} } @{ $e->{rows} } ];
		$e->{rows}[0]{vt} += 100 * $vt_us;
		$e->{rows}[0]{rc} += 1000;
		$e->{t_inv} = $d->{t_done} + 1;
		push @{ $q->{reads} }, $e;
	}
	elsif ($kind eq 'archive_dup')
	{
		my ($a) = grep { $_->{op} eq 'archive' && $_->{status} eq 'ok' && $_->{result} eq 't' } @{ $q->{acks} }
		  or return;
		push @{ $q->{acks} }, _copy($a);
	}
	elsif ($kind eq 'pop_dup')
	{
		my ($p) = grep { $_->{status} eq 'ok' && @{ $_->{rows} } } @{ $q->{pops} } or return;
		my $e = _copy($p);
		$e->{t_inv} += 1;
		push @{ $q->{pops} }, $e;
	}
	elsif ($kind eq 'completed_twice')
	{
		@deletes or return;
		my $e = _copy($deletes[0]);
		$e->{op} = 'delete';
		$e->{t_done} += 1;
		push @{ $q->{acks} }, $e;
	}
	else
	{
		die "unknown anomaly $kind";
	}
	return ($q, $final);
}

1;
