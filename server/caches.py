"""What one platform app keeps between requests: recently accepted credentials, the
rounds' parsed configurations and the rounds' opened pseudonym keys.

``create_app`` (server.app) builds one ``PlatformCaches`` and hands it to every function
that reads or changes what it keeps; nothing is kept at module level. Each cache has
its explicit invalidation: enrolling or revoking a credential through the app forgets
that id at once (server.credentials), ``forget_round`` forgets a round's configuration
changed in place (server.rounds, server.demo_rounds); a change made by another process
shows within each cache's time (``CACHE_SECONDS``). A round's key never changes once
made, so it is kept for the app's life.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.credentials import CredentialCache
from server.keyring import RoundKeyCache
from server.rounds import RoundCache


@dataclass(frozen=True)
class PlatformCaches:
    credentials: CredentialCache = field(default_factory=CredentialCache)
    rounds: RoundCache = field(default_factory=RoundCache)
    round_keys: RoundKeyCache = field(default_factory=RoundKeyCache)
