# `make run` starts the portal with embedded defaults; `make test` runs every test.
# Both install what they need first, on a fresh machine too.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# What makemessages reads: the project's own code, templates and scripts.
MESSAGES_IGNORE := --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'media/*' --ignore 'site/*'

.PHONY: docs door-sim ffmpeg gettext messages mosquitto install run worker cameras test test-fast lint bench chromium fault-servers fonts rtsp-server clean

$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt requirements-docs.txt door-agent/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt -r requirements-docs.txt
	# face_recognition's metadata asks for the `dlib` source package (a long
	# compile); dlib-bin from requirements.txt provides the same module.
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	# the door agent's package: the portal verifies and signs with its signing.py (docs/door-agent.md)
	$(PY) -m pip install --quiet -e ./door-agent
	touch $@

install: $(STAMP) fonts

run: install
	# migrate, the admin account and the periodic work in one process, the password last; then the server,
	# which goes on with the periodic work (beat's schedule, no broker here) while it serves
	$(PY) manage.py start_up --url http://$(HOST):$(PORT)/
	$(PY) manage.py serve $(HOST):$(PORT)

worker: install
	$(VENV)/bin/celery -A portal worker --loglevel=INFO

# the camera stream runner (run one or more, on any machine with the database)
cameras: install
	$(PY) manage.py cameras run

# Debian's Chromium for the browser tests; never a browser downloaded by a tool.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The fault tests start private redis-server and PostgreSQL instances (never the
# machine's shared ones), so they need the server programs installed.
fault-servers:
	@command -v redis-server >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "Installing redis-server and PostgreSQL for the fault tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql >/dev/null; }


# Debian's Mosquitto: the door-command tests publish to it and start a private one of their own.
mosquitto:
	@command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto || { \
		echo "Installing Debian's mosquitto for the door-command tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null; }


# A door without hardware: the door agent on mock pins with a simulated door (it opens after an
# unlock and closes after a few seconds; Enter forces it open). DOOR is the door's controller ID;
# the portal needs DOOR_MQTT_HOST=127.0.0.1 and the same DOOR_MQTT_SECRET (docs/door-agent.md).
DOOR ?= 1
door-sim: install mosquitto
	DOOR_MQTT_SECRET="$${DOOR_MQTT_SECRET:-door-sim}" $(PY) -m doors_agent sim --door "$(DOOR)"

# Debian's ffmpeg: the video and camera tests make their clips with it (the portal itself
# reads videos and streams with PyAV's own FFmpeg).
ffmpeg:
	@command -v ffmpeg >/dev/null 2>&1 || { \
		echo "Installing Debian's ffmpeg for the video and camera tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null; }

# GStreamer's RTSP server from Debian's packages, run by Debian's own Python (python3-gi):
# the camera tests serve their videos over real RTSP with it.
rtsp-server:
	@/usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer" 2>/dev/null || { \
		echo "Installing GStreamer's RTSP server for the camera tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-gi \
			gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
			gstreamer1.0-plugins-bad >/dev/null; }

# Debian's gettext: makemessages and compilemessages (the catalogue tests run both).
gettext:
	@command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 || { \
		echo "Installing Debian's gettext for the translation catalogues"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

# After changing marked text: refresh every catalogue under locale/, translate the new
# entries (empty msgstr, or "fuzzy"), then `make messages` again to compile them.
messages: install gettext
	$(PY) manage.py makemessages --all --add-location file $(MESSAGES_IGNORE)
	$(PY) manage.py makemessages --all --add-location file -d djangojs $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages --ignore '.venv/*'


# One font for names in every script (Latin, Cyrillic, Greek, Chinese, Japanese,
# Korean) in the annotated pictures and the PDFs; the portal refuses to start
# without one (PORTAL_FONT_PATH names another).
fonts:
	@test -n "$$PORTAL_FONT_PATH" || test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || { \
		echo "Installing Debian's fonts-wqy-zenhei for names in every script"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null; }
	@test -n "$$PORTAL_FALLBACK_FONT_PATH" || test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || { \
		echo "Installing Debian's fonts-dejavu-core for the letters the CJK font lacks (ř, č, ů, ł, ğ)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; }

# The engine tests once more with dlib's encoder and detector: the default is SFace + YuNet,
# and dlib's version must stay a setting that works (docs/recognition-models.md).
DLIB_SETTINGS := FACE_ENCODING_VERSION=dlib_face_recognition_resnet_model_v1+mirror FACE_DETECTOR=hog

test: install docs chromium fault-servers mosquitto ffmpeg rtsp-server gettext
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest
	$(DLIB_SETTINGS) $(PY) -m pytest tests/recognition -m "not slow" -q

# While editing: no worker processes, browsers, private servers or subprocess boots (`slow`);
# the face engine loads when a test first detects a face, not at collection. One pytest
# worker per core (pytest-xdist): each has its own test database, media folder and topics.
FAST := not e2e and not slow and not browser
test-fast: install mosquitto ffmpeg gettext
	$(PY) -m pytest -n auto -m "$(FAST)"

# The documentation site into site/; --strict: a broken link or a page missing from the nav fails it.
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# make bench ARGS="capture --captures 100": one benchmark, other sizes (python -m bench --help)
bench: install ffmpeg rtsp-server
	$(PY) -m bench $(ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
