"""The cyclic garbage collector tuned for a web process (the WSGI module calls `tune`).

A request makes tens of thousands of short-lived objects (querysets, model instances, template
nodes); at Python's default gen-0 threshold of 700 the collector ran 3-4 times in a list
request and a full pass over every object loaded at start-up (models, URLconf, settings) every
few requests: about 5 ms of a 35 ms list page (scripts/bench.py). Objects loaded before the
first request live as long as the process, so they are frozen out of every pass (gc.freeze,
which also keeps gunicorn's forked workers from touching those pages), and young objects are
collected less often. Reference counting still frees almost everything at once: this only
delays the search for reference cycles."""

import gc

# Young container objects allocated (net) before a collection: a request's worth.
GEN0_THRESHOLD = 50_000


def tune() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (loads the URLconf now, to freeze it too)
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
