# Capture Station. A newcomer on Debian 12 types `make run` or `make test`;
# both install what they need first (`make deps`).

GO        ?= go
BIN       := bin
PKGS      := ./...
# Debian packages the build and the tests need.
DEB_PKGS  := ca-certificates git gcc libc6-dev pkg-config libusb-1.0-0-dev libpcsclite-dev pcscd vsmartcard-vpcd util-linux mount libopencv-dev opencv-data fonts-ocr-b tesseract-ocr
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Packages whose tests are affordable under the race detector in CI.
RACE_PKGS := ./internal/... ./sync/... ./capture/enrollment/...

.PHONY: all deps build run test race vet bench fuzz clean check-go

all: build

check-go:
	@command -v $(GO) >/dev/null 2>&1 || { echo "Go is not installed: install Go 1.21 or newer (it fetches the 1.26 toolchain itself) and run make again"; exit 1; }

deps: check-go
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@$(GO) mod download

build: deps
	$(GO) build -o $(BIN)/ ./cmd/stationd ./cmd/stationctl ./cmd/stationsim

# The station with simulated devices and a local OSIA registry simulator;
# the UI and API on http://127.0.0.1:8080.
run: build
	$(BIN)/stationd --config configs/sim.yaml

test: deps
	$(GO) test -count=1 -timeout 20m $(PKGS)

race: deps
	$(GO) test -count=1 -race -timeout 20m $(RACE_PKGS)

vet: deps
	$(GO) vet $(PKGS)

# Benchmarks print their figures (ns/op and the custom metrics each reports).
# The station-level ones in cmd/ size their own work and run once.
bench: deps
	$(GO) test -run '^$$' -bench . -timeout 30m ./internal/... ./sync/... ./capture/...
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./cmd/...

fuzz: deps
	@echo "run one target at a time, for example:"
	@echo "  go test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./internal/config"

clean:
	rm -rf $(BIN)
