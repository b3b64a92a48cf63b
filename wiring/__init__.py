"""The composition root: the only place where config, devices, the store, the platform
link and the app are put together. ``main.py`` calls it; nothing below imports it.

The embedded demo platform (``server.embedded``) is imported here, lazily, and only
when the config asks for it: a kiosk with a remote platform never loads FastAPI.
"""
