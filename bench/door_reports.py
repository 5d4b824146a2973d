"""From a door report published to the alert row: the portal's side of the door agents.

`python -m bench.door_reports [--reports 100]`: a fresh SQLite database, the
real listener (`manage.py doors listen`, a process of its own, as in
production) on the machine's Mosquitto, and a door that is forced open
`--reports` times: each time a signed "closed" then a signed "open" report
(no unlock before it) is published, and the time until its forced-open alert
row exists in the database is measured. Prints and saves p50/p95.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench import common

SECRET = "bench-door-reports"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.door_reports", description=__doc__)
    p.add_argument("--reports", type=int, default=100)
    p.add_argument("--results", default=str(common.RESULTS))
    args = p.parse_args(argv)
    import paho.mqtt.client as mqtt

    from doors_agent.signing import message_sign

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_"))},
            "DATABASE_URL": f"sqlite:///{tmp}/portal.sqlite3",
            "DOOR_MQTT_HOST": "127.0.0.1",
            "DOOR_MQTT_SECRET": SECRET,
            "DOOR_MQTT_TOPIC": prefix + "/doors/{door}/command",
            "DOOR_MQTT_REPORT_TOPIC": prefix + "/doors/{door}/report",
            "MEDIA_ROOT": f"{tmp}/media",
        }
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput"], cwd=common.ROOT, env=env, check=True, capture_output=True)
        import django

        django.setup()
        from portal.access.models import Alert, Door, Zone

        Door.objects.create(name="Bench door", zone=Zone.objects.create(name="Bench"), controller_id="bench-door")
        listener = subprocess.Popen(
            [*manage, "doors", "listen", "--holder", "bench"], cwd=common.ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        client.connect("127.0.0.1", 1883)
        client.loop_start()
        topic = f"{prefix}/doors/bench-door/report"
        seq = 0

        def publish(state):
            nonlocal seq
            seq += 1
            report = {"door": "bench-door", "kind": "contact", "state": state, "seq": seq, "key": f"bench-{seq}"}
            report["at"] = datetime.now(UTC).isoformat()
            body = json.dumps(report, separators=(",", ":")).encode()
            client.publish(topic, message_sign(secret=SECRET, body=body, key=report["key"]), qos=1).wait_for_publish(5)

        try:
            # the listener is up once a first forced opening reaches the database (not measured)
            deadline = time.time() + 120
            while not Alert.objects.exists():
                assert time.time() < deadline and listener.poll() is None, listener.stderr.read()
                publish("closed")
                publish("open")
                time.sleep(1)
            latencies = []
            for _ in range(args.reports):
                publish("closed")
                before = Alert.objects.count()
                sent = time.time()
                publish("open")
                while Alert.objects.count() == before:
                    assert time.time() - sent < 30, "no alert within 30 s"
                    time.sleep(0.002)
                alert = Alert.objects.order_by("-id").first()
                latencies.append(alert.at.timestamp() - sent)
        finally:
            client.loop_stop()
            client.disconnect()
            listener.terminate()
            listener.wait(20)
    figures = {
        "reports": args.reports,
        "database": "SQLite",
        "report_to_alert": common.summary_ms(latencies),
    }
    print(json.dumps(figures, indent=2))
    Path(args.results).mkdir(parents=True, exist_ok=True)
    (Path(args.results) / "door_reports.json").write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
