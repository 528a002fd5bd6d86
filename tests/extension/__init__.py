"""A step added the way the README's "Adding a step" says, kept under tests/: the
acceptance test of issue 15 switches it on (conftest.company_step) and shows that the
flow, the progress bar, the ledger, the guard, the funnel and the page walks pick it up.
With JOBWIZARD_TEST_EXTRA_STEP=1 the whole suite runs with it switched on."""
