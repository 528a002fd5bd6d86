"""Employers: the account a signed-in employer has (its address, its company profile),
and which browser sessions are signed in to it. Layer 1, beside the posting: postings and
jobs may belong to an employer; nothing here knows steps, payments or pages."""
