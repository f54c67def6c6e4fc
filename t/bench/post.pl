#!/usr/bin/perl
# post.pl PORT PATH FILE N: sends the body of FILE N times as POSTs on one
# keep-alive connection, one after another, and counts the answers.
use strict;
use warnings;
use IO::Socket::INET;

my ($port, $path, $file, $n) = @ARGV;

open my $fh, '<:raw', $file or die "$file: $!";
my $body = do { local $/; <$fh> };
close $fh;

my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
    or die "connect: $!";

my $req = "POST $path HTTP/1.1\r\nHost: localhost\r\n"
          . "Content-Type: text/plain;charset=UTF-8\r\n"
          . "Content-Length: " . length($body) . "\r\n\r\n" . $body;
my %status;

for (1 .. $n) {
    print $sock $req;

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
