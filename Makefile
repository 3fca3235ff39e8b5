# Ferrite's two entry points for a newcomer on Debian 12 (as root, or with sudo):
#   make run    installs dependencies, builds, and starts Ferrite on port 6379 (embedded defaults)
#   make test   installs dependencies, builds, and runs every test suite
# Both are idempotent. Other targets are for development.

JOBS ?= 2
PRESET ?= release
BUILD_DIR = build/$(PRESET)

.PHONY: all deps build run test unit integration test-asan test-tsan test-lite fuzz bench format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/ferrite $(ARGS)

# The whole suite: unit and integration tests on the release build, then the sanitizer builds.
test: build
	@bash scripts/test.sh all

unit: build
	@ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)

integration: build
	@ctest --test-dir $(BUILD_DIR) -L integration --output-on-failure

test-asan:
	@bash scripts/test.sh asan

test-tsan:
	@bash scripts/test.sh tsan

test-lite:
	@bash scripts/test.sh lite

fuzz: deps
	@bash scripts/fuzz.sh

bench: build
	@bash bench/redis_benchmark.sh

.PHONY: bench-collections bench-telemetry
bench-collections: build
	@TESTS=lpush,lpop,sadd,spop,hset,zadd,lrange_100 SECTION=Collections bash bench/redis_benchmark.sh

bench-telemetry: build
	@bash bench/telemetry_impact.sh

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
