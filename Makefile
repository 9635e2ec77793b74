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
EXTRA := $(if $(SUFFIX),-e streamflix_env_suffix=$(SUFFIX),)
PLAYBOOK := $(BIN)/ansible-playbook -i inventories/$(ENV)

.PHONY: venv localaws localaws-up deploy plan verify teardown test test-unit test-integration molecule lint sanity bench bench-critical-path sweep clean scan

venv: $(VENV)/.installed $(COLLECTION_LINK)

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

teardown: venv localaws-up
	$(PLAYBOOK) playbooks/teardown.yml $(EXTRA)

test: venv lint test-unit test-integration molecule sanity

test-unit: venv
	$(BIN)/python -m pytest tests/unit -q -n 2

test-integration: venv
	$(BIN)/python -m pytest tests/integration -q

molecule: venv
	$(BIN)/molecule test -s default

lint: venv
	$(BIN)/ansible-lint --profile production
	$(BIN)/antsibull-changelog lint

# The full interruption sweep (CI runs two points): STREAMFLIX_SWEEP_SEED=<n> replays one, STREAMFLIX_SWEEP_POINTS=<n>.
sweep: venv
	STREAMFLIX_SWEEP=full $(BIN)/python -m pytest tests/integration/test_interruption.py -q -s

bench: venv
	$(BIN)/python bench/deploy_cycle.py --runs 3 --json build/bench-deploy.json
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

clean:
	rm -rf build outputs reports
