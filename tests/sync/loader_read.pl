#!/usr/bin/perl
# loader_read.pl MODE FILE...: reads cardroll batch files the way the ILS
# loaders read them and prints what they would take, as JSON lines (one
# object per data row: the header's columns, plus "_attributes" for koha).
# Exit 1, naming the file and line, on any row the loader would lose.
#
#   koha              Koha::Patrons::Import: the file a line at a time, each
#                     line parsed with Text::CSV (binary => 1); the
#                     patron_attributes cell, curly quotes made straight,
#                     parsed again with Text::CSV (binary => 1) and each
#                     item split at its first ':'.
#   evergreen         Evergreen's patron_loader: a line at a time, CRs
#                     removed, Text::CSV with only sep_char set (no
#                     binary); a line that does not parse is skipped by the
#                     loader without a word. Fields trimmed as it trims.
#   evergreen-binary  the same with binary => 1 (a patched loader).
# Written from how those programs read (behaviour, not their code).
use strict;
use warnings;
use Text::CSV;
use JSON::PP;
use Encode qw(decode);

my $mode = shift @ARGV or die "usage: loader_read.pl koha|evergreen|evergreen-binary FILE...\n";
my $json = JSON::PP->new->utf8->canonical;
my $bad = 0;

# Text::CSV (the pure-Perl backend) hands back a field of valid UTF-8
# already decoded; anything else is bytes, read as UTF-8 for the JSON.
sub text {
	my $s = shift;
	return utf8::is_utf8($s) ? $s : decode('UTF-8', $s);
}

for my $file (@ARGV) {
	open(my $fh, '<', $file) or die "$file: $!\n";
	binmode $fh;
	my $csv = $mode eq 'evergreen' ? Text::CSV->new({ sep_char => ',' })
	                               : Text::CSV->new({ binary => 1, sep_char => ',' });
	my $head = <$fh>;
	$head =~ s/\r//g if $mode ne 'koha';
	$csv->parse($head) or die "$file: the header does not parse\n";
	my @cols = $csv->fields();
	s/ +//g for @cols;
	while (my $line = <$fh>) {
		my $n = $.;
		$line =~ s/\r//g if $mode ne 'koha';
		if (!$csv->parse($line)) {
			print STDERR "$file:$n: the $mode loader cannot parse this row (it would be lost)\n";
			$bad = 1;
			next;
		}
		my @f = $csv->fields();
		if (@f != @cols) {
			print STDERR "$file:$n: " . scalar(@f) . " fields, header has " . scalar(@cols) . "\n";
			$bad = 1;
			next;
		}
		if ($mode ne 'koha') {
			s/\s*$// for @f;
			s/^\s+|\s+$//g for @f;
		}
		my %row;
		@row{@cols} = map { text($_) } @f;
		if ($mode eq 'koha' && defined $row{patron_attributes}) {
			my $s = $f[ (grep { $cols[$_] eq 'patron_attributes' } 0 .. $#cols)[0] ];
			$s =~ s/\xe2\x80\x9c/"/g;
			$s =~ s/\xe2\x80\x9d/"/g;
			my $a = Text::CSV->new({ binary => 1 });
			if ($s ne '' && !$a->parse($s)) {
				print STDERR "$file:$n: patron_attributes does not parse: Koha would store none\n";
				$bad = 1;
				next;
			}
			$row{_attributes} = [ map { my ($c, $v) = split /:/, $_, 2; { code => text($c), attribute => text($v // '') } }
			                      ($s ne '' ? $a->fields() : ()) ];
		}
		print $json->encode(\%row), "\n";
	}
	close($fh);
}
exit $bad;
