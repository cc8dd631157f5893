"""News from where it lives: a page added by its address, feeds followed and refreshed.

The network is used here and nowhere else in the assistant, and only when the user asks
for an address (`assistant add URL`, the chat page's "Add by address") or a refresh
(`assistant refresh`); asking, ingesting and answering never reach it.

- `fetch`: one fetch, with its limits (time, size, redirects, type) and its refusals
  (schemes other than http and https; private addresses when the UI is shared).
- `origin`: where a saved page came from, kept beside it (`.NAME.source.json`).
- `pages`: a fetched page checked for article text, then saved under a readable name.
- `feeds`: the folder's followed feeds (`.feeds.json`) and their refresh: conditional
  requests, robots.txt, one request at a time per host with a delay, a cap per refresh.
"""
