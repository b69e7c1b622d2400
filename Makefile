# zhitu — the two commands of the README.
#   make run    build, then extract the sample documents in input/ into output/
#   make test   formatting, lints, the test suite and the quality floors (what CI runs)
#
# The RocksDB build under oxigraph takes 15–20 minutes from scratch on 2 cores; the build
# directory lives outside the checkout so that every clone on this machine reuses it.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/zhitu/target
ZHITU = $(CARGO_TARGET_DIR)/debug/zhitu
DEV_CORPUS ?= ../shared/corpus/dev
# The official Oxigraph server of the version zhitu's stores belong to (from PyPI's
# oxigraph==0.5.13 wheel, which ships the binary): the interoperability tests run it.
OXIGRAPH_SERVER ?= $(HOME)/.cache/zhitu/oxigraph-0.5.13/oxigraph
export ZHITU_OXIGRAPH_SERVER = $(OXIGRAPH_SERVER)

.PHONY: run test setup build

setup:
	@command -v cargo >/dev/null || { echo "zhitu needs a Rust toolchain (https://rustup.rs)"; exit 1; }
	@# bindgen loads libclang itself (libclang.so or libclang-NN.so), not libclang-cpp, which some machines carry alone.
	@if ! ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/llvm-*/lib/libclang-[0-9]*.so* /usr/lib/*/libclang.so* /usr/lib/*/libclang-[0-9]*.so* 2>/dev/null | grep -q .; then \
	  echo "installing libclang-dev (needed to build RocksDB under oxigraph)…"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libclang-dev clang; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq libclang-dev clang; fi; \
	fi
	@# Real readers for the export tests: Graphviz `dot` and Debian's NetworkX (tests skip them, with a note, when absent).
	@missing=""; \
	command -v dot >/dev/null || missing="$$missing graphviz"; \
	if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; else py=python3; fi; \
	$$py -c 'import networkx' 2>/dev/null || missing="$$missing python3-networkx"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing$$missing (the export tests read exports with them)…"; \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	    else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	  else echo "note:$$missing not installed: the export tests will skip those readers"; fi; \
	fi

	@# The official Oxigraph 0.5.13 server for the interoperability tests (tests/serve.rs, tests/push.rs).
	@if [ ! -x "$(OXIGRAPH_SERVER)" ]; then \
	  echo "fetching the official Oxigraph 0.5.13 server (PyPI: oxigraph==0.5.13) for the tests…"; \
	  if command -v python3 >/dev/null; then py=python3; else py=/usr/bin/python3; fi; \
	  d=$$(mktemp -d); \
	  if $$py -m pip download --quiet --no-deps --only-binary=:all: oxigraph==0.5.13 -d "$$d" && \
	     $$py -c 'import glob, os, shutil, sys, zipfile; \
	       dst = sys.argv[1]; os.makedirs(os.path.dirname(dst), exist_ok=True); \
	       z = zipfile.ZipFile(glob.glob(sys.argv[2] + "/oxigraph-0.5.13-*.whl")[0]); \
	       src = z.open("oxigraph-0.5.13.data/scripts/oxigraph"); out = open(dst + ".part", "wb"); \
	       shutil.copyfileobj(src, out); out.close(); os.chmod(dst + ".part", 0o755); \
	       os.replace(dst + ".part", dst)' "$(OXIGRAPH_SERVER)" "$$d"; then \
	    echo "  $(OXIGRAPH_SERVER): $$($(OXIGRAPH_SERVER) --version)"; \
	  else echo "note: could not fetch the Oxigraph server: the tests that need it fail under CI, and skip otherwise"; fi; \
	  rm -rf "$$d"; \
	fi

build: setup
	cargo build

run: build
	$(ZHITU) extract input/ --out output/

test: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo test
	@if [ -d "$(DEV_CORPUS)" ]; then \
	  echo "quality floors on $(DEV_CORPUS):"; \
	  $(ZHITU) eval --gold "$(DEV_CORPUS)" --summary --floor .ci/quality-floor.toml; \
	else echo "($(DEV_CORPUS) not found: quality floors not checked)"; fi
