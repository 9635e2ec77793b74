# StreamFlix media platform: the two commands a newcomer needs are `make deploy` and `make test`.
SHELL := /bin/bash
ENV ?= local
SUFFIX ?=
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCALAWS_PORT ?= 4566
LOCALAWS_HOST := 127.0.0.1
LOCALAWS_IDLE ?= 7200
# The local AWS endpoint for ENV=local only: boto3 honours AWS_ENDPOINT_URL, so exported for dev, staging or prod it
# would send real-AWS runs to localhost (preflight refuses a loopback endpoint outside local).
ifeq ($(ENV),local)
export AWS_ENDPOINT_URL ?= http://$(LOCALAWS_HOST):$(LOCALAWS_PORT)
endif
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Tools started by molecule and ansible-lint (ansible-config, ansible-playbook) come from the venv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
COLLECTION_LINK := build/collections/ansible_collections/streamflix/media_platform
# Mitogen's strategy plugins (ansible.cfg: strategy = mitogen_linear), linked from the venv's mitogen package.
MITOGEN_LINK := build/mitogen
EXTRA := $(if $(SUFFIX),-e streamflix_env_suffix=$(SUFFIX),)
PLAYBOOK := $(BIN)/ansible-playbook -i inventories/$(ENV)

.PHONY: venv localaws localaws-up deploy plan verify report browser teardown test test-unit test-integration molecule lint sanity bench bench-critical-path sweep clean scan
.PHONY: packaging-venv collection-build galaxy-lint test-packaging

venv: $(VENV)/.installed $(COLLECTION_LINK) $(MITOGEN_LINK)

$(VENV)/.installed: requirements.txt tools/localaws/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e tools/localaws
	touch $@

# The collection is imported from this checkout through a link; ansible.cfg points collections_path at build/.
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

# ansible.cfg names build/mitogen/plugins/strategy: the package's own directory, wherever pip put it.
$(MITOGEN_LINK): $(VENV)/.installed
	mkdir -p $(dir $@)
	ln -sfn "$$($(BIN)/python -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))')" $@

localaws: venv
	$(BIN)/localaws --host $(LOCALAWS_HOST) --port $(LOCALAWS_PORT)

# Started in the background for ENV=local; it exits by itself after LOCALAWS_IDLE idle seconds.
localaws-up: venv
	@if [ "$(ENV)" = local ]; then $(BIN)/python -m localaws.ensure --host $(LOCALAWS_HOST) --port $(LOCALAWS_PORT) --idle-timeout $(LOCALAWS_IDLE) --log build/localaws.log; fi

deploy: venv localaws-up
	$(PLAYBOOK) playbooks/site.yml $(EXTRA)
	@$(BIN)/python -m json.tool outputs/$(if $(SUFFIX),$(SUFFIX),$(ENV)).json 2>/dev/null || true

plan: venv localaws-up
	$(PLAYBOOK) playbooks/site.yml --check --diff $(EXTRA)

# Audits the live environment against the platform's rules; writes reports/<suffix>-verify.json; fails on a finding.
verify: venv localaws-up
	$(PLAYBOOK) playbooks/verify.yml $(EXTRA)

# Audits the live environment and writes reports/<suffix>-report.html (architecture, findings, alarms, the last
# deploy's readiness timeline); unlike verify it does not fail on a finding: the page shows them.
report: venv localaws-up
	$(PLAYBOOK) playbooks/verify.yml --tags report $(EXTRA)

teardown: venv localaws-up
	$(PLAYBOOK) playbooks/teardown.yml $(EXTRA)

test: venv lint test-unit test-packaging test-integration molecule sanity

test-unit: venv
	$(BIN)/python -m pytest tests/unit -q -n 2

test-integration: venv browser
	$(BIN)/python -m pytest tests/integration -q

# Headless Chromium (Debian's chromium package) renders the HTML report in tests/integration/test_report.py.
browser:
	@command -v chromium >/dev/null || { apt-get update && apt-get install -y --no-install-recommends chromium; }

molecule: venv
	$(BIN)/molecule test -s default

lint: venv galaxy-lint
	$(BIN)/ansible-lint --profile production
	$(BIN)/antsibull-changelog lint

# The full interruption sweep (CI runs two points): STREAMFLIX_SWEEP_SEED=<n> replays one, STREAMFLIX_SWEEP_POINTS=<n>.
sweep: venv
	STREAMFLIX_SWEEP=full $(BIN)/python -m pytest tests/integration/test_interruption.py -q -s

bench: venv
	$(BIN)/python bench/deploy_cycle.py --runs 3 --with-floor --profile --json build/bench-deploy.json
	$(MAKE) bench-critical-path

# Deploy and teardown under the AWS latency model against their critical path (Gantt SVGs next to the JSON).
BENCH_TIME_SCALE ?= 0.02
bench-critical-path: venv
	$(BIN)/python bench/critical_path.py --time-scale $(BENCH_TIME_SCALE) --runs 3 --json build/bench-critical-path.json

sanity: venv
	tests/sanity/run.sh

# Prowler (pinned in tools/scan/requirements-prowler.txt) in its own venv: it is large, and not the toolchain's.
PROWLER_VENV := build/prowler-venv
$(PROWLER_VENV)/.installed: tools/scan/requirements-prowler.txt
	test -x $(PROWLER_VENV)/bin/python || $(PYTHON) -m venv $(PROWLER_VENV)
	$(PROWLER_VENV)/bin/pip install --quiet -r tools/scan/requirements-prowler.txt
	touch $@

# Independent scan: deploys the local environment if it is not there, runs Prowler against localaws, fails on any
# FAIL on the environment's resources that tests/security/prowler-accepted.yaml does not accept, or on a Prowler error.
scan: venv localaws-up $(PROWLER_VENV)/.installed
	$(PROWLER_VENV)/bin/python tests/security/scan.py --deploy --suffix $(if $(SUFFIX),$(SUFFIX),$(ENV)) --environment $(ENV)

# Packaging (galaxy-importer, antsibull-docs and ansible-builder, pinned in tools/packaging/requirements.txt) in a
# venv of its own: galaxy-importer brings its own ansible-lint and flake8, which are not the toolchain's.
PACKAGING_VENV := build/packaging-venv
COLLECTION_VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := build/dist/streamflix-media_platform-$(COLLECTION_VERSION).tar.gz
$(PACKAGING_VENV)/.installed: tools/packaging/requirements.txt
	test -x $(PACKAGING_VENV)/bin/python || $(PYTHON) -m venv $(PACKAGING_VENV)
	$(PACKAGING_VENV)/bin/pip install --quiet -r tools/packaging/requirements.txt
	touch $@

packaging-venv: $(PACKAGING_VENV)/.installed

# The tarball `ansible-galaxy collection install` takes: build/dist/streamflix-media_platform-<version>.tar.gz.
collection-build: venv
	rm -rf build/dist
	$(BIN)/ansible-galaxy collection build --output-path build/dist .

# galaxy-importer on the built tarball (tools/packaging/galaxy-importer.cfg: everything but ansible-test, which needs
# a container engine), then antsibull-docs lint-collection-docs --plugin-docs on that tarball installed; fails on
# any error or warning. galaxy-importer's log: build/galaxy-importer.log.
galaxy-lint: collection-build packaging-venv
	$(PACKAGING_VENV)/bin/python tools/packaging/galaxy_lint.py $(TARBALL)

# The tarball installs and documents itself; ansible-builder create makes the execution environment's build context.
test-packaging: venv packaging-venv
	$(BIN)/python -m pytest tests/packaging -q

clean:
	rm -rf build outputs reports
