# Every conf-examples/*.conf passes `nginx -t` with the module loaded, and
# the demo's helpers at least parse.
#
# A plain Test::More file (no Test::Nginx::Socket): each example is a whole
# nginx.conf, so it is tested as users would, with its load_module line
# pointed at the module under test ($TEST_NGINX_LOAD_MODULES, as for the
# other suites).
#
#     TEST_NGINX_LOAD_MODULES=$PWD/build/nginx/objs/ngx_http_rum_module.so \
#         prove -I. -It/lib t/090-examples.t

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use File::Basename qw(basename dirname);
use File::Spec;
use Cwd qw(abs_path);

my $root = abs_path(File::Spec->catdir(dirname(__FILE__), '..'));

my @modules = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES}
                          || "$root/build/nginx/objs/ngx_http_rum_module.so");

my $nginx = $ENV{TEST_NGINX_BINARY};
if (!$nginx) {
    ($nginx) = grep { -x } map { "$_/nginx" }
               split(/:/, $ENV{PATH} || ''), '/usr/sbin', '/usr/local/sbin';
}

my @confs = sort glob("$root/conf-examples/*.conf");

if (!@confs) {
    plan skip_all => "no conf-examples/*.conf";
}

if (my @missing = grep { !-f } @modules) {
    plan skip_all => "module not built (@missing): run make first";
}

if (!$nginx || !-x $nginx) {
    plan skip_all => 'no nginx binary (set TEST_NGINX_BINARY)';
}

plan tests => 2 * @confs + 3;

for my $conf (@confs) {
    my $name = basename($conf);

    open my $fh, '<', $conf or die "$conf: $!";
    my $text = do { local $/; <$fh> };
    close $fh;

    # the placeholder: the load_module line of the RUM module
    my $load = join '', map { "load_module $_;\n" } @modules;
    my $n = ($text =~ s{^[ \t]*load_module[ \t]+\S*ngx_http_rum_module\.so[ \t]*;[ \t]*\n}
                       {$load}mg);

    is($n, 1, "$name: one load_module line for the module");

    # a prefix of its own: relative paths (logs, temp files) land there
    my $prefix = tempdir('rum-example-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$prefix/logs";
    mkdir "$prefix/temp";

    my $file = "$prefix/nginx.conf";
    open $fh, '>', $file or die "$file: $!";
    print $fh $text;
    close $fh;

    my @cmd = ($nginx, '-t', '-p', "$prefix/", '-c', $file,
               '-e', "$prefix/logs/error.log");
    my $out = qx{@{[ join ' ', map { quotemeta } @cmd ]} 2>&1};
    my $rc = $? >> 8;

    ok($rc == 0 && $out =~ /test is successful/, "$name: nginx -t")
        or diag("command: @cmd\nexit code: $rc\noutput:\n$out");
}

# README's Quick start is conf-examples/quick-start.conf, word for word
{
    open my $fh, '<', "$root/README.md" or die "README.md: $!";
    my $readme = do { local $/; <$fh> };
    open $fh, '<', "$root/conf-examples/quick-start.conf" or die $!;
    my $conf = do { local $/; <$fh> };
    my ($shown) = $readme =~ /^## Quick start\n.*?^```nginx\n(.*?)^```$/ms;
    is($shown, $conf, 'README: the Quick start is conf-examples/quick-start.conf');
}

# the consumer example parses (it needs redis-py only to run)
{
    my ($python) = grep { -x } '/usr/bin/python3',
                   map { "$_/python3" } split /:/, $ENV{PATH} || '';

    SKIP: {
        skip 'no python3', 1 unless $python;
        my $out = qx{\Q$python\E -c 'import ast,sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])' \Q$root/conf-examples/consumer.py\E 2>&1};
        is($?, 0, 'conf-examples/consumer.py parses') or diag($out);
    }
}

# the demo script parses
{
    my $out = qx{bash -n \Q$root/scripts/demo.sh\E 2>&1};
    is($?, 0, 'scripts/demo.sh parses (bash -n)') or diag($out);
}
