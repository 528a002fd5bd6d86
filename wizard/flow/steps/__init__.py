"""The wizard's steps, one module each; their order is set in wizard.flow.order."""
