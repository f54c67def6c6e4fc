# ngx_http_rum_module
#
#   make            build the module against Debian's nginx-dev (NGINX_SRC)
#   make demo       run Redis + nginx with the module and a demo site
#   make test       everything that tests the product
#   make bench      the benchmarks
#
# NGINX_SRC is any nginx source tree (1.22+); Debian's nginx-dev tree is
# configured with the flags in its conf_flags so the module loads into
# Debian's nginx.  The build happens in $(BUILD), never inside NGINX_SRC.

NGINX_SRC  ?= /usr/share/nginx/src
NGINX_BIN  ?= /usr/sbin/nginx
BUILD      ?= build
MODULE     := $(BUILD)/nginx/objs/ngx_http_rum_module.so
FUZZ_RUNS  ?= 20000

SOURCES := config ngx_http_rum_module.c $(wildcard src/*.c src/*.h)

# the real Test::Nginx when installed, else the compatible runner in t/lib
PROVE_INC := $(shell perl -MTest::Nginx::Socket -e1 2>/dev/null \
                     || echo -It/lib)
PROVE     := prove -I. $(PROVE_INC)

export TEST_NGINX_BINARY ?= $(NGINX_BIN)
export TEST_NGINX_LOAD_MODULES ?= $(CURDIR)/$(MODULE)

.PHONY: all modules deps test test-unit test-js test-nginx test-valgrind \
        test-fuzz test-browser test-demo demo bench clean

all: modules

modules: $(MODULE)

$(BUILD)/nginx/objs/Makefile: config
	@scripts/deps.sh --check-build
	rm -rf $(BUILD)/nginx
	mkdir -p $(BUILD)
	cp -r $(NGINX_SRC) $(BUILD)/nginx
	cd $(BUILD)/nginx && scripts_dir=$(CURDIR)/scripts \
	    $(CURDIR)/scripts/configure.sh $(CURDIR)

$(MODULE): $(BUILD)/nginx/objs/Makefile $(SOURCES)
	$(MAKE) -C $(BUILD)/nginx -f objs/Makefile modules

deps:
	scripts/deps.sh

test: deps modules test-unit test-js test-nginx test-fuzz test-valgrind \
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

test-fuzz:
	t/fuzz/run.sh beacon $(FUZZ_RUNS)
	t/fuzz/run.sh head $(FUZZ_RUNS)

test-browser: modules
	cd js && (test -d node_modules || npm ci --no-audit --no-fund) \
	    && RUM_BACKEND=nginx RUM_MODULE=$(CURDIR)/$(MODULE) \
	       node --test ../t/browser/

# the demo, driven by headless Chromium for 30 s: fails without beacons
test-demo: modules
	HEADLESS=1 DEMO_SECONDS=30 scripts/demo.sh

demo: deps modules
	scripts/demo.sh

bench: deps modules
	t/bench/run.sh

clean:
	rm -rf $(BUILD) t/servroot*
