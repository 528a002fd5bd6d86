"""The public job board: the list, the job pages, the Atom feed and structured data."""
