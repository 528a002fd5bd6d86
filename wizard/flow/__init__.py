"""The wizard: its steps, their order, the dispatcher views, the employer's edits, the
links that bring an employer back (finish later, manage), and the employer's ledger.
"""
