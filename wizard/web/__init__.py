"""Site-wide HTTP guards and error pages: oversize bodies refused unread, NUL refused,
a lost database answered 503, and the 404/500 pages."""
