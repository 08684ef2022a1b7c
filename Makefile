# relflow — build, test, install and demo. Every target installs what it needs first.
PREFIX ?= /usr/local
SWIFT ?= swift
SWIFT_FLAGS ?=
# The installed binary carries the Swift runtime and Foundation: a hook starts in ~4 ms, not ~13.
# Linked by lld with packed relative relocations (DT_RELR, glibc 2.36+): the binary stays
# position-independent, and its 108,000 relocations cost the loader ~0.5 ms less on each start.
# libstdc++ linked from its archive (GCC runtime library exception), found first on the path
# through .build/static-cxx: the loader no longer opens it nor looks up the runtime's 800
# C++ symbols in it, 1.8 M fewer instructions and ~0.4 ms off each start. No $ORIGIN rpath:
# nothing is loaded from beside the binary, and each library was first looked for there.
# No symbol exported but those Package.swift names (the static Swift runtime's link line
# exports all 13,000, and the runtime's start-up `dladdr` walked them: 0.4 M instructions).
STATIC_CXX = $(CURDIR)/.build/static-cxx
RELEASE_FLAGS ?= -c release --static-swift-stdlib -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
	-Xlinker -L$(STATIC_CXX) --disable-local-rpath -Xlinker --no-export-dynamic
BINDIR = $(DESTDIR)$(PREFIX)/bin
TEST_VENV = .build/venv-test

.PHONY: all deps browser build debug test fuzz install uninstall demo bench templates clean

all: build

# libgit2 (Debian: libgit2-dev 1.5.1), pkg-config, and libcurl's link library (webhooks go
# through FoundationNetworking, which a static build links with -lcurl), installed with
# apt-get when missing.
deps:
	@if ! pkg-config --exists libgit2 libcurl 2>/dev/null; then \
	  echo "make: installing libgit2-dev, libcurl4-openssl-dev and pkg-config with apt-get"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get install -y libgit2-dev libcurl4-openssl-dev pkg-config >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libgit2-dev libcurl4-openssl-dev pkg-config; }; \
	fi
	@command -v git >/dev/null || { echo "make: git is required"; exit 1; }

# The installed binary links libgit2 statically (Tests/scripts/static_pkgconfig.sh
# writes the pkg-config file that says so; a shared library when the archive is missing).
STATIC_PC = $(CURDIR)/.build/pkgconfig-static

build: deps
	@sh Tests/scripts/static_pkgconfig.sh $(STATIC_PC)
	@mkdir -p $(STATIC_CXX); archive="$$(clang -print-file-name=libstdc++.a 2>/dev/null)"; \
	  if [ -f "$$archive" ]; then ln -sf "$$archive" $(STATIC_CXX)/libstdc++.a; else rm -f $(STATIC_CXX)/libstdc++.a; fi
	@if [ -f $(STATIC_PC)/libgit2.pc ]; then export RELFLOW_STATIC_LIBGIT2=1; fi; \
	  echo "PKG_CONFIG_PATH=$(STATIC_PC) $(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS)"; \
	  PKG_CONFIG_PATH="$(STATIC_PC)$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH}" $(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS)
	@"$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/relflow" --version >/dev/null

debug: deps
	$(SWIFT) build $(SWIFT_FLAGS)

# The whole suite: unit tests of the domain, and integration tests that drive the real git
# and the relflow binary on repositories made in temporary folders.
test: deps browser $(TEST_VENV)/.ready-2
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	RELFLOW_CYCLONEDX_PYTHON="$(CURDIR)/$(TEST_VENV)/bin/python" RELFLOW_REQUIRE_BROWSER=1 $(SWIFT) test --skip-build $(SWIFT_FLAGS)

# Headless Chromium (Debian's chromium), for the tests that load relflow's HTML pages.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "make: installing chromium with apt-get (for the HTML tests)"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }; \
	fi

# libFuzzer targets (Tests/Fuzz) for the parsers of untrusted input: commit messages, the
# configuration, lock files. FUZZ_SECONDS per target (CI runs a short round on every change);
# the corpus grows in .build/fuzz-corpus, seeded from Tests/Fuzz/corpus. A crash leaves its
# input in .build/fuzz-crashes: add it to the seeds and turn it into a test.
FUZZ_SECONDS ?= 60
# e.g. FUZZ_FLAGS=-seed=1 for a repeatable round (CI).
FUZZ_FLAGS ?=
FUZZ_TARGETS = FuzzCommitMessage FuzzConfig FuzzLockFiles
fuzz: deps
	$(SWIFT) build --package-path Tests/Fuzz --build-path $(CURDIR)/.build/fuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
	@mkdir -p .build/fuzz-crashes
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build/fuzz-corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no .build/fuzz/debug/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 -detect_leaks=0 \
	    -print_final_stats=1 -artifact_prefix=.build/fuzz-crashes/$$t- $(FUZZ_FLAGS) \
	    .build/fuzz-corpus/$$t Tests/Fuzz/corpus/$$t > .build/fuzz-$$t.log 2>&1; rc=$$?; \
	  grep -E '^stat::number_of_executed_units' .build/fuzz-$$t.log || true; \
	  if [ $$rc -ne 0 ]; then tail -60 .build/fuzz-$$t.log; exit 1; fi; \
	done

# The official CycloneDX 1.5 schema and a strict validator, from PyPI, for the BOM tests.
# and zizmor and check-jsonschema for the shipped CI templates.
$(TEST_VENV)/.ready-2:
	python3 -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install -q "cyclonedx-python-lib[json-validation]" zizmor check-jsonschema
	touch $@

# The binary (also as git-relflow, so `git relflow …` works), a man page per command
# (swift-argument-parser's generate-manual; git-relflow.1 too, for `git relflow --help`) and
# shell completions for bash, zsh and fish.
MANDIR = $(DESTDIR)$(PREFIX)/share/man
SHAREDIR = $(DESTDIR)$(PREFIX)/share
install: build
	install -d $(BINDIR) $(MANDIR)/man1 $(SHAREDIR)/bash-completion/completions $(SHAREDIR)/zsh/site-functions $(SHAREDIR)/fish/vendor_completions.d
	install -m 755 -s "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/relflow" $(BINDIR)/relflow
	install -m 755 -s "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/relflow-webhook" $(BINDIR)/relflow-webhook
	ln -sf relflow $(BINDIR)/git-relflow
	rm -rf .build/man && mkdir -p .build/man
	$(SWIFT) package --allow-writing-to-directory .build/man generate-manual --multi-page --output-directory .build/man >/dev/null
	install -m 644 .build/man/*.1 $(MANDIR)/man1/
	install -m 644 .build/man/relflow.1 $(MANDIR)/man1/git-relflow.1
	$(BINDIR)/relflow --generate-completion-script bash > $(SHAREDIR)/bash-completion/completions/relflow
	$(BINDIR)/relflow --generate-completion-script zsh > $(SHAREDIR)/zsh/site-functions/_relflow
	$(BINDIR)/relflow --generate-completion-script fish > $(SHAREDIR)/fish/vendor_completions.d/relflow.fish

uninstall:
	rm -f $(BINDIR)/relflow $(BINDIR)/relflow-webhook $(BINDIR)/git-relflow $(MANDIR)/man1/relflow.1 $(MANDIR)/man1/relflow.*.1 $(MANDIR)/man1/git-relflow.1
	rm -f $(SHAREDIR)/bash-completion/completions/relflow $(SHAREDIR)/zsh/site-functions/_relflow $(SHAREDIR)/fish/vendor_completions.d/relflow.fish

# Builds relflow and runs its main job on a generated sample repository.
demo: debug
	@RELFLOW="$$($(SWIFT) build --show-bin-path)/relflow" sh Tests/scripts/demo.sh

# Large generated repositories; relflow beside git log and the peers. Not part of `test`.
bench: build
	@RELFLOW="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/relflow" python3 Tests/scripts/bench.py

clean:
	rm -rf .build

# Compiles templates/ into the binary (Sources/RelflowCore/DefaultTemplates.swift).
templates:
	python3 Tests/scripts/embed_templates.py
