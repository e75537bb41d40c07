# Capture Station. A newcomer on Debian 12 types `make run` or `make test`;
# both install what they need first (`make deps`).

GO        ?= go
BIN       := bin
PKGS      := ./...
# Debian packages the build and the tests need.
DEB_PKGS  := ca-certificates git gcc libc6-dev pkg-config libusb-1.0-0-dev libpcsclite-dev pcscd vsmartcard-vpcd util-linux mount libopencv-dev opencv-data fonts-ocr-b tesseract-ocr chromium curl
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Packages whose tests are affordable under the race detector in CI.
RACE_PKGS := ./internal/... ./sync/... ./capture/enrollment/...

.PHONY: all deps build run test e2e race vet bench fuzz clean check-go

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
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  echo "installing Node.js and npm (browser tests)"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm; }
	@$(GO) mod download

build: deps
	$(GO) build -o $(BIN)/ ./cmd/stationd ./cmd/stationctl ./cmd/stationsim

# The station with simulated devices and a local OSIA registry simulator;
# the UI and API on http://127.0.0.1:8080.
run: build
	$(BIN)/stationd --config configs/sim.yaml

test: deps
	$(GO) test -count=1 -timeout 20m $(PKGS)
	@$(MAKE) --no-print-directory e2e

# Browser end-to-end run: the station with simulated devices on spare
# ports, an operator account, then playwright-core driving Debian's
# chromium through the web UI. Screenshots of every page and wizard step
# go to $(BIN)/e2e-shots.
E2E_PORT ?= 18080
E2E_REG  ?= 18090
e2e: build
	@[ -d ui/e2e/node_modules/playwright-core ] || npm ci --prefix ui/e2e --no-audit --no-fund --loglevel=error
	@rm -rf $(BIN)/e2e-shots; tmp=$$(mktemp -d); \
	sed -e "s#dir: .data/sim#dir: $$tmp/data#" -e "s#listen: 127.0.0.1:8080#listen: 127.0.0.1:$(E2E_PORT)#" \
	    -e "s#127.0.0.1:8090#127.0.0.1:$(E2E_REG)#g" configs/sim.yaml > $$tmp/sim.yaml; \
	$(BIN)/stationd --config $$tmp/sim.yaml > $$tmp/stationd.log 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null; rm -rf $$tmp' EXIT; \
	for i in $$(seq 150); do curl -sf http://127.0.0.1:$(E2E_PORT)/healthz >/dev/null && break; sleep 0.2; done; \
	echo 482913 | $(BIN)/stationctl --config $$tmp/sim.yaml operators add e2e --role technician >/dev/null && \
	echo 613524 | $(BIN)/stationctl --config $$tmp/sim.yaml operators add e2e-supervisor --role supervisor >/dev/null && \
	node ui/e2e/run.mjs --base http://127.0.0.1:$(E2E_PORT) --registry http://127.0.0.1:$(E2E_REG) \
	  --user e2e --pin 482913 --supervisor e2e-supervisor --supervisor-pin 613524 --shots $(BIN)/e2e-shots \
	  || { echo "--- stationd log"; tail -50 $$tmp/stationd.log; exit 1; }

race: deps
	$(GO) test -count=1 -race -timeout 20m $(RACE_PKGS)

vet: deps
	$(GO) vet $(PKGS)

# Benchmarks print their figures (ns/op and the custom metrics each reports).
# The station-level ones in cmd/ size their own work and run once.
bench: deps
	$(GO) test -run '^$$' -bench . -timeout 30m ./internal/... ./sync/... ./capture/... ./ui/...
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./cmd/...

fuzz: deps
	@echo "run one target at a time, for example:"
	@echo "  go test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./internal/config"

clean:
	rm -rf $(BIN)
