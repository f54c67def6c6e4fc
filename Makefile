# ngx_http_rum_module
#
#   make            build the module against Debian's nginx-dev (NGINX_SRC)
#   make demo       run Redis + nginx with the module and a demo site
#   make test       everything that tests the product
#   make bench      the benchmarks
#
# NGINX_SRC is any nginx source tree (1.22+) or a tarball of one; Debian's
# nginx-dev tree is configured with the flags in its conf_flags so the
# module loads into Debian's nginx, any other with --with-compat (see
# scripts/configure.sh).  The build happens in $(BUILD), never inside
# NGINX_SRC.
#
#   make NGINX_SRC=../shared/nginx/nginx-1.30.4.tar.gz BUILD=build-1.30.4 \
#        modules binary

NGINX_SRC  ?= /usr/share/nginx/src
NGINX_BIN  ?= /usr/sbin/nginx
BUILD      ?= build
MODULE     := $(BUILD)/nginx/objs/ngx_http_rum_module.so
FUZZ_RUNS  ?= 20000

# the newer nginx releases the injection and endpoint suites run against
NGINX_TARBALLS ?= $(wildcard ../shared/nginx/nginx-1.2[6-9].*.tar.gz \
                             ../shared/nginx/nginx-1.3*.tar.gz)
VERSION_TESTS  ?= t/01*.t t/02*.t t/03*.t

SOURCES := config ngx_http_rum_module.c $(wildcard src/*.c src/*.h)

# the real Test::Nginx when installed, else the compatible runner in t/lib
PROVE_INC := $(shell perl -MTest::Nginx::Socket -e1 2>/dev/null \
                     || echo -It/lib)
PROVE     := prove -I. $(PROVE_INC)

export TEST_NGINX_BINARY ?= $(NGINX_BIN)
export TEST_NGINX_LOAD_MODULES ?= $(CURDIR)/$(MODULE)

.PHONY: all modules binary deps test test-unit test-js test-nginx \
        test-valgrind test-faults test-deb deb install test-versions test-sanitize test-static \
        test-nginx-suite test-fuzz \
        test-browser test-demo demo \
        bench clean

all: modules

modules: $(MODULE)

$(BUILD)/nginx/objs/Makefile: config scripts/configure.sh
	@scripts/deps.sh --check-build
	rm -rf $(BUILD)/nginx
	mkdir -p $(BUILD)/nginx
	if [ -d $(NGINX_SRC) ]; then cp -r $(NGINX_SRC)/. $(BUILD)/nginx; \
	else tar -xzf $(NGINX_SRC) -C $(BUILD)/nginx --strip-components=1; fi
	cd $(BUILD)/nginx && $(CURDIR)/scripts/configure.sh $(CURDIR)

$(MODULE): $(BUILD)/nginx/objs/Makefile $(SOURCES)
	$(MAKE) -C $(BUILD)/nginx -f objs/Makefile modules

# nginx itself, from the same tree (for a tree other than Debian's)
binary: $(BUILD)/nginx/objs/nginx

$(BUILD)/nginx/objs/nginx: $(BUILD)/nginx/objs/Makefile
	$(MAKE) -C $(BUILD)/nginx -f objs/Makefile binary

# nginx 1.22.1 and the module built with AddressSanitizer and
# UndefinedBehaviorSanitizer (no debug log: nginx's debug lines print empty
# strings from NULL), the module's Test::Nginx suites run against them: a
# report stops the process (nginx fails to start, or a worker dies), which
# fails the tests.  nginx's own undefined behaviour is suppressed in
# t/ubsan.suppress; leaks are valgrind's (make test-valgrind); every
# dynamic module repeats nginx's ngx_module_names (no ODR check).
SANITIZE_SRC   ?= ../shared/nginx/nginx-1.22.1.tar.gz
SANITIZE_BUILD ?= build-sanitize
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
SANITIZE_TESTS ?= t/0[1-9]*.t

test-sanitize:
	mkdir -p $(SANITIZE_BUILD)
	$(MAKE) --no-print-directory -j$$(nproc) NGINX_SRC=$(SANITIZE_SRC) \
	    BUILD=$(SANITIZE_BUILD) RUM_CC_OPT="-g -O1 $(SANITIZE_FLAGS)" \
	    RUM_LD_OPT="$(SANITIZE_FLAGS)" RUM_NO_DEBUG=1 modules binary \
	    >$(SANITIZE_BUILD)/build.log 2>&1 \
	    || { tail -30 $(SANITIZE_BUILD)/build.log; exit 1; }
	ASAN_OPTIONS=detect_leaks=0:detect_odr_violation=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/t/ubsan.suppress \
	TEST_NGINX_BINARY=$(CURDIR)/$(SANITIZE_BUILD)/nginx/objs/nginx \
	TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(SANITIZE_BUILD)/nginx/objs/ngx_http_rum_module.so \
	    $(PROVE) $(SANITIZE_TESTS)

# a static build (--add-module) of the newest stable release: the filter
# must sit where a dynamic build puts it (after add_header: the CSP suite)
STATIC_SRC   ?= ../shared/nginx/nginx-1.30.4.tar.gz
STATIC_BUILD ?= build-static
STATIC_TESTS ?= t/010-inject.t t/013-inject-csp.t t/016-inject-charset.t

test-static:
	mkdir -p $(STATIC_BUILD)
	$(MAKE) --no-print-directory -j$$(nproc) NGINX_SRC=$(STATIC_SRC) \
	    BUILD=$(STATIC_BUILD) RUM_STATIC=1 binary \
	    >$(STATIC_BUILD)/build.log 2>&1 \
	    || { tail -30 $(STATIC_BUILD)/build.log; exit 1; }
	TEST_NGINX_BINARY=$(CURDIR)/$(STATIC_BUILD)/nginx/objs/nginx \
	TEST_NGINX_LOAD_MODULES= $(PROVE) $(STATIC_TESTS)

# nginx's own test suite without and with rum on (scripts/nginx-suite.sh)
test-nginx-suite:
	scripts/nginx-suite.sh 1.22.1 3356f91a
	scripts/nginx-suite.sh 1.31.4 76bb761c

# the module and nginx built from each release in NGINX_TARBALLS, and the
# Test::Nginx suite run against each (valgrind stays on Debian's)
test-versions:
	@set -e; for tgz in $(NGINX_TARBALLS); do \
	    v=$$(basename $$tgz .tar.gz); \
	    echo "== $$v"; \
	    mkdir -p build-$$v; \
	    $(MAKE) --no-print-directory -j$$(nproc) NGINX_SRC=$$tgz \
	        BUILD=build-$$v modules binary >build-$$v/build.log 2>&1 \
	        || { tail -30 build-$$v/build.log; exit 1; }; \
	    TEST_NGINX_BINARY=$(CURDIR)/build-$$v/nginx/objs/nginx \
	    TEST_NGINX_LOAD_MODULES=$(CURDIR)/build-$$v/nginx/objs/ngx_http_rum_module.so \
	        $(PROVE) $(VERSION_TESTS); \
	done

deps:
	scripts/deps.sh

test: deps modules test-unit test-js test-nginx test-fuzz test-valgrind \
      test-faults test-deb test-sanitize test-versions test-static test-nginx-suite \
      test-browser test-demo

test-unit:
	t/unit/build.sh

test-js:
	cd js && (test -d node_modules || npm ci --no-audit --no-fund) \
	    && npm test && node build.mjs --check

test-nginx: modules
	$(PROVE) -r t/*.t

test-valgrind: modules
	TEST_NGINX_USE_VALGRIND=1 $(PROVE) t/*.t

# where the package and the examples' load_module lines put it
MODULES_DIR ?= /usr/lib/nginx/modules

install: modules
	install -d $(DESTDIR)$(MODULES_DIR)
	install -m 644 $(MODULE) $(DESTDIR)$(MODULES_DIR)/

# the Debian package, as Debian builds its libnginx-mod-* (needs nginx-dev)
deb:
	scripts/deb.sh

# installed into the system nginx, exercised, removed
test-deb: deb
	scripts/deb.sh --test

# beacons with unique ids through Redis and nginx faults: README's table
test-faults: modules
	t/faults/faults.pl

test-fuzz:
	t/fuzz/run.sh beacon $(FUZZ_RUNS)
	t/fuzz/run.sh head $(FUZZ_RUNS)
	t/fuzz/run.sh spool $(FUZZ_RUNS)
	t/fuzz/run.sh slot $(FUZZ_RUNS)

test-browser: modules
	cd js && (test -d node_modules || npm ci --no-audit --no-fund) \
	    && RUM_BACKEND=nginx RUM_MODULE=$(CURDIR)/$(MODULE) \
	       node --test ../t/browser/

# the demo, driven by headless Chromium for 30 s: fails without beacons
# the demo browsed by headless Chromium, then its live page checked against
# the stream (t/demo/live.test.mjs; the screenshot goes to docs/live.png)
test-demo: modules
	cd js && (test -d node_modules || npm ci --no-audit --no-fund) \
	    && RUM_MODULE=$(CURDIR)/$(MODULE) node --test ../t/demo/

demo: deps modules
	scripts/demo.sh

bench: deps modules
	t/bench/run.sh

clean:
	rm -rf $(BUILD) build-* t/servroot*
