package Test::Nginx::Lite::HTTP;

# The client side of the lite Test::Nginx::Socket: builds the raw requests
# of a block, sends them over plain sockets and parses the responses
# (chunked bodies decoded, Content-Length honoured, nothing else decoded:
# a gzip body is compared as the bytes nginx sent).

use strict;
use warnings;
no warnings "once";    # settings live in Test::Nginx::Lite::Server

use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use Errno qw(EAGAIN EWOULDBLOCK EINPROGRESS);
use Time::HiRes qw(sleep time);

sub _srv () { 'Test::Nginx::Lite::Server' }

# "Name: value" lines of --- more_headers (# comments skipped) -> raw
# header text, and whether it asks for a chunked request body.
sub parse_more_headers ($) {
    my $in = shift;
    my ($out, $chunked) = ('', 0);
    for my $line (split /\n+/, $in) {
        next if $line =~ /^\s*#/;
        my ($k, $v) = split /:\s*/, $line, 2;
        $v = '' unless defined $v;
        $chunked = 1 if lc $k eq 'transfer-encoding' && $v eq 'chunked';
        $out .= "$k: $v\r\n";
    }
    return ($out, $chunked);
}

# One "--- request" text -> raw HTTP request.  First line: METHOD [URI
# [VERSION]] (defaults "/" and HTTP/1.1); the rest is the body, trimmed,
# with a Content-Length unless the body is chunked or one is given.
sub build_request {
    my ($name, $text, $more, $conn) = @_;
    my ($headers, $chunked) = parse_more_headers($more);

    $text =~ s/^\s*(?:#[^\n]*\s+)*//s;     # leading comments and blanks
    my ($first, $body) = split /\n/, $text, 2;
    Test::Nginx::Socket::bail_out("$name - Request line should be non-empty")
        unless defined $first && $first =~ /\S/;
    my ($meth, $uri, $ver) = split ' ', $first;
    $uri = '/' unless defined $uri;
    $ver = 'HTTP/1.1' unless defined $ver;
    $body = '' unless defined $body;

    my $len = '';
    if (!$chunked && $body ne '' && $headers !~ /(?:^|\n)Content-Length:/) {
        $body =~ s/^\s+|\s+$//gs;
        $len = "Content-Length: " . length($body) . "\r\n";
    }

    my $h = '';
    $h .= "Host: $Test::Nginx::Lite::Server::ServerName\r\n"
        if $headers !~ /(?:^|\n)Host:/i;
    $h .= "Connection: $conn\r\n" if $headers !~ /(?:^|\n)Connection/i;

    return "$meth $uri $ver\r\n$h$headers$len\r\n$body";
}

# All requests of a block: a list of connections, each a list of packets
# ({ value => bytes, delay_before => secs }).
sub requests_from_block {
    my ($class, $block) = @_;
    my $name = $block->name;

    if (defined(my $raw = $block->raw_request)) {
        my @bits = ref $raw eq 'ARRAY' ? @$raw : ($raw);
        return [[ map { { value => $_ } } @bits ]];
    }

    my $more = $block->more_headers;
    $more = '' unless defined $more;
    my $hdr_for = sub {
        my $i = shift;
        return $more unless ref $more eq 'ARRAY';
        my $h = $more->[$i];
        Test::Nginx::Socket::bail_out("--- more_headers lacks data for the "
                                      . "request $i") unless defined $h;
        return $h;
    };

    if (my $reqs = $block->pipelined_requests) {
        Test::Nginx::Socket::bail_out("$name - invalid entries in "
            . "--- pipelined_requests") unless ref $reqs eq 'ARRAY';
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my $r = Test::Nginx::Lite::Server::expand_env_in_text($reqs->[$i], $name);
            $all .= build_request($name, $r, $hdr_for->($i),
                                  $i == $#$reqs ? 'close' : 'keep-alive');
        }
        return [[ { value => $all } ]];
    }

    my $req = $block->request;
    return [] unless defined $req;

    if (!ref $req) {
        return [[ { value => build_request($name, $req, $hdr_for->(0), 'close') } ]];
    }

    Test::Nginx::Socket::bail_out("$name - invalid --- request: MUST be a "
        . "string or an array of requests") unless ref $req eq 'ARRAY';

    my @list;
    for my $i (0 .. $#$req) {
        my $one = $req->[$i];
        if (!ref $one) {
            push @list, [ { value => build_request($name, $one, $hdr_for->($i),
                                                   'close') } ];
            next;
        }
        # A request given as packets: the headers go after the first line,
        # which must be whole in the first packet.
        Test::Nginx::Socket::bail_out("$name - packets must be an array")
            unless ref $one eq 'ARRAY';
        my @packets = map { ref $_ ? { %$_ } : { value => $_ } } @$one;
        my $text = join '', map { $_->{value} } @packets;
        my $full = build_request($name, $text, $hdr_for->($i), 'close');
        # keep the original packet boundaries, measured from the end
        my @lens = map { length $_->{value} } @packets;
        my $tail = 0;
        $tail += $_ for @lens[1 .. $#lens];
        $tail = length $full if $tail > length $full;
        $packets[0]{value} = substr $full, 0, length($full) - $tail;
        my $off = length($full) - $tail;
        for my $k (1 .. $#packets) {
            $packets[$k]{value} = substr $full, $off, $lens[$k];
            $off += $lens[$k];
        }
        push @list, \@packets;
    }
    return \@list;
}

# Send one connection's packets, read the whole response (until the server
# closes, or nothing arrives for $timeout seconds).
sub send_request {
    my ($class, $block, $packets, $timeout, $tries) = @_;
    my $name = $block->name;
    local $SIG{PIPE} = 'IGNORE';

    my @bits = @$packets;
    my $head_req = (join '', map { $_->{value} } @bits) =~ /^\s*HEAD\s+/ ? 1 : 0;

    my $sock;
    for my $try (1 .. 50) {
        $sock = IO::Socket::INET->new(
            PeerAddr => $Test::Nginx::Lite::Server::ServerAddr,
            PeerPort => $Test::Nginx::Lite::Server::ClientPort,
            Proto    => 'tcp',
            Timeout  => $timeout,
        );
        last if $sock;
        sleep($try < 10 ? 0.05 : 0.2);
    }
    if (!$sock) {
        Test::More::fail("$name - Can't connect to "
            . "$Test::Nginx::Lite::Server::ServerAddr:"
            . "$Test::Nginx::Lite::Server::ClientPort: $! (aborted)\n");
        return ('', $head_req);
    }
    $sock->blocking(0);

    my $middle = $block->raw_request_middle_delay;
    my $resp = '';
    my $cur = shift @bits;
    my ($wbuf, $woff) = ($cur->{value}, 0);
    my $writing = 1;
    my $sel_r = IO::Select->new($sock);

    while (1) {
        my $sel_w = IO::Select->new($writing ? ($sock) : ());
        my ($r, $w) = IO::Select->select($sel_r, $sel_w, undef, $timeout);
        if (!$r && !$w) {
            # nothing happened for $timeout seconds
            close $sock;
            Test::More::fail("ERROR: client socket timed out - $name\n")
                unless defined $block->abort;
            last;
        }
        if ($w && @$w) {
            my $n = syswrite $sock, $wbuf, length($wbuf) - $woff, $woff;
            if (!defined $n) {
                if ($! != EAGAIN && $! != EWOULDBLOCK) {
                    # the server may have answered early and closed
                    $writing = 0;
                }
            } else {
                $woff += $n;
                while ($woff >= length $wbuf) {
                    $cur = shift @bits;
                    if (!$cur) {
                        $writing = 0;
                        if (defined(my $how = $block->shutdown)) {
                            shutdown $sock, ($how =~ /^\s*$/ ? 1 : $how);
                        }
                        last;
                    }
                    my $delay = defined $cur->{delay_before}
                              ? $cur->{delay_before} : $middle;
                    sleep $delay if $delay;
                    ($wbuf, $woff) = ($cur->{value}, 0);
                }
            }
        }
        if ($r && @$r) {
            my $n = sysread $sock, my $buf, 65536;
            if (!defined $n) {
                next if $! == EAGAIN || $! == EWOULDBLOCK;
                warn "WARNING: $name - HTTP response read failure: $!\n";
                last;
            }
            last if $n == 0;
            $resp .= $buf;
        }
    }
    close $sock;
    return ($resp, $head_req);
}

# Raw response -> (HTTP::Response, raw header text, bytes left after it).
sub parse_response {
    my ($class, $name, $raw, $head_req) = @_;
    my $raw_headers = $raw =~ /(.*?\r\n)\r\n/s ? $1 : '';
    my $res = HTTP::Response->parse($raw);
    my $left;

    my $code = $res->code;
    if (defined $code && $code !~ /^\d+$/) {
        $res->code(undef);
        undef $code;
    }
    return ($res, $raw_headers) if $code && ($code == 304 || $code == 101);

    my $te  = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    my @trailers = $res->header('Trailer');
    my $body = $res->content;
    $body = '' unless defined $body;

    if (defined $te && $te eq 'chunked') {
        my $decoded = '';
        pos($body) = 0;
        while (1) {
            if ($body =~ /\G[ \t]*([A-Fa-f0-9]+)[ \t]*(?:;[^\r\n]*)?\r\n/gc) {
                my $size = hex $1;
                if ($size == 0) {
                    # trailers (if announced), then the final CRLF
                    for my $t (@trailers) {
                        $body =~ /\G\Q$t\E:[^\n]*\r\n/gci or do {
                            Test::More::fail("$name - invalid trailer data "
                                             . "received (expected $t).");
                            return ($res, $raw_headers);
                        };
                    }
                    $body =~ /\G\r\n/gc or do {
                        Test::More::fail("$name - invalid chunked data "
                                         . "received (expected CRLF).");
                        return ($res, $raw_headers);
                    };
                    $left = substr $body, pos $body
                        if pos($body) < length $body;
                    last;
                }
                if (length($body) - pos($body) < $size) {
                    Test::More::fail("$name - invalid chunked data received "
                        . "(not enought octets for the data section)");
                    return ($res, $raw_headers);
                }
                $decoded .= substr $body, pos($body), $size;
                pos($body) += $size;
                $body =~ /\G\r\n/gc or do {
                    Test::More::fail("$name - invalid chunked data received "
                                     . "(expected CRLF).");
                    return ($res, $raw_headers);
                };
            } elsif ($body =~ /\G(.+)/gcs) {
                Test::More::fail("$name - invalid chunked body received: $1");
                return ($res, $raw_headers);
            } else {
                Test::More::fail("$name - no last chunk found - $body");
                return ($res, $raw_headers);
            }
        }
        $res->content($decoded);

    } elsif (defined $len && $len =~ /^\d+$/) {
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
               . "but got " . length($body) . "\n" unless $head_req;
        } elsif (length $body > $len) {
            $left = substr $body, $len;
            $res->content(substr $body, 0, $len);
        }
    }

    return ($res, $raw_headers, $left);
}

1;
