"""Walk the flow with Django's test client as an example employer: each step gets its own
example answers (Step.example_answers), in the order the dispatcher leads."""

from tests.conftest import step_url
from wizard.flow.order import FLOW
from wizard.models import JobPosting


def walk_to(client, posting, name):
    """POST each step's example answers until the posting's first incomplete step is `name`
    (or lies beyond it). Returns the posting as saved."""
    target = FLOW.steps.index(FLOW[name])
    for _ in FLOW.steps:
        posting = JobPosting.objects.get(pk=posting.pk)
        step = FLOW.first_incomplete(posting)
        if step is None or FLOW.steps.index(step) >= target:
            return posting
        response = client.post(step_url(step.name, posting), step.example_answers)
        assert response.status_code == 302, (step.name, response.status_code)
    raise AssertionError(f"The walk did not reach {name}.")
