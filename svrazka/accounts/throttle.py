"""Login rate limiting: too many failures for one email or from one address lock logins for a
while. Counts live in the cache (the database cache by default, shared by all workers)."""

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, address: str) -> list[str]:
    return [f"login-fail:email:{email.strip().lower()}", f"login-fail:ip:{address}"]


def is_locked(email: str, address: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    counts = cache.get_many(_keys(email, address))
    # An address is allowed more failures than one account (several people behind one NAT).
    email_key, ip_key = _keys(email, address)
    return counts.get(email_key, 0) >= limit or counts.get(ip_key, 0) >= limit * 4


def record_failure(email: str, address: str) -> None:
    for key in _keys(email, address):
        if not cache.add(key, 1, settings.LOGIN_FAILURE_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)


def clear(email: str) -> None:
    cache.delete(_keys(email, "")[0])
