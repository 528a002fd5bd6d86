"""The signed-in employer's pages: signing in and out, their postings and payments (with
receipts, numbers and a CSV export), renewing, duplicating and editing a live posting,
and the company profile. Layer 4, beside the flow: it reads postings and payments and
sends the employer into the flow's steps; nothing below imports it."""
