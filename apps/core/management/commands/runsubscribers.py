"""`manage.py runsubscribers [names]`: the outbox relay and the registered subscribers."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.highway.worker import EventWorker, UnknownSubscriber, select_subscribers


class Command(BaseCommand):
    help = "Run the event relay and subscribers until SIGINT/SIGTERM (graceful: in-flight finish)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="Subscriber names (default: all).")
        parser.add_argument("--no-relay", action="store_true", help="Do not run the outbox relay.")
        parser.add_argument("--list", action="store_true", help="List the subscribers and exit.")

    def handle(self, *args: Any, names: list[str], no_relay: bool, **options: Any) -> None:
        try:
            subscribers = select_subscribers(names)
        except UnknownSubscriber as exc:
            raise CommandError(str(exc)) from None
        if options["list"]:
            for subscriber in subscribers:
                self.stdout.write(f"{subscriber.name}: {', '.join(subscriber.channels)}")
            return
        # A plain flag, not threading.Event: a handler calling Event.set() can deadlock when the
        # signal lands while this thread holds the Event's lock inside Event.wait().
        signalled: list[int] = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda number, _frame: signalled.append(number))
        worker = EventWorker(subscribers, relay=not no_relay)
        worker.start()
        self.stdout.write(f"Running {len(subscribers)} subscriber(s); Ctrl-C stops.")
        self.stdout.flush()
        while not signalled:
            time.sleep(0.2)
        self.stdout.write("Stopping: finishing events in hand...")
        worker.stop()
        self.stdout.write("Stopped.")
