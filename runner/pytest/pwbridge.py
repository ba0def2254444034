"""Run the asyncio engine on pytest-playwright's sync `page`.

pytest-playwright hands a test sync-API objects; the engine and every step handler are
coroutines over async-API objects. Both APIs wrap the same implementation objects and run on
one event loop (the sync API drives its loop from a greenlet), so a test can:

- view a sync object as an async one: the same `_impl_obj`, wrapped by the async API's
  mapping (`to_async`);
- run a coroutine to completion on the sync API's own loop (`run`), through the sync object's
  `_sync()`, exactly as any sync API call does.

One catch, and the only change made here to Playwright's behaviour: both mappings cache the
wrapper they made on the implementation object under the same attribute (`API_ATTR`), so the
first flavour to wrap an object wins and the other is handed a wrapper of the wrong kind (a
sync Page inside a coroutine blocks the loop for good). `_install()` gives the async mapping a
cache attribute of its own; wrappers are otherwise made exactly as before, one per object and
flavour, for every user of the async API in the process.

Why a bridge, and not something public (measured on the project's 2-core machine, 2026-11):
- The plugin owning an event-loop thread with its own async Playwright, fed by pytest-playwright's
  launch/context fixtures: a second Playwright driver and browser per session, 0.78 s more to the
  first page and about 1 GiB more resident memory (summed over the browser's processes), and the
  flow would not run on pytest-playwright's `page`: its --tracing/--video/--screenshot/--output
  handling and a conftest's `context`/`page` overrides would not apply to flows.
- pytest-playwright-asyncio (0.10): an async twin of pytest-playwright that registers the same
  options (--browser, --headed, ...) and fixture names, so the two cannot be active in one session,
  and a QA suite written with the sync pytest-playwright would have to move to pytest-asyncio.
- This bridge: 2.0 ms per call (to_async plus one evaluate), one browser, pytest-playwright's own
  context and artifacts.
So the bridge stays, as small as it is, and pinned by tests.

What this relies on is pinned by tests/pytest/test_plugin_bridge.py: `SyncBase._sync`, `_impl_obj`,
`playwright._impl._async_base.mapping` with `_mapping`, and `from_maybe_impl` being the one
place wrappers are made (playwright 1.45 to 1.x).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
ASYNC_API_ATTR = "_m365_replay_async_api_"
_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    import types

    from playwright._impl._async_base import mapping
    from playwright._impl._impl_to_api_mapping import ImplToApiMapping

    def from_maybe_impl(self: ImplToApiMapping, obj: Any, visited: Any = None) -> Any:
        if obj and not isinstance(obj, (dict, list)):
            api_class = self._mapping.get(getattr(obj, "_api_impl_class", type(obj)))
            if api_class is not None:
                api = getattr(obj, ASYNC_API_ATTR, None)
                if api is None:
                    api = api_class(obj)
                    setattr(obj, ASYNC_API_ATTR, api)
                return api
        # dicts and lists recurse through self.from_maybe_impl, i.e. back into this function
        return ImplToApiMapping.from_maybe_impl(self, obj, visited)

    mapping.from_maybe_impl = types.MethodType(from_maybe_impl, mapping)  # type: ignore[method-assign]
    _installed = True


def to_async(sync_obj: Any) -> Any:
    """The async-API twin of a sync-API object (same browser object, same connection)."""
    import playwright.async_api  # noqa: F401  (registers the async classes with the mapping)
    from playwright._impl._async_base import mapping

    _install()
    return mapping.from_impl(sync_obj._impl_obj)


def run(sync_obj: Any, coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to the end on the event loop that drives `sync_obj`'s connection."""
    return sync_obj._sync(coro)  # type: ignore[no-any-return]
