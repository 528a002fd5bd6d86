"""The posting and its life: the model and its state rules, the transition log,
lifecycle events (paid, published, expired, withdrawn, rejected), staff review and
expiry, the logo file the posting owns, and the description's format (Markdown rendered to
sanitised HTML, `markdown.py`).
"""
