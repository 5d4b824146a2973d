"""`python -m doors_agent run CONFIG` (or `doors-agent run CONFIG`); `... sim` for a door without hardware."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading


def main(argv=None):
    parser = argparse.ArgumentParser(prog="doors-agent", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="run the agent with a TOML configuration")
    run.add_argument("config")
    sim = sub.add_parser("sim", help="a simulated door on mock pins: Enter forces it open, x + Enter presses exit")
    sim.add_argument("--door", default=os.environ.get("DOOR_SIM_DOOR", "1"), help="the door's controller id")
    sim.add_argument("--host", default=os.environ.get("DOOR_MQTT_HOST") or "127.0.0.1")
    sim.add_argument("--port", type=int, default=int(os.environ.get("DOOR_MQTT_PORT") or 1883))
    sim.add_argument("--close-after", type=float, default=3.0, help="seconds the door stays open")
    sim.add_argument("--state-dir", default=None)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    from doors_agent.agent import Agent, config_load

    if args.action == "run":
        agent = Agent(config_load(args.config))
        door_sim = None
    else:
        from doors_agent.sim import SimulatedDoor, sim_config

        secret = os.environ.get("DOORS_AGENT_SECRET") or os.environ.get("DOOR_MQTT_SECRET")
        if not secret:
            parser.error("set DOOR_MQTT_SECRET (the portal's) or DOORS_AGENT_SECRET")
        state_dir = args.state_dir or tempfile.mkdtemp(prefix="door-sim-")
        agent = Agent(sim_config(door=args.door, host=args.host, port=args.port, secret=secret, state_dir=state_dir))
        door_sim = SimulatedDoor(
            agent.pin_factory, close_after=args.close_after, on_change=lambda m: print(m, flush=True)
        )
        door_sim.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    agent.start()
    try:
        if door_sim is not None:
            print(
                f"door {args.door}: Enter forces it open, x + Enter presses the exit button, Ctrl-C stops", flush=True
            )
            threading.Thread(target=_keys, args=(door_sim, stop), daemon=True).start()
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if door_sim is not None:
            door_sim.stop()
        agent.stop()
    return 0


def _keys(door_sim, stop):
    for line in sys.stdin:
        if line.strip().lower() == "x":
            door_sim.press_exit()
        else:
            door_sim.force()
    stop.wait()


if __name__ == "__main__":
    sys.exit(main())
