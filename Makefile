# LabelLoop: `make run` and `make test` set up a fresh Debian 12 machine as needed, then do their job.
# Each setup step checks first and does nothing slow when its work is already done.

SHELL := /bin/bash
.DEFAULT_GOAL := help

CONFIG      ?= Release
URLS        ?= http://127.0.0.1:5000
# The database: empty means the embedded SQLite file DATA_DIR/labelloop.db; a PostgreSQL string selects PostgreSQL.
DB          ?=
DATA_DIR    ?= data
WEB_DIR     := src/LabelLoop.Web
CLI_DLL     := artifacts/bin/LabelLoop.Cli/$(shell echo $(CONFIG) | tr A-Z a-z)/labelloop.dll
RESULTS_DIR := artifacts/test-results
# No C++ toolchain: the model engine is TorchSharp, whose libtorch comes from NuGet with `dotnet restore`.
APT_PACKAGES := chromium dataset-fashion-mnist fortunes

.PHONY: help setup packages postgres test-packages assets dotnet build run test samples screenshots clean

help:
	@echo "make run    build everything and start the server on $(URLS)"
	@echo "make test   build everything and run every test (ends with 'N passed, N failed')"
	@echo "make build  set up and build (web assets, .NET) without running"
	@echo "make samples  write the sample datasets under sample-projects/*/data"
	@echo "make screenshots  retake the README's screenshots (docs/images) from a fresh server"

setup: packages

packages:
	@bash build/setup-packages.sh $(APT_PACKAGES)

# PostgreSQL is for the tests of the scale-out provider (and for deployments that choose it); `make run` needs none.
test-packages:
	@bash build/setup-packages.sh postgresql

postgres: test-packages
	@bash build/setup-postgres.sh

assets: $(WEB_DIR)/wwwroot/lib/.stamp

$(WEB_DIR)/wwwroot/lib/.stamp: $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json
	cd $(WEB_DIR) && npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(WEB_DIR)/wwwroot/lib && mkdir -p $(WEB_DIR)/wwwroot/lib/{chartjs,swagger-ui}
	cp $(WEB_DIR)/node_modules/chart.js/dist/chart.umd.js $(WEB_DIR)/wwwroot/lib/chartjs/
	cp $(WEB_DIR)/node_modules/swagger-ui-dist/{swagger-ui.css,swagger-ui-bundle.js} $(WEB_DIR)/wwwroot/lib/swagger-ui/
	touch $@

# TORCH_DEVICE=cuda builds against TorchSharp's CUDA runtime package instead of the CPU one (docs/gpu.md).
dotnet: assets
	dotnet tool restore
	dotnet build LabelLoop.sln -c $(CONFIG) --nologo -v quiet -clp:ErrorsOnly $(if $(TORCH_DEVICE),-p:TorchDevice=$(TORCH_DEVICE))

build: setup dotnet

run: build
	dotnet $(CLI_DLL) serve --urls "$(URLS)" $(if $(DB),--db "$(DB)") --data-dir "$(DATA_DIR)"

test: build postgres
	@bash build/run-tests.sh "$(CONFIG)" "$(RESULTS_DIR)"

# The README's screenshots (docs/images), from a fresh server with the sample project, in Debian's Chromium.
screenshots: build
	@bash build/screenshots.sh

samples: build
	dotnet $(CLI_DLL) samples build --name fashion-mnist --out sample-projects/fashion-mnist/data
	dotnet $(CLI_DLL) samples build --name fortune-topics --out sample-projects/fortune-topics/data

clean:
	rm -rf artifacts $(WEB_DIR)/wwwroot/lib $(WEB_DIR)/node_modules
