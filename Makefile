# crossfoot — the two commands of the README, and the steps they are made of.
#   make demo   set up, check the sample workbooks with the command line, then build the
#               web page and serve it on 127.0.0.1 (the address is printed)
#   make test   set up and run every test, lint, the WebAssembly build and the browser tests
#   make web    build the web page into www/ (static files, ready to serve)
#   make serve  build the web page and serve it on 127.0.0.1
#   make corpus the release build over the real workbooks in ../shared/real, against the
#               verdicts a person gave there (succeeds with a note where they are absent)

CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown
# The wasm-bindgen CLI must be the exact version of the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' Cargo.lock)
# The page's wasm is built with this Cargo profile (see [profile.wasm] in Cargo.toml).
WASM_PROFILE ?= wasm
WASM_ARTIFACT := target/$(WASM_TARGET)/$(if $(filter dev,$(WASM_PROFILE)),debug,$(WASM_PROFILE))/crossfoot.wasm
PORT ?= 8000

.PHONY: setup demo test lint wasm-check web web-tools serve browser-test screenshots bench corpus

setup:
	rustup target add $(WASM_TARGET)

demo: setup
	$(CARGO) build --release
	./target/release/crossfoot check --annotate target/demo --fix target/demo --summary target/demo/summary.xlsx examples/tthc-06-q3-2022.xlsx examples/kinh-phi-2022.xlsx || true
	./target/release/crossfoot check --template examples/phu-luc-cchc.toml examples/phu-luc-cchc-q3-2022.xlsx || true
	./target/release/crossfoot check --previous examples/so-y-te-quy-2.xlsx examples/don-vi/so-y-te.xlsx || true
	./target/release/crossfoot check --previous examples/so-y-te-quy-2.xlsx examples/so-y-te-nhap-nham.xlsx || true
	./target/release/crossfoot consolidate --template tthc-06 examples/don-vi -o target/demo/tong-hop.xlsx || true
	@echo "annotated and corrected copies, the summary and the consolidated report: target/demo/"
	$(MAKE) serve

test: setup lint wasm-check
	$(CARGO) test --all-targets
	$(CARGO) test --doc
	$(MAKE) browser-test

lint:
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --lib --target $(WASM_TARGET) --no-default-features --features wasm -- -D warnings

wasm-check:
	$(CARGO) build --lib --target $(WASM_TARGET) --no-default-features --features wasm

# The wasm-bindgen CLI at the exact version (installed only when missing or different),
# and the npm tools (wasm-opt from npm's binaryen, playwright-core).
web-tools: setup
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
		echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
		$(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi
	@[ -x node_modules/.bin/wasm-opt ] && [ -d node_modules/playwright-core ] || npm ci

web: web-tools
	$(CARGO) build --profile $(WASM_PROFILE) --lib --target $(WASM_TARGET) --no-default-features --features wasm
	rm -rf www/pkg
	wasm-bindgen --target web --no-typescript --out-dir www/pkg $(WASM_ARTIFACT)
	node_modules/.bin/wasm-opt -O1 --skip-pass=memory-packing --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
		--enable-reference-types --enable-multivalue --enable-mutable-globals --strip-debug --strip-producers \
		www/pkg/crossfoot_bg.wasm -o www/pkg/crossfoot_bg.wasm
	@rm -f www/pkg/.gitignore www/pkg/package.json
	@printf 'www/pkg/crossfoot_bg.wasm: %s bytes, %s bytes gzip\n' \
		"$$(wc -c < www/pkg/crossfoot_bg.wasm)" "$$(gzip -9c www/pkg/crossfoot_bg.wasm | wc -c)"

serve: web
	node tests/browser/server.mjs $(PORT)

# The page in headless Chromium (Debian's /usr/bin/chromium), compared with the CLI's JSON.
browser-test: web
	$(CARGO) build --bin crossfoot --example dump
	node --test tests/browser/page.test.mjs

# Rewrites docs/screenshot-vi.png and docs/screenshot-en.png for the README.
screenshots: web
	$(CARGO) build --bin crossfoot
	UPDATE_SCREENSHOTS=1 node --test --test-name-pattern=screenshots tests/browser/page.test.mjs

# Every finding on the real workbooks matched to its verdict; fails when a true finding is
# lost or a false one comes back at error severity (examples/corpus.rs says how).
# CORPUS_PROFILE=dev reuses the build `make test` made (CI's time is short; the findings
# are the same in every profile).
CORPUS ?= ../shared/real
CORPUS_PROFILE ?= release
CORPUS_DIR := target/$(if $(filter dev,$(CORPUS_PROFILE)),debug,$(CORPUS_PROFILE))
corpus:
	$(CARGO) build --profile $(CORPUS_PROFILE) --bin crossfoot --example corpus
	./$(CORPUS_DIR)/examples/corpus --bin $(CORPUS_DIR)/crossfoot $(CORPUS)

# The benchmark beside its peers (not part of `make test`: it takes about 15 minutes);
# writes bench/RESULTS.md.
bench:
	bench/run
