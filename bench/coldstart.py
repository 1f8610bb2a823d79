"""One cold start, run as a fresh process by ``bench.run``: import, build the client, first get.

``python -m bench.coldstart {dynclient|sdk|httpx} BASE_URL CUSTOMER_ID`` (from the repository root)

The parent measures the whole process's wall time (spawn to exit); the script does
the work the way an application would, then prints its own peak RSS.
"""

from __future__ import annotations

import sys


def peak_rss_kib() -> int:
    """This process's own peak RSS (``VmHWM``; ``ru_maxrss`` would include the parent's at fork)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def dynclient_get(url: str, customer_id: str) -> object:
    import dynclient

    client = dynclient.Client(base_url=url, access_token="bench-token")
    return client.customers.get(id=customer_id)


def sdk_get(url: str, customer_id: str) -> object:
    from polar.v2026_10 import Polar

    polar = Polar("bench-token", base_url=url)
    return polar.customers.get(customer_id)


def httpx_get(url: str, customer_id: str) -> object:
    import httpx

    client = httpx.Client(base_url=url, headers={"Authorization": "Bearer bench-token"})
    response = client.get(f"/v1/customers/{customer_id}")
    response.raise_for_status()
    return response.json()


CONTENDERS = {"dynclient": dynclient_get, "sdk": sdk_get, "httpx": httpx_get}

if __name__ == "__main__":
    which, url, customer_id = sys.argv[1:4]
    result = CONTENDERS[which](url, customer_id)
    if result is None:
        raise SystemExit(1)
    print(f"PEAK_RSS_KIB {peak_rss_kib()}", flush=True)
