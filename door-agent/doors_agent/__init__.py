"""The door agent: takes the portal's signed door commands, drives the lock, reports the door."""

__version__ = "0.1.0"
