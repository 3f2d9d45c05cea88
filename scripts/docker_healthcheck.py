"""The web container's health check: exit 0 when /healthz answers 200, 1 otherwise.

The request carries the first ALLOWED_HOSTS entry as its Host header, because Django answers
a host it does not know with 400 (a leading "." wildcard becomes the bare domain).
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    url = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/healthz")
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0].lstrip(".") if hosts and hosts[0] != "*" else "localhost"
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read().decode(errors="replace"), exc.code
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    print(status, body)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
