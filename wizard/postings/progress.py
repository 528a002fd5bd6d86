"""How far a draft has got, asked of the flow without importing it.

Before payment a posting's status is a projection of the flow (wizard.flow.order): the
flow decides from the steps' own data which steps are complete. The flow lies above this
layer, so it registers itself here when it is built, and the model's rules ask through
this module: `open_checkout` may proceed only when `ready_to_pay(posting)` says every
applicable step before payment is complete, whatever the stored status says.
"""

from django.core.exceptions import ImproperlyConfigured

_flow = None


def register(flow):
    """Called by the flow when it is built (and by a test that swaps it)."""
    global _flow
    _flow = flow


def registered():
    if _flow is None:
        raise ImproperlyConfigured("No flow is registered (wizard.flow.order is not loaded).")
    return _flow


def ready_to_pay(posting):
    """Every applicable step before payment is complete, as the flow computes it now."""
    return registered().ready_to_pay(posting)
