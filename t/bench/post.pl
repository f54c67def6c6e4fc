#!/usr/bin/perl
# post.pl PORT PATH FILE N [SESSIONS]: sends the body of FILE N times as
# POSTs on one keep-alive connection, one after another, and counts the
# answers.
use strict;
use warnings;
use IO::Socket::INET;

my ($port, $path, $file, $n, $sessions) = @ARGV;

open my $fh, '<:raw', $file or die "$file: $!";
my $body = do { local $/; <$fh> };
close $fh;

my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
    or die "connect: $!";

# SESSIONS: the body's session id varied over that many values (the end
# of the id replaced, the length kept), one after another
my @reqs = map {
    my $b = $body;
    $b =~ s/("session":\{"id":"[^"]*)[^"]{4}"/sprintf '%s%04x"', $1, $_/e
        if $sessions;
    "POST $path HTTP/1.1\r\nHost: localhost\r\n"
    . "Content-Type: text/plain;charset=UTF-8\r\n"
    . "Content-Length: " . length($b) . "\r\n\r\n" . $b
} 0 .. ($sessions || 1) - 1;
my %status;

for my $i (1 .. $n) {
    print $sock $reqs[$i % @reqs];

    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        my $got = sysread($sock, $head, 4096, length $head);
        die "connection closed\n" unless $got;
    }

    my ($code) = $head =~ m{^HTTP/1\.1 (\d+)};
    my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
    my $rest = length($head) - index($head, "\r\n\r\n") - 4;
    $len //= 0;
    while ($rest < $len) {
        my $got = sysread($sock, my $buf, $len - $rest);
        die "connection closed\n" unless $got;
        $rest += $got;
    }
    $status{$code}++;
}

print join(' ', map { "$_:$status{$_}" } sort keys %status), "\n";
