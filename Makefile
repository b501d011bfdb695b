# crossfoot — the two commands of the README, and the steps they are made of.
#   make demo   set up and check the sample workbooks with the command line
#   make test   set up and run every test, lint and the WebAssembly build

CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown

.PHONY: setup demo test lint wasm-check

setup:
	rustup target add $(WASM_TARGET)

demo: setup
	$(CARGO) build --release
	./target/release/crossfoot check examples/tthc-06-q3-2022.xlsx examples/kinh-phi-2022.xlsx || true
	./target/release/crossfoot check --template examples/phu-luc-cchc.toml examples/phu-luc-cchc-q3-2022.xlsx || true

test: setup lint wasm-check
	$(CARGO) test --all-targets
	$(CARGO) test --doc

lint:
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --lib --target $(WASM_TARGET) --no-default-features --features wasm -- -D warnings

wasm-check:
	$(CARGO) build --lib --target $(WASM_TARGET) --no-default-features --features wasm
