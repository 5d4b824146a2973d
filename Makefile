# `make run` starts the portal with embedded defaults; `make test` runs every test.
# Both install what they need first, on a fresh machine too.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run worker test test-fast lint bench chromium fonts clean

$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# face_recognition's metadata asks for the `dlib` source package (a long
	# compile); dlib-bin from requirements.txt provides the same module.
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

install: $(STAMP) fonts

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_admin
	# no Celery beat in the embedded setup: do its periodic work at each start
	$(PY) manage.py close_days --days 31 -v0
	$(PY) manage.py kiosk_snapshots_expire -v0
	@echo "Portal: http://$(HOST):$(PORT)/  (admin pages: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(VENV)/bin/celery -A portal worker --loglevel=INFO

# Debian's Chromium for the browser tests; never a browser downloaded by a tool.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# One font for names in every script (Latin, Cyrillic, Greek, Chinese, Japanese,
# Korean) in the annotated pictures and the PDFs; the portal refuses to start
# without one (PORTAL_FONT_PATH names another).
fonts:
	@test -n "$$PORTAL_FONT_PATH" || test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || { \
		echo "Installing Debian's fonts-wqy-zenhei for names in every script"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null; }

test: install chromium
	$(PY) -m ruff check .
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not e2e"

lint: install
	$(PY) -m ruff check .

# make bench ARGS="capture --captures 100": one benchmark, other sizes (python -m bench --help)
bench: install
	$(PY) -m bench $(ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
