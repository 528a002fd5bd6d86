"""Shared plumbing of the local third-party emulators: the threaded HTTP server,
request/response types, scripted faults, and the control endpoints' helpers.

Standard library only, like the emulators (fakestripe, fakeproviders) that use it; never
imported by config/ or wizard/.
"""
