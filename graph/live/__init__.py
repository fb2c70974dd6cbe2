"""Serving live updates: the per-process dispatcher, the subscription streams, shared execution.

- `dispatcher`: hears the bus once per process and hands each change to every open feed; loads the
  email row of a change once per process, whatever the number of subscribers.
- `streams`: what a subscription yields — visible, filtered changes with `since:` replay, and
  coalesced folder counts.
- `sharing`: identical subscriptions (same document, variables and visibility) run once; every
  member receives the same result (and, over WebSocket, the same serialised payload).
"""
